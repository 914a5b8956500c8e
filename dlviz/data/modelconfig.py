"""What a `.keras` file's config.json declares, read before Keras builds anything from it.

Keras allocates every weight a config declares before the weights file is read, so a 2 KB file that
declares a huge Dense layer would cost gigabytes; and safe mode only refuses code once Keras is already
building. Here both are judged from the JSON alone: references to code (lambdas, functions, classes from
outside Keras) and a lower bound on the parameters the layers declare.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_PARAMETERS = 30_000_000  # 120 MB of float32 weights: far beyond any model a .keras upload of 50 MB can hold
MAX_LAYER_SIZE = 1_000_000  # units, filters or embedding rows one layer may declare
CODE_CLASSES = {"Lambda", "TFOpLambda", "__lambda__", "function", "__function__"}


@dataclass(frozen=True)
class LayerSize:
    """A layer's name and the parameters its config declares (a lower bound when its input is unknown)."""

    name: str
    kind: str
    parameters: int


def objects(config: Any) -> Iterator[dict[str, Any]]:
    """Every serialised Keras object (a dict with a class_name) anywhere in the config, outermost first."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def code_references(config: Any) -> list[str]:
    """Descriptions of every part that would need Python code to rebuild: lambdas, functions, foreign classes."""
    found = []
    for item in objects(config):
        class_name = str(item.get("class_name"))
        module = item.get("module")
        registered = item.get("registered_name")
        if class_name in CODE_CLASSES:
            found.append(f"a {class_name.strip('_')} ({_where(item)})")
        elif module is not None and not (isinstance(module, str) and (module == "keras" or module.startswith("keras."))):
            found.append(f"the class '{class_name}' from the module '{module}'")
        elif module is None and registered:
            found.append(f"the custom class '{registered}'")
    return found


def layer_sizes(config: Any) -> list[LayerSize]:
    """Parameters declared by every layer, from its config and the input shape Keras saved with it.

    Layers without a saved input shape take the width of the layer before them, so a stripped config
    still gets a (lower) estimate instead of none."""
    sizes, width = [], None
    for item in objects(config):
        settings = item.get("config")
        if not isinstance(settings, dict):
            continue
        shape = _input_shape(item)
        if shape is None and item.get("class_name") == "InputLayer":
            width = _last(settings.get("batch_shape") or settings.get("batch_input_shape"))
            continue
        known = _last(shape)
        count, width_after = _parameters(str(item.get("class_name")), settings, known if known is not None else width)
        if count:
            sizes.append(LayerSize(str(settings.get("name", item.get("class_name"))), str(item.get("class_name")), count))
        if width_after is not None:
            width = width_after
    return sizes


def oversized(config: Any) -> str:
    """Why this config declares too much to build (empty when it fits the budget)."""
    for item in objects(config):
        settings = item.get("config")
        if isinstance(settings, dict):
            for key in ("units", "filters", "input_dim", "output_dim"):
                value = settings.get(key)
                if isinstance(value, int | float) and value > MAX_LAYER_SIZE:
                    return (f"its layer '{settings.get('name', '?')}' declares {key}={value:,.0f}; the limit is "
                            f"{MAX_LAYER_SIZE:,} per layer")
    sizes = layer_sizes(config)
    total = sum(size.parameters for size in sizes)
    if total > MAX_PARAMETERS:
        largest = max(sizes, key=lambda size: size.parameters)
        return (f"it declares about {total:,} parameters (the largest, layer '{largest.name}', {largest.parameters:,}); "
                f"the limit is {MAX_PARAMETERS:,}")
    return ""


def _where(item: dict[str, Any]) -> str:
    settings = item.get("config")
    if isinstance(settings, dict) and settings.get("name"):
        return f"layer '{settings['name']}'"
    return "inside a layer's settings"


def _input_shape(item: dict[str, Any]) -> Any:
    build = item.get("build_config")
    return build.get("input_shape") if isinstance(build, dict) else None


def _last(shape: Any) -> int | None:
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        shape = shape[0]  # several inputs: the first is enough for a lower bound
    if isinstance(shape, list) and shape and isinstance(shape[-1], int) and shape[-1] > 0:
        return shape[-1]
    return None


def _number(value: Any, default: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 1:
        return default
    return int(value)


def _parameters(kind: str, settings: dict[str, Any], width: int | None) -> tuple[int, int | None]:
    """(parameters, width of the output) for one layer; width None when unchanged or unknown."""
    inputs = width or 1
    kernel = settings.get("kernel_size")
    kernel_cells = math.prod(_number(k) for k in kernel) if isinstance(kernel, list) else _number(kernel)
    if "units" in settings:
        units = _number(settings["units"])
        gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}.get(kind, 0)
        if gates:
            return gates * (units * (units + inputs) + units * (2 if kind == "GRU" else 1)), units
        return units * inputs + units, units
    if "filters" in settings:
        filters = _number(settings["filters"])
        if kind.startswith("SeparableConv"):
            multiplier = _number(settings.get("depth_multiplier"))
            return kernel_cells * inputs * multiplier + inputs * multiplier * filters + filters, filters
        return kernel_cells * inputs * filters // _number(settings.get("groups")) + filters, filters
    if kind.startswith("DepthwiseConv"):
        multiplier = _number(settings.get("depth_multiplier"))
        return kernel_cells * inputs * multiplier + inputs * multiplier, inputs * multiplier
    if kind == "Embedding":
        return _number(settings.get("input_dim")) * _number(settings.get("output_dim")), _number(settings.get("output_dim"))
    if kind in ("BatchNormalization", "LayerNormalization"):
        return 4 * inputs, None
    return 0, None

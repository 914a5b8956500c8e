"""CNN layer stacks as plain data: shape and parameter arithmetic, validation, Keras code, models.

A stack is a list of `LayerSpec`s (the UI edits these); `summarise` walks it with the shape
formulas a student can check by hand, raising `ArchitectureError` with a plain-language fix
for anything Keras would reject or that would not make sense; `build_model` makes the real
`keras.Model`, and its shapes agree with `summarise` (tests hold them to it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dlviz.runtime import keras

KINDS = (
    "Conv2D",
    "MaxPool2D",
    "AveragePooling2D",
    "BatchNormalization",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "Dense",
)
ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "elu", "softmax")
PADDINGS = ("valid", "same")
DEFAULTS: dict[str, dict[str, Any]] = {
    "Conv2D": {"filters": 8, "kernel": 3, "stride": 1, "padding": "same", "activation": "relu"},
    "MaxPool2D": {"pool": 2, "stride": 2},
    "AveragePooling2D": {"pool": 2, "stride": 2},
    "BatchNormalization": {},
    "Dropout": {"rate": 0.25},
    "Flatten": {},
    "GlobalAveragePooling2D": {},
    "Dense": {"units": 32, "activation": "relu"},
}
MAX_PARAMETERS = 3_000_000
MAX_ACTIVATIONS = 2_000_000  # numbers in all layer outputs for one image
MAX_LAYERS = 30


class ArchitectureError(ValueError):
    """A layer stack that cannot work, naming the layer and suggesting a fix."""

    def __init__(self, message: str, layer_index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.layer_index = layer_index


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the stack: its kind and its settings (see DEFAULTS for each kind's keys)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def setting(self, key: str) -> Any:
        return self.params.get(key, DEFAULTS[self.kind].get(key))

    def label(self) -> str:
        """A short name such as 'Conv 8×3×3 relu' or 'MaxPool 2×2'."""
        if self.kind == "Conv2D":
            k = self.setting("kernel")
            stride = f" /{self.setting('stride')}" if self.setting("stride") != 1 else ""
            return f"Conv {self.setting('filters')}×{k}×{k}{stride} {self.setting('activation')}"
        if self.kind in ("MaxPool2D", "AveragePooling2D"):
            name = "MaxPool" if self.kind == "MaxPool2D" else "AvgPool"
            return f"{name} {self.setting('pool')}×{self.setting('pool')}"
        if self.kind == "Dense":
            return f"Dense {self.setting('units')} {self.setting('activation')}"
        if self.kind == "Dropout":
            return f"Dropout {self.setting('rate')}"
        return self.kind


def layer(kind: str, **params: Any) -> LayerSpec:
    """A LayerSpec with every default filled in, e.g. layer('Conv2D', filters=16)."""
    if kind not in DEFAULTS:
        raise ArchitectureError(f"Unknown layer kind {kind!r}; choose one of {', '.join(KINDS)}.")
    unknown = set(params) - set(DEFAULTS[kind])
    if unknown:
        raise ArchitectureError(f"{kind} has no setting {', '.join(sorted(unknown))}.")
    return LayerSpec(kind, {**DEFAULTS[kind], **params})


PRESETS: dict[str, list[LayerSpec]] = {
    "Minimal: one convolution": [
        layer("Conv2D", filters=8, kernel=3),
        layer("MaxPool2D"),
        layer("Flatten"),
    ],
    "Default: two convolutions": [
        layer("Conv2D", filters=32, kernel=3),
        layer("BatchNormalization"),
        layer("Conv2D", filters=32, kernel=3),
        layer("BatchNormalization"),
        layer("MaxPool2D"),
        layer("Dropout", rate=0.25),
        layer("Flatten"),
        layer("Dense", units=128),
        layer("Dropout", rate=0.5),
    ],
    "LeNet-5 style": [
        layer("Conv2D", filters=6, kernel=5, padding="same", activation="tanh"),
        layer("AveragePooling2D"),
        layer("Conv2D", filters=16, kernel=5, padding="valid", activation="tanh"),
        layer("AveragePooling2D"),
        layer("Flatten"),
        layer("Dense", units=120, activation="tanh"),
        layer("Dense", units=84, activation="tanh"),
    ],
    "TinyVGG style": [
        layer("Conv2D", filters=10, kernel=3),
        layer("Conv2D", filters=10, kernel=3),
        layer("MaxPool2D"),
        layer("Conv2D", filters=10, kernel=3),
        layer("Conv2D", filters=10, kernel=3),
        layer("MaxPool2D"),
        layer("Flatten"),
    ],
}
DEFAULT_PRESET = "Default: two convolutions"


def default_layers() -> list[LayerSpec]:
    """The default preset: small, trains in seconds, ≥ 98% on the shipped digits for seeds 0–4 (bench/training_overhead.py)."""
    return list(PRESETS[DEFAULT_PRESET])


@dataclass(frozen=True)
class LayerRow:
    """One row of the live table: what a layer does to the shape, and what it costs."""

    index: int
    name: str
    kind: str
    label: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    parameters: int
    formula: str


@dataclass(frozen=True)
class Summary:
    """The rows of every layer that works, and the first problem (None when the whole stack works)."""

    rows: list[LayerRow]
    error: ArchitectureError | None = None

    @property
    def failing_layer(self) -> int | None:
        """The 1-based index of the layer that does not fit, if the problem is one layer's."""
        return self.error.layer_index if self.error is not None else None


def summarise(layers: list[LayerSpec], input_shape: tuple[int, int, int], num_classes: int) -> list[LayerRow]:
    """Each layer's output shape and parameter count, with the arithmetic written out; raises on the first problem."""
    summary = walk(layers, input_shape, num_classes)
    if summary.error is not None:
        raise summary.error
    return summary.rows


def walk(layers: list[LayerSpec], input_shape: tuple[int, int, int], num_classes: int) -> Summary:
    """Like `summarise`, but keeps the rows of the layers before a problem, so the table can stay on screen."""
    if not layers:
        return Summary([], ArchitectureError("The stack is empty: add at least a Flatten (or a Conv2D and a Flatten)."))
    if len(layers) > MAX_LAYERS:
        return Summary([], ArchitectureError(f"The stack has {len(layers)} layers; the limit is {MAX_LAYERS}."))
    if num_classes < 2:
        return Summary([], ArchitectureError("A classifier needs at least two classes."))
    shape: tuple[int, ...] = tuple(input_shape)
    rows: list[LayerRow] = []
    for index, spec in enumerate(layers, start=1):
        try:
            if spec.kind not in DEFAULTS:
                raise ArchitectureError(f"Layer {index}: unknown kind {spec.kind!r}.", index)
            output, parameters, formula = _step(index, spec, shape)
        except ArchitectureError as error:
            return Summary(rows, error)
        rows.append(LayerRow(index, layer_name(index, spec), spec.kind, spec.label(), shape, output, parameters, formula))
        shape = output
    if len(shape) != 1:
        return Summary(rows, ArchitectureError(
            f"The last layer outputs {_shape(shape)}, a stack of feature maps; add Flatten or "
            "GlobalAveragePooling2D at the end so the output layer gets a vector.",
            len(layers),
        ))
    head = (num_classes,)
    parameters = shape[0] * num_classes + num_classes
    rows.append(
        LayerRow(
            len(layers) + 1, "predictions", "Dense", f"Dense {num_classes} softmax (output)", shape, head, parameters,
            f"{shape[0]} inputs × {num_classes} units + {num_classes} biases = {parameters:,}",
        )
    )
    total = sum(row.parameters for row in rows)
    if total > MAX_PARAMETERS:
        return Summary(rows, ArchitectureError(
            f"This model has {total:,} parameters; the limit on this server is {MAX_PARAMETERS:,}. "
            "Use fewer filters or units, or pool before Flatten."
        ))
    activations = sum(math.prod(row.output_shape) for row in rows)
    if activations > MAX_ACTIVATIONS:
        return Summary(rows, ArchitectureError(
            f"Each image would produce {activations:,} numbers across the layers; the limit is {MAX_ACTIVATIONS:,}. "
            "Use fewer filters or a larger stride."
        ))
    return Summary(rows)


SPATIAL_KINDS = ("Conv2D", "MaxPool2D", "AveragePooling2D", "BatchNormalization")
TO_VECTOR_KINDS = ("Flatten", "GlobalAveragePooling2D")


def insertion_index(layers: list[LayerSpec], kind: str) -> int:
    """Where a new layer of `kind` fits: convolution and pooling before the Flatten, dense layers after it."""
    flatten = next((index for index, spec in enumerate(layers) if spec.kind in TO_VECTOR_KINDS), None)
    if kind in SPATIAL_KINDS or kind in TO_VECTOR_KINDS:
        return len(layers) if flatten is None else flatten
    return len(layers)


def layer_name(index: int, spec: LayerSpec) -> str:
    """The Keras layer name dlviz gives layer `index`, e.g. 'conv2d_1', so pages can find it."""
    return f"{spec.kind.lower()}_{index}"


def _step(index: int, spec: LayerSpec, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, str]:
    where = f"Layer {index} ({spec.label()})"
    spatial = len(shape) == 3
    if spec.kind in ("Conv2D", "MaxPool2D", "AveragePooling2D", "GlobalAveragePooling2D", "Flatten") and not spatial:
        raise ArchitectureError(
            f"{where} needs feature maps (height × width × channels) but gets a vector {_shape(shape)}; "
            "move it before the Flatten.",
            index,
        )
    if spec.kind == "Conv2D":
        filters, kernel, stride = (_positive(spec, key, where, index) for key in ("filters", "kernel", "stride"))
        padding, activation = spec.setting("padding"), spec.setting("activation")
        _choice(padding, PADDINGS, "padding", where, index)
        _choice(activation, ACTIVATIONS, "activation", where, index)
        height, width, channels = shape
        if padding == "valid" and kernel > min(height, width):
            raise ArchitectureError(
                f"{where}: its {kernel}×{kernel} kernel is larger than its {height}×{width} input; "
                "use a smaller kernel, padding='same', or remove a pooling layer before it.",
                index,
            )
        out_h, formula_h = _spatial(height, kernel, stride, padding)
        out_w, _ = _spatial(width, kernel, stride, padding)
        parameters = kernel * kernel * channels * filters + filters
        formula = f"{formula_h}; params {kernel}·{kernel}·{channels}·{filters} + {filters} = {parameters:,}"
        return (out_h, out_w, filters), parameters, formula
    if spec.kind in ("MaxPool2D", "AveragePooling2D"):
        pool, stride = (_positive(spec, key, where, index) for key in ("pool", "stride"))
        height, width, channels = shape
        if pool > min(height, width):
            raise ArchitectureError(
                f"{where} would shrink {height}×{width} to nothing: the map is already smaller than the "
                f"{pool}×{pool} window. Remove this pooling layer or use padding='same' in the convolutions before it.",
                index,
            )
        out_h, formula_h = _spatial(height, pool, stride, "valid")
        out_w, _ = _spatial(width, pool, stride, "valid")
        return (out_h, out_w, channels), 0, formula_h
    if spec.kind == "GlobalAveragePooling2D":
        height, width, channels = shape
        return (channels,), 0, f"the mean of each {height}×{width} map → {channels} numbers"
    if spec.kind == "Flatten":
        size = math.prod(shape)
        return (size,), 0, f"{' × '.join(map(str, shape))} = {size:,}"
    if spec.kind == "BatchNormalization":
        channels = shape[-1]
        return shape, 4 * channels, f"4 numbers per channel (γ, β, mean, variance) × {channels} = {4 * channels}"
    if spec.kind == "Dropout":
        rate = spec.setting("rate")
        if not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise ArchitectureError(f"{where}: the rate must be at least 0 and below 1 (e.g. 0.25).", index)
        return shape, 0, f"zeroes {rate:.0%} of values while training; passes all through at inference"
    # Dense
    units = _positive(spec, "units", where, index)
    _choice(spec.setting("activation"), ACTIVATIONS, "activation", where, index)
    if spatial:
        raise ArchitectureError(
            f"{where} gets feature maps {_shape(shape)}, not a vector; put a Flatten (or "
            "GlobalAveragePooling2D) before it.",
            index,
        )
    parameters = shape[0] * units + units
    return (units,), parameters, f"{shape[0]} inputs × {units} units + {units} biases = {parameters:,}"


def _spatial(size: int, kernel: int, stride: int, padding: str) -> tuple[int, str]:
    if padding == "same":
        out = math.ceil(size / stride)
        return out, f"same padding: out = ceil({size} / {stride}) = {out}"
    out = (size - kernel) // stride + 1
    return out, f"out = floor(({size} + 2·0 − {kernel}) / {stride}) + 1 = {out}"


def _positive(spec: LayerSpec, key: str, where: str, index: int) -> int:
    value = spec.setting(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        noun = {"filters": "filters", "units": "units", "kernel": "kernel size", "stride": "stride", "pool": "pool size"}[key]
        raise ArchitectureError(f"{where}: the number of {noun} must be a whole number of at least 1 (got {value!r}).", index)
    if value > 1024:
        raise ArchitectureError(f"{where}: {key} = {value} is more than this server allows (1024).", index)
    return value


def _choice(value: Any, options: tuple[str, ...], what: str, where: str, index: int) -> None:
    if value not in options:
        raise ArchitectureError(f"{where}: {what} must be one of {', '.join(options)} (got {value!r}).", index)


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def keras_code(layers: list[LayerSpec], input_shape: tuple[int, int, int], num_classes: int,
               upto: int | None = None) -> str:
    """The same model written as Keras code, so learners connect the editor to the API.

    With `upto`, only the first `upto` layers are written, and a comment marks where the stack stops working."""
    lines = ["import keras", "from keras import layers", "", "model = keras.Sequential(["]
    lines.append(f"    keras.Input(shape={tuple(input_shape)}),")
    for spec in layers[:upto]:
        lines.append(f"    {_layer_code(spec)},")
    if upto is not None:
        stop = f"layer {upto + 1} ({layers[upto].label()}) does not fit here" if upto < len(layers) else "no output layer fits yet"
        lines.append(f"    # {stop}: see the message above")
    else:
        lines.append(f'    layers.Dense({num_classes}, activation="softmax"),')
    lines.append("])")
    return "\n".join(lines)


def _layer_code(spec: LayerSpec) -> str:
    s = spec.setting
    if spec.kind == "Conv2D":
        return (
            f'layers.Conv2D({s("filters")}, {s("kernel")}, strides={s("stride")}, padding="{s("padding")}", '
            f'activation="{s("activation")}")'
        )
    if spec.kind in ("MaxPool2D", "AveragePooling2D"):
        return f"layers.{spec.kind}(pool_size={s('pool')}, strides={s('stride')})"
    if spec.kind == "Dropout":
        return f"layers.Dropout({s('rate')})"
    if spec.kind == "Dense":
        return f'layers.Dense({s("units")}, activation="{s("activation")}")'
    return f"layers.{spec.kind}()"


def build_model(layers: list[LayerSpec], input_shape: tuple[int, int, int], num_classes: int, seed: int | None = None):
    """A real `keras.Model` for the stack, with a softmax output layer named 'predictions'.

    With a seed, the initial weights are the same every time (the same seed, the same run)."""
    summarise(layers, input_shape, num_classes)  # validate first: plain-language errors, not Keras ones
    if seed is not None:
        keras.utils.set_random_seed(seed)
    built = [keras.Input(shape=tuple(input_shape), name="image")]
    for index, spec in enumerate(layers, start=1):
        s, name = spec.setting, layer_name(index, spec)
        if spec.kind == "Conv2D":
            built.append(keras.layers.Conv2D(s("filters"), s("kernel"), strides=s("stride"), padding=s("padding"),
                                             activation=s("activation"), name=name))
        elif spec.kind == "MaxPool2D":
            built.append(keras.layers.MaxPooling2D(s("pool"), strides=s("stride"), name=name))
        elif spec.kind == "AveragePooling2D":
            built.append(keras.layers.AveragePooling2D(s("pool"), strides=s("stride"), name=name))
        elif spec.kind == "BatchNormalization":
            built.append(keras.layers.BatchNormalization(name=name))
        elif spec.kind == "Dropout":
            built.append(keras.layers.Dropout(s("rate"), name=name))
        elif spec.kind == "Flatten":
            built.append(keras.layers.Flatten(name=name))
        elif spec.kind == "GlobalAveragePooling2D":
            built.append(keras.layers.GlobalAveragePooling2D(name=name))
        else:
            built.append(keras.layers.Dense(s("units"), activation=s("activation"), name=name))
    built.append(keras.layers.Dense(num_classes, activation="softmax", name="predictions"))
    return keras.Sequential(built, name="dlviz_cnn")

"""A `Program` written back as TensorFlow code: eager TensorFlow 2, a `tf.function`, or a TF1 graph and session.

The code runs by itself with TensorFlow and NumPy installed: the feeds are literals in it, initial
values are made by the same (stateless or seeded) random ops `compgraph` uses, and it ends with a dict
`values` mapping every node of the program to the same NumPy value `compgraph.run` computes.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlviz.graphs import compgraph
from dlviz.graphs.language import TF_FUNCTIONS, Node, Program

STYLES = ("tf2", "function", "tf1")
STYLE_LABELS = {"tf2": "TensorFlow 2 (eager)", "function": "TensorFlow 2 (tf.function)", "tf1": "TensorFlow 1 (graph + session)"}
_RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {
    "tf", "np", "values", "tape", "sess", "graph", "init", "feed_dict", "program", "outputs", "name", "value", "tensor",
}
_INDENT = "    "


def to_tensorflow(program: Program, style: str = "tf2", feeds: Mapping[str, Any] | None = None) -> str:
    """Runnable TensorFlow source for `program` in `style` ("tf2", "function" or "tf1"); see `program.to_tensorflow`."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, not {style!r}")
    fed = compgraph.resolve_feeds(program, feeds)
    names = python_names(program)
    writer = {"tf2": _eager, "function": _function, "tf1": _session}[style]
    header = [f"# {program_title(program)} as {STYLE_LABELS[style]}, written by dlviz.",
              "# It runs by itself with TensorFlow and NumPy installed and ends with a dict `values`.",
              "import numpy as np", "import tensorflow as tf", ""]
    lines = writer(program, fed, names)
    footer = ["", "for name, value in values.items():", f'{_INDENT}print(name, "=", value)', ""]
    return "\n".join(header + lines + footer)


def program_title(program: Program) -> str:
    return "A playground program" if program.mode is None else "A TensorFlow program read by the playground"


def python_names(program: Program) -> dict[str, str]:
    """A Python variable for every node (f/h becomes f__h; names that would hide tf, np or a builtin get a _)."""
    used = set(_RESERVED)
    names = {}
    for node in program.nodes:
        base = re.sub(r"\W", "_", node.name.replace("/", "__"))
        if not base.isidentifier():
            base = f"t_{base}"
        candidate = base
        while candidate in used:
            candidate += "_"
        used.add(candidate)
        names[node.name] = candidate
    return names


# -- pieces of code -------------------------------------------------------------------------------
def literal(value: np.ndarray) -> str:
    """Numbers as Python source that reads back to exactly these numbers in their dtype."""
    value = np.asarray(value)
    if value.ndim == 0:
        number = value[()]
        if value.dtype.kind in "iub":
            return str(int(number))
        return str(np.float32(number)) if value.dtype == np.float32 else repr(float(number))
    return "[" + ", ".join(literal(item) for item in value) + "]"


def _dtype(dtype: str) -> str:
    return f"tf.{dtype}"


def _initial(node: Node, global_seed: int | None) -> str:
    """The expression that makes a constant's value or a variable's initial value, as compgraph.initial_values does."""
    dtype = node.dtype
    if "value" in node.attrs:
        return f"tf.constant({literal(np.asarray(node.attrs['value'], dtype=dtype))}, dtype={_dtype(dtype)})"
    init = node.attrs["init"]
    shape, function = init["shape"], init["function"]
    if function in ("zeros", "ones"):
        return f"tf.{function}({shape}, dtype={_dtype(dtype)})"
    if function == "fill":
        return f"tf.fill({shape}, tf.constant({literal(np.asarray(init['value'], dtype=dtype))}, dtype={_dtype(dtype)}))"
    if init.get("stateful"):
        seeded = {"random_normal": "random.normal", "random_uniform": "random.uniform", "truncated_normal": "random.truncated_normal"}
        return f"tf.{seeded[function]}({shape}, {_ranges(init)}, dtype={_dtype(dtype)}, seed={init['seed']})"
    stateless = {"random_normal": "stateless_normal", "random_uniform": "stateless_uniform",
                 "truncated_normal": "stateless_truncated_normal"}
    expression = f"tf.random.{stateless[function]}({shape}, seed=[{compgraph.initial_seed(node)}, 0], {_ranges(init)})"
    return expression if dtype == "float32" else f"tf.cast({expression}, {_dtype(dtype)})"


def _ranges(init: dict[str, Any]) -> str:
    if init["function"] == "random_uniform":
        return f"minval={float(init.get('minval', 0.0))!r}, maxval={float(init.get('maxval', 1.0))!r}"
    return f"mean={float(init.get('mean', 0.0))!r}, stddev={float(init.get('stddev', 1.0))!r}"


def _operation(node: Node, names: dict[str, str]) -> str:
    inputs = [names[name] for name in node.inputs]
    function = f"tf.{TF_FUNCTIONS[node.op]}"
    attrs = node.attrs
    if node.op == "concat":
        return f"{function}([{', '.join(inputs)}], axis={attrs.get('axis', 0)})"
    options = {
        "softmax": lambda: [f"axis={attrs.get('axis', -1)}"],
        "reduce_sum": lambda: _reduce_options(attrs), "reduce_mean": lambda: _reduce_options(attrs),
        "reduce_max": lambda: _reduce_options(attrs),
        "transpose": lambda: [f"perm={attrs['perm']}"] if attrs.get("perm") is not None else [],
        "reshape": lambda: [str(attrs["shape"])],
        "cast": lambda: [_dtype(attrs["dtype"])],
    }.get(node.op, list)()
    return f"{function}({', '.join(inputs + options)})"


def _reduce_options(attrs: dict[str, Any]) -> list[str]:
    options = [] if attrs.get("axis") is None else [f"axis={attrs['axis']}"]
    return options + (["keepdims=True"] if attrs.get("keepdims") else [])


def _values(program: Program, names: dict[str, str], read: str) -> list[str]:
    lines = ["values = {"]
    lines += [f"{_INDENT}{node.name!r}: {read.format(names[node.name])}," for node in program.nodes]
    return lines + ["}"]


def _has_gradients(program: Program) -> bool:
    return any(node.kind == "gradient" for node in program.nodes)


# -- the three styles ---------------------------------------------------------------------------
def _statement(node: Node, names: dict[str, str], feeds: dict[str, np.ndarray], global_seed: int | None, tf1: bool) -> str:
    """One node as one line of TensorFlow 2 code, or of TF1 graph-building code."""
    target = names[node.name]
    if node.kind == "placeholder":
        if tf1:
            shape = "[" + ", ".join("None" if size is None else str(size) for size in node.attrs["shape"]) + "]"
            return f"{target} = tf.compat.v1.placeholder({_dtype(node.dtype)}, shape={shape}, name={node.name!r})"
        return (f"{target} = tf.constant({literal(feeds[node.name])}, dtype={_dtype(node.dtype)})  "
                f"# placeholder {node.name}: in TensorFlow 2, simply the tensor fed to it")
    if node.kind == "variable":
        variable = "tf.compat.v1.Variable" if tf1 else "tf.Variable"
        return (f"{target} = {variable}({_initial(node, global_seed)}, "
                f"trainable={node.attrs.get('trainable', True)}, name={node.name!r})")
    if node.kind == "constant":
        return f"{target} = {_initial(node, global_seed)}"
    if node.kind == "gradient":
        of, source = (names[name] for name in node.inputs)
        if tf1:
            return f"{target} = tf.gradients({of}, [{source}], unconnected_gradients=tf.UnconnectedGradients.ZERO)[0]"
        return f"{target} = tape.gradient({of}, {source}, unconnected_gradients=tf.UnconnectedGradients.ZERO)"
    return f"{target} = {_operation(node, names)}"


def _body(program: Program, feeds: dict[str, np.ndarray], names: dict[str, str], tape: bool, skip: set[str],
          fed_as_arguments: bool) -> list[str]:
    """Every node in program order as TF2 code (inside a persistent tape when there are gradients)."""
    lines = []
    for node in program.nodes:
        if node.name in skip:
            continue
        if not (node.kind == "placeholder" and fed_as_arguments):
            lines.append(_statement(node, names, feeds, program.global_seed, tf1=False))
        if tape and node.kind in ("placeholder", "variable", "constant"):
            lines.append(f"tape.watch({names[node.name]})  # watched, so gradients with respect to it exist")
    if not tape:
        return lines
    return ["with tf.GradientTape(persistent=True) as tape:", *(_INDENT + line for line in lines)]


def _eager(program: Program, feeds: dict[str, np.ndarray], names: dict[str, str]) -> list[str]:
    lines = [f"tf.random.set_seed({program.global_seed})", ""] if program.global_seed is not None else []
    lines += ["# TensorFlow 2 runs each line at once: every result is an EagerTensor with its numbers."]
    lines += _body(program, feeds, names, _has_gradients(program), set(), fed_as_arguments=False)
    return lines + ["", *_values(program, names, "{}.numpy()")]


def _function(program: Program, feeds: dict[str, np.ndarray], names: dict[str, str]) -> list[str]:
    lines = [f"tf.random.set_seed({program.global_seed})", ""] if program.global_seed is not None else []
    variables = {node.name for node in program.variables}
    if variables:
        lines.append("# Variables live outside a tf.function: it creates them once and captures them.")
        lines += _body(Program(program.variables), feeds, names, False, set(), fed_as_arguments=True)
        lines.append("")
    parameters = [names[node.name] for node in program.placeholders]
    lines += ["@tf.function", f"def program({', '.join(parameters)}):",
              f"{_INDENT}# Runs only while TensorFlow traces it; the tensors here are symbolic."]
    body = _body(program, feeds, names, _has_gradients(program), variables, fed_as_arguments=True)
    if _has_gradients(program):  # variables are created outside, but the tape must still watch them
        body = [body[0], *(f"{_INDENT}tape.watch({names[name]})" for name in sorted(variables)), *body[1:]]
    lines += [_INDENT + line for line in body]
    lines += [f"{_INDENT}return {{", *(f"{_INDENT * 2}{node.name!r}: {names[node.name]}," for node in program.nodes), f"{_INDENT}}}", ""]
    arguments = ", ".join(f"{names[node.name]}=tf.constant({literal(feeds[node.name])}, dtype={_dtype(node.dtype)})"
                          for node in program.placeholders)
    lines += [f"outputs = program({arguments})", "values = {name: tensor.numpy() for name, tensor in outputs.items()}"]
    return lines


def _session(program: Program, feeds: dict[str, np.ndarray], names: dict[str, str]) -> list[str]:
    lines = ["graph = tf.Graph()", "with graph.as_default():  # build the graph first: nothing is computed yet"]
    body = [f"tf.compat.v1.set_random_seed({program.global_seed})"] if program.global_seed is not None else []
    body += [_statement(node, names, feeds, program.global_seed, tf1=True) for node in program.nodes]
    body.append("init = tf.compat.v1.global_variables_initializer()")
    lines += [_INDENT + line for line in body]
    feed_items = [f"{names[node.name]}: np.array({literal(feeds[node.name])}, dtype=np.{node.dtype})" for node in program.placeholders]
    lines += ["", "feed_dict = {" + ", ".join(feed_items) + "}",
              "with tf.compat.v1.Session(graph=graph) as sess:  # then run it",
              f"{_INDENT}sess.run(init)  # a TF1 session starts with uninitialised variables"]
    fetches = [f"{_INDENT * 2}{node.name!r}: {names[node.name]}," for node in program.nodes]
    lines += [f"{_INDENT}values = sess.run({{", *fetches, f"{_INDENT}}}, feed_dict=feed_dict)"]
    return lines

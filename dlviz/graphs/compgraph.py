"""Running a parsed program three ways: eagerly, as a `tf.function` graph, and in a TF1 session.

All three build the same computation with real TensorFlow ops; what differs is *when* the
ops run and what Python objects stand for the results (an `EagerTensor` with a value at
once, or a symbolic `Tensor` that only gets a value when the graph runs). Initial values of
constants and variables are computed once with stateless random ops, so every mode starts
from identical numbers and their results can be compared.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from dlviz.graphs.program import MAX_TENSOR_ELEMENTS, Node, Program
from dlviz.runtime import tf

MODES = ("eager", "graph", "session")
MODE_LABELS = {
    "eager": "Eager (TF2 default)",
    "graph": "tf.function graph",
    "session": "TF1 Session",
}


class GraphRunError(ValueError):
    """A program that parsed but cannot run: a bad feed or incompatible shapes at one node."""

    def __init__(self, message: str, node: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class RunResult:
    """Every node's value and the type of object that stood for it in one mode."""

    mode: str
    values: dict[str, np.ndarray]
    tensor_types: dict[str, str]
    seconds: float = 0.0
    graph_def: Any = None  # a GraphDef for "graph" and "session"; None for "eager"


# -- feeds ------------------------------------------------------------------------------------
def default_feeds(program: Program, seed: int = 0, batch: int = 2) -> dict[str, np.ndarray]:
    """A random value for each placeholder (None sizes become `batch`), reproducible by seed."""
    feeds = {}
    for index, node in enumerate(program.placeholders):
        shape = [batch if size is None else size for size in node.attrs["shape"]]
        rng = np.random.default_rng([seed, index])
        dtype = node.attrs.get("dtype", "float32")
        if dtype == "int32":
            feeds[node.name] = rng.integers(0, 10, size=shape).astype(np.int32)
        else:
            feeds[node.name] = np.round(rng.normal(size=shape), 2).astype(dtype)
    return feeds


def check_feeds(program: Program, feeds: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Feeds as arrays of the placeholders' dtypes, or a `GraphRunError` naming the placeholder."""
    checked = {}
    for node in program.placeholders:
        if node.name not in feeds:
            raise GraphRunError(f"Placeholder '{node.name}' needs a value fed in before the graph can run.", node.name)
        dtype = node.attrs.get("dtype", "float32")
        try:
            value = np.asarray(feeds[node.name], dtype=dtype)
        except (ValueError, TypeError):
            raise GraphRunError(
                f"The value fed to '{node.name}' is not a rectangular array of numbers.", node.name
            ) from None
        if value.size > MAX_TENSOR_ELEMENTS:
            raise GraphRunError(
                f"The value fed to '{node.name}' has {value.size:,} numbers; the limit is {MAX_TENSOR_ELEMENTS:,}.",
                node.name,
            )
        if not np.all(np.isfinite(value)):
            raise GraphRunError(f"The value fed to '{node.name}' contains NaN or infinity.", node.name)
        expected = node.attrs["shape"]
        if value.ndim != len(expected) or any(
            want is not None and want != got for want, got in zip(expected, value.shape)
        ):
            raise GraphRunError(
                f"Placeholder '{node.name}' expects shape {format_shape(expected)} but was fed shape "
                f"{format_shape(value.shape)}.",
                node.name,
            )
        checked[node.name] = value
    return checked


def format_shape(shape: Any) -> str:
    """A shape as a student reads it: (None, 3), (2,), () for a scalar."""
    sizes = ["None" if size is None else str(size) for size in shape]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


# -- initial values -----------------------------------------------------------------------
def initial_values(program: Program) -> dict[str, np.ndarray]:
    """Values of constants and variables' initial values, identical in every mode."""
    values = {}
    for node in program.nodes:
        if node.kind not in ("constant", "variable"):
            continue
        dtype = node.attrs.get("dtype", "float32")
        if "value" in node.attrs:
            values[node.name] = np.asarray(node.attrs["value"], dtype=dtype)
            continue
        init = node.attrs["init"]
        shape = init["shape"]
        seed = init.get("seed", zlib.crc32(node.name.encode()) % (2**31))
        function = init["function"]
        if function == "zeros":
            value = np.zeros(shape)
        elif function == "ones":
            value = np.ones(shape)
        elif function == "fill":
            value = np.full(shape, init["value"])
        elif function == "random_normal":
            value = tf.random.stateless_normal(
                shape, seed=[seed, 0], mean=init.get("mean", 0.0), stddev=init.get("stddev", 1.0)
            ).numpy()
        else:
            value = tf.random.stateless_uniform(
                shape, seed=[seed, 0], minval=init.get("minval", 0.0), maxval=init.get("maxval", 1.0)
            ).numpy()
        values[node.name] = np.asarray(value, dtype=dtype)
    return values


# -- the shared builder -------------------------------------------------------------------
def _op_function(tf, node: Node) -> Callable[..., Any]:
    attrs = node.attrs
    simple = {
        "add": tf.add,
        "subtract": tf.subtract,
        "multiply": tf.multiply,
        "divide": tf.divide,
        "matmul": tf.linalg.matmul,
        "maximum": tf.maximum,
        "minimum": tf.minimum,
        "pow": tf.pow,
        "negative": tf.negative,
        "abs": tf.abs,
        "relu": tf.nn.relu,
        "sigmoid": tf.sigmoid,
        "tanh": tf.tanh,
        "exp": tf.exp,
        "log": tf.math.log,
        "square": tf.square,
        "sqrt": tf.sqrt,
        "identity": tf.identity,
    }
    if node.op in simple:
        return simple[node.op]
    if node.op == "softmax":
        return lambda x: tf.nn.softmax(x, axis=attrs.get("axis", -1))
    if node.op in ("reduce_sum", "reduce_mean", "reduce_max"):
        reduce = getattr(tf, node.op)
        return lambda x: reduce(x, axis=attrs.get("axis"), keepdims=attrs.get("keepdims", False))
    if node.op == "transpose":
        return lambda x: tf.transpose(x, perm=attrs.get("perm"))
    if node.op == "reshape":
        return lambda x: tf.reshape(x, attrs["shape"])
    if node.op == "concat":
        return lambda *xs: tf.concat(list(xs), axis=attrs.get("axis", 0))
    raise GraphRunError(f"Unknown operation '{node.op}'.", node.name)


class _Backend:
    """What differs between modes: how placeholders, variables and gradients come to be."""

    def placeholder(self, node: Node) -> Any: ...

    def variable(self, node: Node, initial: np.ndarray) -> Any: ...

    def constant(self, node: Node, value: np.ndarray) -> Any:
        return tf.constant(value)

    def gradient(self, of: Any, source: Any) -> Any: ...


def _build(program: Program, backend: _Backend, initial: dict[str, np.ndarray], tensors: dict[str, Any]) -> None:
    """Create every node with TensorFlow ops, in program order, filling `tensors` by name."""
    for node in program.nodes:
        with tf.name_scope(node.name):
            try:
                if node.kind == "placeholder":
                    tensors[node.name] = backend.placeholder(node)
                elif node.kind == "variable":
                    tensors[node.name] = backend.variable(node, initial[node.name])
                elif node.kind == "constant":
                    tensors[node.name] = backend.constant(node, initial[node.name])
                elif node.kind == "gradient":
                    of, source = (tensors[name] for name in node.inputs)
                    tensors[node.name] = backend.gradient(of, source)
                else:
                    function = _op_function(tf, node)
                    tensors[node.name] = function(*(tensors[name] for name in node.inputs))
            except GraphRunError:
                raise
            except (ValueError, TypeError, tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
                raise GraphRunError(_explain(node, tensors, error), node.name) from None
        _check_size(node, tensors[node.name])


def _check_size(node: Node, tensor: Any) -> None:
    shape = getattr(tensor, "shape", None)
    if shape is None or shape.rank is None:
        return
    known = [size for size in shape.as_list() if size is not None]
    if int(np.prod(known)) > MAX_TENSOR_ELEMENTS:
        raise GraphRunError(
            f"Node '{node.name}' would hold {int(np.prod(known)):,} numbers; the limit is {MAX_TENSOR_ELEMENTS:,}.",
            node.name,
        )


def _explain(node: Node, tensors: dict[str, Any], error: Exception) -> str:
    """A sentence naming the node and its input shapes, instead of TensorFlow's long message."""
    shapes = [format_shape(tensors[name].shape.as_list()) for name in node.inputs if hasattr(tensors.get(name), "shape")]
    inputs = " and ".join(f"{name} {shape}" for name, shape in zip(node.inputs, shapes))
    if node.kind == "gradient":
        return f"Gradient '{node.name}' = {node.describe()} cannot be computed: {_first_sentence(error)}"
    if node.op == "matmul" and len(shapes) == 2:
        ranks = [len(tensors[name].shape) for name in node.inputs]
        if min(ranks) < 2:
            return (
                f"Node '{node.name}' = matmul({inputs}): matrix multiplication needs matrices (rank 2 or more). "
                "Use * for an element-wise product, or reshape the vector into a matrix, e.g. reshape(v, [1, 3])."
            )
        return (
            f"Node '{node.name}' = matmul({inputs}): the inner sizes must match (columns of the first = rows "
            "of the second). Transpose one input or change a shape."
        )
    if node.op in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow"):
        return (
            f"Node '{node.name}' = {node.op}({inputs}): these shapes cannot be broadcast together "
            f"(each size must be equal, or 1). {_first_sentence(error)}"
        )
    return f"Node '{node.name}' = {node.describe()} failed with inputs {inputs or 'none'}: {_first_sentence(error)}"


def _first_sentence(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = re.sub(r"\{\{[^}]*\}\}", "", text)
    text = re.sub(r"for '[^']*' with", "with", text)
    return text[:300]


# -- the three modes ----------------------------------------------------------------------
class _EagerBackend(_Backend):
    def __init__(self, feeds: dict[str, np.ndarray], tape: Any) -> None:
        self.feeds = feeds
        self.tape = tape

    def placeholder(self, node: Node) -> Any:
        tensor = tf.constant(self.feeds[node.name])
        self.tape.watch(tensor)
        return tensor

    def variable(self, node: Node, initial: np.ndarray) -> Any:
        variable = tf.Variable(initial, trainable=node.attrs.get("trainable", True), name=node.name)
        self.tape.watch(variable)
        return variable

    def constant(self, node: Node, value: np.ndarray) -> Any:
        # Watched so that a gradient with respect to a constant (d/dx of x³) is defined, as in TF1.
        tensor = tf.constant(value)
        self.tape.watch(tensor)
        return tensor

    def gradient(self, of: Any, source: Any) -> Any:
        return self.tape.gradient(of, source, unconnected_gradients=tf.UnconnectedGradients.ZERO)


class _GraphBackend(_EagerBackend):
    """Inside a `tf.function`: placeholders are the function's arguments."""

    def __init__(self, arguments: dict[str, Any], variables: dict[str, Any], tape: Any) -> None:
        super().__init__({}, tape)
        self.arguments = arguments
        self.variables = variables

    def placeholder(self, node: Node) -> Any:
        tensor = self.arguments[node.name]
        self.tape.watch(tensor)
        return tensor

    def variable(self, node: Node, initial: np.ndarray) -> Any:
        # Variables are created once, outside the function, as TF2 requires; the graph captures them.
        variable = self.variables[node.name]
        self.tape.watch(variable)
        return variable


class _SessionBackend(_Backend):
    def placeholder(self, node: Node) -> Any:
        shape = node.attrs["shape"]
        return tf.compat.v1.placeholder(node.attrs.get("dtype", "float32"), shape=shape, name="value")

    def variable(self, node: Node, initial: np.ndarray) -> Any:
        return tf.compat.v1.Variable(initial, trainable=node.attrs.get("trainable", True), name="value")

    def gradient(self, of: Any, source: Any) -> Any:
        (result,) = tf.gradients(of, [source], unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return result


def _type_name(value: Any) -> str:
    return type(value).__name__


def _run_eager(program: Program, feeds: dict[str, np.ndarray], initial: dict[str, np.ndarray]) -> RunResult:
    tensors: dict[str, Any] = {}
    with tf.GradientTape(persistent=True) as tape:
        _build(program, _EagerBackend(feeds, tape), initial, tensors)
    del tape
    return RunResult(
        "eager",
        {name: np.asarray(tensor) for name, tensor in tensors.items()},
        {name: _type_name(tensor) for name, tensor in tensors.items()},
    )


def trace_function(program: Program, feeds: dict[str, np.ndarray], initial: dict[str, np.ndarray]):
    """The program as a `tf.function` traced for the feeds' shapes, and the types seen while tracing."""
    variables = {
        node.name: tf.Variable(initial[node.name], trainable=node.attrs.get("trainable", True), name=node.name)
        for node in program.variables
    }
    traced_types: dict[str, str] = {}

    def program_function(**arguments):
        tensors: dict[str, Any] = {}
        with tf.GradientTape(persistent=True) as tape:
            _build(program, _GraphBackend(arguments, variables, tape), initial, tensors)
        traced_types.update({name: _type_name(tensor) for name, tensor in tensors.items()})
        return {name: tf.identity(tensor) for name, tensor in tensors.items()}

    signature = {
        name: tf.TensorSpec(shape=value.shape, dtype=value.dtype, name=name) for name, value in feeds.items()
    }
    function = tf.function(program_function, autograph=False)
    concrete = function.get_concrete_function(**signature)
    return concrete, traced_types, variables


def _run_graph(program: Program, feeds: dict[str, np.ndarray], initial: dict[str, np.ndarray]) -> RunResult:
    concrete, traced_types, _ = trace_function(program, feeds, initial)
    outputs = concrete(**{name: tf.constant(value) for name, value in feeds.items()})
    return RunResult(
        "graph",
        {name: np.asarray(outputs[name]) for name in traced_types},
        traced_types,
        graph_def=concrete.graph.as_graph_def(),
    )


def _run_session(program: Program, feeds: dict[str, np.ndarray], initial: dict[str, np.ndarray]) -> RunResult:
    graph = tf.Graph()
    tensors: dict[str, Any] = {}
    with graph.as_default():
        _build(program, _SessionBackend(), initial, tensors)
        initializer = tf.compat.v1.global_variables_initializer()
    feed_dict = {tensors[name]: value for name, value in feeds.items()}
    fetches = {name: tensor for name, tensor in tensors.items()}
    with tf.compat.v1.Session(graph=graph) as session:
        session.run(initializer)
        try:
            values = session.run(fetches, feed_dict=feed_dict)
        except tf.errors.InvalidArgumentError as error:
            raise GraphRunError(f"The session could not run the graph: {_first_sentence(error)}") from None
    return RunResult(
        "session",
        {name: np.asarray(value) for name, value in values.items()},
        {name: _type_name(tensor) for name, tensor in tensors.items()},
        graph_def=graph.as_graph_def(),
    )


_RUNNERS = {"eager": _run_eager, "graph": _run_graph, "session": _run_session}


def run(program: Program, feeds: Mapping[str, Any], mode: str) -> RunResult:
    """Run `program` with `feeds` in one mode; every node's value and result type come back."""
    if mode not in _RUNNERS:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    checked = check_feeds(program, feeds)
    initial = initial_values(program)
    if mode == "eager":
        # Eager ops compute at once, so check every shape first with a trace that computes nothing.
        trace_function(program, checked, initial)
    started = time.perf_counter()
    result = _RUNNERS[mode](program, checked, initial)
    result.seconds = time.perf_counter() - started
    return result


def run_all(program: Program, feeds: Mapping[str, Any]) -> dict[str, RunResult]:
    """The same program in every mode, for side-by-side comparison."""
    return {mode: run(program, feeds, mode) for mode in MODES}


def disagreement(results: Mapping[str, RunResult]) -> dict[str, float]:
    """For each node, the largest absolute difference between its values across modes."""
    modes = list(results)
    first = results[modes[0]].values
    gaps = {}
    for name, value in first.items():
        others = [results[mode].values[name] for mode in modes[1:]]
        gaps[name] = max((float(np.max(np.abs(value - other))) if value.size else 0.0 for other in others), default=0.0)
    return gaps


# -- the program as a networkx graph ------------------------------------------------------
def to_networkx(program: Program, result: RunResult | None = None) -> nx.DiGraph:
    """The program's data-flow graph: a node per operation, an edge per tensor that flows."""
    graph = nx.DiGraph()
    for node in program.nodes:
        attributes = {
            "kind": node.kind,
            "op": node.op,
            "line": node.line,
            "description": node.describe(),
            "named_by_user": node.named_by_user,
        }
        if result is not None and node.name in result.values:
            value = result.values[node.name]
            attributes.update(shape=tuple(value.shape), dtype=str(value.dtype), summary=value_summary(value))
        graph.add_node(node.name, **attributes)
        for position, source in enumerate(node.inputs):
            role = "data"
            if node.kind == "gradient":
                role = "differentiated" if position == 0 else "with respect to"
            label = ""
            if result is not None and source in result.values:
                label = edge_label(result.values[source])
            graph.add_edge(source, node.name, role=role, label=label)
    return graph


def edge_label(value: np.ndarray) -> str:
    """The shape a tensor edge carries; the dtype only when it is not the usual float32."""
    dtype = "" if value.dtype == np.float32 else f" {value.dtype}"
    return format_shape(value.shape) + dtype


def value_summary(value: np.ndarray) -> str:
    """A one-line description of a value for hovers: small ones in full, large ones by statistics."""
    if value.size <= 6:
        return np.array2string(value, precision=3, separator=", ", suppress_small=True).replace("\n", "")
    return (
        f"min {float(np.min(value)):.3g}, mean {float(np.mean(value)):.3g}, max {float(np.max(value)):.3g}"
    )

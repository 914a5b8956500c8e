"""Running a parsed program three ways: eagerly, as a `tf.function` graph, and in a TF1 session.

All three build the same computation with real TensorFlow ops; what differs is *when* the
ops run and what Python objects stand for the results (an `EagerTensor` with a value at
once, or a symbolic `Tensor` that only gets a value when the graph runs). Initial values of
constants and variables are computed once (stateless random ops, or TensorFlow's seeded ones
in a fresh graph when the program's own code asked for them), so every mode starts from
identical numbers and their results can be compared.

Nothing reaches TensorFlow unchecked: every axis, permutation and reshape is checked against
the real input shapes first (some bad shapes abort TensorFlow's process instead of raising),
and the number of TensorFlow ops a program may grow into is bounded while it is built (a
gradient of a gradient of … grows the graph about threefold per step).
"""

from __future__ import annotations

import math
import re
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from dlviz.graphs.language import DTYPE_LIMITS, FLOAT_DTYPES, MAX_RANK, MAX_TENSOR_ELEMENTS, TF_FUNCTIONS, Node, Program
from dlviz.runtime import tf

MODES = ("eager", "graph", "session")
MODE_LABELS = {
    "eager": "Eager (TF2 default)",
    "graph": "tf.function graph",
    "session": "TF1 Session",
}
MAX_TF_OPS = 3_000  # TensorFlow ops one program may grow into (its gradients included)
GRADIENT_GROWTH = 2.5  # how much a gradient of a gradient multiplies the graph, at most, in our measurements
DEFAULT_GRAPH_SEED = 87654321  # what TensorFlow pairs with an op's seed when no global seed is set


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
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (node, "str"/"repr") → what print shows


# -- feeds ------------------------------------------------------------------------------------
def default_feeds(program: Program, seed: int = 0, batch: int = 2) -> dict[str, np.ndarray]:
    """A random value for each placeholder (None sizes become `batch`), reproducible by seed."""
    feeds = {}
    for index, node in enumerate(program.placeholders):
        shape = [batch if size is None else size for size in node.attrs["shape"]]
        rng = np.random.default_rng([seed, index])
        dtype = node.attrs.get("dtype", "float32")
        if dtype in ("int32", "int64"):
            feeds[node.name] = rng.integers(0, 10, size=shape).astype(dtype)
        else:
            feeds[node.name] = np.round(rng.normal(size=shape), 2).astype(dtype)
    return feeds


def check_feeds(program: Program, feeds: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Feeds as arrays of the placeholders' dtypes, or a `GraphRunError` naming the placeholder.

    A placeholder the caller does not feed takes the value the program's own text feeds it (feed_dict)."""
    checked = {}
    for node in program.placeholders:
        if node.name not in feeds and node.name not in program.feeds:
            raise GraphRunError(f"Placeholder '{node.name}' needs a value fed in before the graph can run.", node.name)
        dtype = node.attrs.get("dtype", "float32")
        value = as_array(feeds[node.name] if node.name in feeds else program.feeds[node.name], dtype, node.name)
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


def as_array(raw: Any, dtype: str, name: str) -> np.ndarray:
    """A fed value as an array of `dtype`: rectangular, at most MAX_RANK deep, every number finite and in range."""
    if _depth(raw) > MAX_RANK:
        raise GraphRunError(f"The value fed to '{name}' nests more than {MAX_RANK} levels deep; tensors here have at most "
                            f"{MAX_RANK} dimensions.", name)
    try:
        wide = np.asarray(raw)
        if wide.dtype == object:  # ragged, or whole numbers too large for any integer type
            wide = np.asarray(raw, dtype=np.float64)
    except (ValueError, TypeError):
        raise GraphRunError(f"The value fed to '{name}' is not a rectangular array of numbers.", name) from None
    except OverflowError:
        raise GraphRunError(f"The value fed to '{name}' has a number too large for {dtype}.", name) from None
    if wide.dtype.kind not in "biuf":
        raise GraphRunError(f"The value fed to '{name}' is not a rectangular array of numbers.", name)
    if wide.size > MAX_TENSOR_ELEMENTS:
        raise GraphRunError(f"The value fed to '{name}' has {wide.size:,} numbers; the limit is {MAX_TENSOR_ELEMENTS:,}.", name)
    if wide.dtype.kind == "f" and not np.all(np.isfinite(wide)):
        raise GraphRunError(f"The value fed to '{name}' contains NaN or infinity.", name)
    if wide.size and float(np.max(np.abs(wide.astype(np.float64)))) > DTYPE_LIMITS[dtype]:
        raise GraphRunError(f"The value fed to '{name}' has a number too large for {dtype} (largest: {DTYPE_LIMITS[dtype]:g}).", name)
    if dtype not in FLOAT_DTYPES and wide.dtype.kind == "f" and not np.all(np.mod(wide, 1) == 0):
        raise GraphRunError(f"'{name}' is {dtype}, so it takes whole numbers only (TensorFlow never rounds silently).", name)
    return wide.astype(dtype)


def _depth(value: Any) -> int:
    """How deeply lists nest, without recursion (a feed of 3,000 brackets must not exhaust the stack)."""
    if isinstance(value, np.ndarray):
        return value.ndim
    deepest, level = 0, [value]
    while level:
        lists = [item for item in level if isinstance(item, list | tuple)]
        if not lists:
            break
        deepest += 1
        if deepest > MAX_RANK:
            return deepest
        level = [child for item in lists for child in item]
        if len(level) > 4 * MAX_TENSOR_ELEMENTS:
            return deepest  # too many numbers anyway: the size check refuses it
    return deepest


def resolve_feeds(program: Program, feeds: Mapping[str, Any] | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """The feeds a run uses: the ones given, else the program's own (feed_dict), else random defaults; checked."""
    defaults = {name: value for name, value in default_feeds(program, seed).items() if name not in program.feeds}
    return check_feeds(program, {**defaults, **(feeds or {})})


def format_shape(shape: Any) -> str:
    """A shape as a student reads it: (None, 3), (2,), () for a scalar."""
    sizes = ["None" if size is None else str(size) for size in shape]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


# -- initial values -----------------------------------------------------------------------
def initial_seed(node: Node) -> int:
    """The seed of a random initialiser: the program's own, or one made from the node's name."""
    return node.attrs["init"].get("seed", zlib.crc32(node.name.encode()) % (2**31))


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
        function = init["function"]
        if function == "zeros":
            value = np.zeros(shape)
        elif function == "ones":
            value = np.ones(shape)
        elif function == "fill":
            value = np.full(shape, init["value"])
        elif init.get("stateful"):
            value = _seeded_random(init, dtype, program.global_seed)
        else:
            seed = [initial_seed(node), 0]
            if function == "random_normal":
                value = tf.random.stateless_normal(shape, seed=seed, mean=init.get("mean", 0.0), stddev=init.get("stddev", 1.0))
            elif function == "truncated_normal":
                value = tf.random.stateless_truncated_normal(shape, seed=seed, mean=init.get("mean", 0.0), stddev=init.get("stddev", 1.0))
            else:
                value = tf.random.stateless_uniform(shape, seed=seed, minval=init.get("minval", 0.0), maxval=init.get("maxval", 1.0))
            value = value.numpy()
        values[node.name] = np.asarray(value, dtype=dtype)
    return values


_SEEDED: dict[tuple, np.ndarray] = {}


def _seeded_random(init: dict[str, Any], dtype: str, global_seed: int | None) -> np.ndarray:
    """What TensorFlow's own `tf.random.normal(..., seed=s)` gives the first time it runs (eager, or in a fresh graph).

    Its numbers depend on the op seed and the global seed (TensorFlow pairs the op seed with a fixed default
    when no global seed is set); drawn once in a graph of its own, they are the same every time."""
    key = (tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in init.items())), dtype, global_seed)
    if key not in _SEEDED:
        if len(_SEEDED) > 256:
            _SEEDED.clear()
        graph = tf.Graph()
        with graph.as_default():
            if global_seed is not None:
                tf.compat.v1.set_random_seed(global_seed)
            arguments = {"dtype": dtype, "seed": init["seed"]}
            if init["function"] == "random_uniform":
                tensor = tf.random.uniform(init["shape"], minval=init.get("minval", 0.0), maxval=init.get("maxval", 1.0), **arguments)
            else:
                draw = tf.random.normal if init["function"] == "random_normal" else tf.random.truncated_normal
                tensor = draw(init["shape"], mean=init.get("mean", 0.0), stddev=init.get("stddev", 1.0), **arguments)
        with tf.compat.v1.Session(graph=graph) as session:
            _SEEDED[key] = session.run(tensor)
    return _SEEDED[key].copy()


# -- the shared builder -------------------------------------------------------------------
def _op_function(tf, node: Node) -> Callable[..., Any]:
    attrs = node.attrs
    if node.op not in TF_FUNCTIONS:
        raise GraphRunError(f"Unknown operation '{node.op}'.", node.name)
    function = tf
    for part in TF_FUNCTIONS[node.op].split("."):
        function = getattr(function, part)
    if node.op == "softmax":
        return lambda x: function(x, axis=attrs.get("axis", -1))
    if node.op in ("reduce_sum", "reduce_mean", "reduce_max"):
        return lambda x: function(x, axis=attrs.get("axis"), keepdims=attrs.get("keepdims", False))
    if node.op == "transpose":
        return lambda x: function(x, perm=attrs.get("perm"))
    if node.op == "reshape":
        return lambda x: function(x, attrs["shape"])
    if node.op == "concat":
        return lambda *xs: function(list(xs), axis=attrs.get("axis", 0))
    if node.op == "cast":
        return lambda x: function(x, attrs["dtype"])
    return function


class _Backend:
    """What differs between modes: how placeholders, variables and gradients come to be."""

    def placeholder(self, node: Node) -> Any: ...

    def variable(self, node: Node, initial: np.ndarray) -> Any: ...

    def constant(self, node: Node, value: np.ndarray) -> Any:
        return tf.constant(value)

    def gradient(self, of: Any, source: Any) -> Any: ...


def _build(program: Program, backend: _Backend, initial: dict[str, np.ndarray], tensors: dict[str, Any]) -> None:
    """Create every node with TensorFlow ops, in program order, filling `tensors` by name."""
    graph = None if tf.executing_eagerly() else tf.compat.v1.get_default_graph()
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
                    _check_growth(node, graph)
                    tensors[node.name] = backend.gradient(of, source)
                else:
                    _check_op(node, [tensors[name] for name in node.inputs])
                    function = _op_function(tf, node)
                    tensors[node.name] = function(*(tensors[name] for name in node.inputs))
            except GraphRunError:
                raise
            except (ValueError, TypeError, tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
                raise GraphRunError(_explain(node, tensors, error), node.name) from None
        _check_size(node, tensors[node.name])
        if graph is not None and graph.version > MAX_TF_OPS:
            raise GraphRunError(_too_many_ops(node, graph.version), node.name)


def _too_many_ops(node: Node, ops: int) -> str:
    return (f"At node '{node.name}' TensorFlow's graph has grown to {ops:,} ops; the limit is {MAX_TF_OPS:,}. "
            "Each gradient adds the backward ops of everything it flows through, so a gradient of a gradient of … "
            "multiplies the graph every time (about 2.5× for tanh).")


def _check_growth(node: Node, graph: Any) -> None:
    """Stop before a gradient that would likely push the graph past the limit, instead of spending seconds building it."""
    if graph is not None and graph.version * GRADIENT_GROWTH > MAX_TF_OPS:
        raise GraphRunError(_too_many_ops(node, graph.version) + " This gradient would take it past the limit.", node.name)


def _check_op(node: Node, inputs: list[Any]) -> None:
    """Every axis, permutation and shape checked against the real inputs before TensorFlow sees them."""
    shapes = [tensor.shape for tensor in inputs]
    if any(shape.rank is None for shape in shapes):
        return
    ranks = [shape.rank for shape in shapes]
    rank = ranks[0]
    described = f"Node '{node.name}' = {node.describe()}"
    attrs = node.attrs
    if node.op in ("reduce_sum", "reduce_mean", "reduce_max", "softmax", "concat"):
        axis = attrs.get("axis", -1 if node.op == "softmax" else 0 if node.op == "concat" else None)
        axes = [] if axis is None else axis if isinstance(axis, list) else [axis]
        if node.op in ("softmax", "concat") and rank == 0:
            raise GraphRunError(f"{described}: {node.op} needs a tensor with at least one axis, not a single number.", node.name)
        if any(not -rank <= a < rank for a in axes):
            raise GraphRunError(f"{described}: axis {axis} does not exist in a tensor of shape {format_shape(shapes[0].as_list())} "
                                f"(axes run from {-rank} to {rank - 1}).", node.name)
        if len({a % rank for a in axes}) != len(axes):
            raise GraphRunError(f"{described}: axis {axis} names the same axis twice.", node.name)
    if node.op == "concat" and len(set(ranks)) > 1:
        raise GraphRunError(f"{described}: concat joins tensors of one rank; these have shapes "
                            f"{', '.join(format_shape(shape.as_list()) for shape in shapes)}.", node.name)
    if node.op == "transpose" and attrs.get("perm") is not None and sorted(attrs["perm"]) != list(range(rank)):
        raise GraphRunError(f"{described}: perm {attrs['perm']} must list each of the {rank} axes of shape "
                            f"{format_shape(shapes[0].as_list())} once.", node.name)
    if node.op == "reshape":
        target = attrs["shape"]
        if len(target) > MAX_RANK:
            raise GraphRunError(f"{described}: a shape has at most {MAX_RANK} sizes.", node.name)
        if shapes[0].is_fully_defined():
            size, known = shapes[0].num_elements(), math.prod(s for s in target if s != -1)
            if (-1 in target and (known == 0 or size % known)) or (-1 not in target and size != known):
                raise GraphRunError(f"{described}: {size:,} numbers of shape {format_shape(shapes[0].as_list())} cannot be "
                                    f"arranged as {format_shape(target)}.", node.name)


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
    """A sentence naming the node and its input shapes (or dtypes, when those differ), instead of TensorFlow's long message."""
    shapes = [format_shape(tensors[name].shape.as_list()) for name in node.inputs if hasattr(tensors.get(name), "shape")]
    inputs = " and ".join(f"{name} {shape}" for name, shape in zip(node.inputs, shapes))
    if node.kind == "gradient":
        return f"Gradient '{node.name}' = {node.describe()} cannot be computed: {_first_sentence(error)}"
    dtypes = [tensors[name].dtype.name for name in node.inputs if hasattr(tensors.get(name), "dtype")]
    if len(set(dtypes)) > 1:
        typed = " and ".join(f"{name} ({dtype})" for name, dtype in zip(node.inputs, dtypes))
        return (f"Node '{node.name}' = {node.op}({typed}): the inputs have different dtypes. TensorFlow never converts "
                "dtypes silently: cast one of them (tf.cast) or give both the same dtype.")
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
    if node.op in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow") and not _broadcastable(
            [tensors[name].shape for name in node.inputs]):
        return (
            f"Node '{node.name}' = {node.op}({inputs}): these shapes cannot be broadcast together "
            f"(each size must be equal, or 1). {_first_sentence(error)}"
        )
    return f"Node '{node.name}' = {node.describe()} failed with inputs {inputs or 'none'}: {_first_sentence(error)}"


def _broadcastable(shapes: list[Any]) -> bool:
    """Whether static shapes can broadcast (unknown sizes count as compatible): only then is the error about something else."""
    if any(shape.rank is None for shape in shapes):
        return True
    try:
        np.broadcast_shapes(*[tuple(1 if size is None else size for size in shape.as_list()) for shape in shapes])
    except ValueError:
        return False
    return True


def _first_sentence(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = re.sub(r"\{\{[^}]*\}\}", "", text)
    text = re.sub(r"for '[^']*' with", "with", text)
    text = re.sub(r"\s*\[Op:[^\]]*\]\s*(name:\s*)?$", "", text).strip()
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


def _texts(program: Program, tensors: dict[str, Any]) -> dict[tuple[str, str], str]:
    """What `print(x)` (str) or a notebook's display (repr) shows for each object the program prints as itself."""
    return {(name, how): (str if how == "str" else repr)(tensors[name]) for name, how in program.shown_objects() if name in tensors}


def _run_eager(program: Program, feeds: dict[str, np.ndarray], initial: dict[str, np.ndarray]) -> RunResult:
    tensors: dict[str, Any] = {}
    with tf.GradientTape(persistent=True) as tape:
        _build(program, _EagerBackend(feeds, tape), initial, tensors)
    del tape
    return RunResult(
        "eager",
        {name: np.asarray(tensor) for name, tensor in tensors.items()},
        {name: _type_name(tensor) for name, tensor in tensors.items()},
        texts=_texts(program, tensors),
    )


def make_variables(program: Program, initial: dict[str, np.ndarray]) -> dict[str, Any]:
    """The program's variables as TF2 `tf.Variable`s, created once, outside any `tf.function` (as TensorFlow 2 requires)."""
    return {
        node.name: tf.Variable(initial[node.name], trainable=node.attrs.get("trainable", True), name=node.name)
        for node in program.variables
    }


def python_function(program: Program, initial: dict[str, np.ndarray], variables: dict[str, Any],
                    traced_types: dict[str, str] | None = None) -> Callable[..., dict[str, Any]]:
    """The program as a Python function of its placeholders, for `tf.function` to trace; it returns every node.

    Its body runs only while TensorFlow traces it, so `traced_types` records what stood for each node then."""

    def program_function(**arguments):
        tensors: dict[str, Any] = {}
        with tf.GradientTape(persistent=True) as tape:
            _build(program, _GraphBackend(arguments, variables, tape), initial, tensors)
        if traced_types is not None:
            traced_types.update({name: _type_name(tensor) for name, tensor in tensors.items()})
        return {name: tf.identity(tensor) for name, tensor in tensors.items()}

    return program_function


def trace_function(program: Program, feeds: dict[str, np.ndarray], initial: dict[str, np.ndarray]):
    """The program as a `tf.function` traced for the feeds' shapes, and the types seen while tracing."""
    variables = make_variables(program, initial)
    traced_types: dict[str, str] = {}
    signature = {
        name: tf.TensorSpec(shape=value.shape, dtype=value.dtype, name=name) for name, value in feeds.items()
    }
    function = tf.function(python_function(program, initial, variables, traced_types), autograph=False)
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
        texts=_texts(program, tensors),
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
    """For each node, the largest absolute difference between its values across modes.

    NaN in the same place in every mode, or the same infinity, counts as agreeing; NaN or infinity in one
    mode only is an infinite difference."""
    modes = list(results)
    first = results[modes[0]].values
    return {name: max((_gap(value, results[mode].values[name]) for mode in modes[1:]), default=0.0) for name, value in first.items()}


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return math.inf
    if not a.size:
        return 0.0
    a, b = a.astype(np.float64), b.astype(np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    if same.all():
        return 0.0
    differences = np.abs(a - b)[~same]
    return float(np.max(differences)) if np.all(np.isfinite(differences)) else math.inf


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

"""The playground's own little graph language: its data model and its parser (`ast`, a whitelist).

A program is a list of assignments such as ``y = relu(x @ W + b)``. It is never executed as
Python: the parser walks the syntax tree, accepts only the forms listed here, and turns them into
a `Program` — a list of `Node`s (placeholders, variables, constants, operations, gradients)
that `dlviz.graphs.compgraph` can run with TensorFlow. `dlviz.graphs.tfcode` extends the parser
to TensorFlow's own Python; `dlviz.graphs.program` is the public entry point for both.

Every size, rank, axis and dtype is checked here, before TensorFlow ever sees it: TensorFlow
aborts the whole process on some shapes (a rank above its limit) instead of raising.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

MAX_PROGRAM_CHARS = 5_000
MAX_STATEMENTS = 60
MAX_NODES = 300
MAX_TENSOR_ELEMENTS = 100_000
MAX_LITERAL_DEPTH = 5
MAX_RANK = 6  # dimensions of any tensor (TensorFlow's own limit is far higher, and aborts the process past it)
MAX_DEPTH = 64  # how deeply expressions may nest (a+a+a+… or - - - x)
MAX_NAME_CHARS = 64
MAX_SEED = 2**31 - 1
NAME_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
STRING_NAME_RULE = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-]{0,63}$")  # name="..." options, as TensorFlow accepts them


class ProgramError(ValueError):
    """A mistake in a program, with the line and column (1-based) where it was found."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        where = f"Line {line}, column {col}: " if line else ""
        super().__init__(where + message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(frozen=True)
class OpSpec:
    """How one whitelisted operation is called: tensor arguments first, then literal options."""

    tensor_args: int  # -1 means "a list of tensors" (concat)
    options: tuple[str, ...] = ()
    explain: str = ""


OPS: dict[str, OpSpec] = {
    "add": OpSpec(2, explain="element-wise a + b"),
    "subtract": OpSpec(2, explain="element-wise a − b"),
    "multiply": OpSpec(2, explain="element-wise a × b"),
    "divide": OpSpec(2, explain="element-wise a ÷ b"),
    "matmul": OpSpec(2, explain="matrix product a @ b"),
    "maximum": OpSpec(2, explain="element-wise larger of a and b"),
    "minimum": OpSpec(2, explain="element-wise smaller of a and b"),
    "pow": OpSpec(2, explain="element-wise a to the power b"),
    "negative": OpSpec(1, explain="−a"),
    "abs": OpSpec(1, explain="|a|"),
    "relu": OpSpec(1, explain="max(a, 0): keeps positives, zeroes negatives"),
    "sigmoid": OpSpec(1, explain="1 / (1 + e^−a), squashes into (0, 1)"),
    "tanh": OpSpec(1, explain="hyperbolic tangent, squashes into (−1, 1)"),
    "softmax": OpSpec(1, ("axis",), "turns scores into probabilities that sum to 1"),
    "exp": OpSpec(1, explain="e^a"),
    "log": OpSpec(1, explain="natural logarithm"),
    "square": OpSpec(1, explain="a²"),
    "sqrt": OpSpec(1, explain="√a"),
    "reduce_sum": OpSpec(1, ("axis", "keepdims"), "sum over an axis (or all)"),
    "reduce_mean": OpSpec(1, ("axis", "keepdims"), "mean over an axis (or all)"),
    "reduce_max": OpSpec(1, ("axis", "keepdims"), "maximum over an axis (or all)"),
    "transpose": OpSpec(1, ("perm",), "swaps axes"),
    "reshape": OpSpec(1, ("shape",), "same values, new shape"),
    "concat": OpSpec(-1, ("axis",), "joins tensors along an axis"),
}
# Operations reachable only through TensorFlow code (tf.cast, tf.identity), so no name of the
# playground's own language changes meaning.
EXTRA_OPS: dict[str, OpSpec] = {
    "cast": OpSpec(1, ("dtype",), "the same values as another dtype"),
    "identity": OpSpec(1, explain="the same tensor under a new name"),
}
ALL_OPS = {**OPS, **EXTRA_OPS}
# The TensorFlow function each operation runs as (after `tf.`): compgraph calls it, codegen writes it.
TF_FUNCTIONS = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide", "matmul": "linalg.matmul",
    "maximum": "maximum", "minimum": "minimum", "pow": "pow", "negative": "negative", "abs": "abs", "relu": "nn.relu",
    "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "nn.softmax", "exp": "exp", "log": "math.log", "square": "square",
    "sqrt": "sqrt", "reduce_sum": "reduce_sum", "reduce_mean": "reduce_mean", "reduce_max": "reduce_max",
    "transpose": "transpose", "reshape": "reshape", "concat": "concat", "cast": "cast", "identity": "identity",
}
FLOAT_ONLY_OPS = {"sigmoid", "tanh", "softmax", "exp", "log", "sqrt"}

INITIALIZERS: dict[str, tuple[str, ...]] = {
    "zeros": ("shape",),
    "ones": ("shape",),
    "fill": ("shape", "value"),
    "random_normal": ("shape", "mean", "stddev", "seed"),
    "random_uniform": ("shape", "minval", "maxval", "seed"),
}
EXTRA_INITIALIZERS: dict[str, tuple[str, ...]] = {"truncated_normal": ("shape", "mean", "stddev", "seed")}
RANDOM_INITIALIZERS = ("random_normal", "random_uniform", "truncated_normal")

SOURCES = ("placeholder", "variable", "constant")
GRADIENT = "grad"
DTYPES = ("float32", "float64", "int32", "int64")
FLOAT_DTYPES = ("float32", "float64")
DTYPE_LIMITS = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308, "int32": 2**31 - 1, "int64": 2**63 - 1}

BINARY_OPERATORS = {
    ast.Add: "add",
    ast.Sub: "subtract",
    ast.Mult: "multiply",
    ast.Div: "divide",
    ast.MatMult: "matmul",
    ast.Pow: "pow",
}

KINDS = ("placeholder", "variable", "constant", "op", "gradient")


@dataclass(frozen=True)
class Node:
    """One node of the data-flow graph: an operation whose output tensor flows along edges."""

    name: str
    kind: str  # one of KINDS
    op: str  # "placeholder", "variable", "constant", an ALL_OPS name, or "grad"
    inputs: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)
    line: int = 0
    col: int = 0
    named_by_user: bool = True

    def describe(self) -> str:
        """A short phrase for hovers and tables, e.g. 'matmul(x, W)'."""
        if self.kind == "gradient":
            return f"∂{self.inputs[0]}/∂{self.inputs[1]}"
        if self.kind == "op":
            return f"{self.op}({', '.join(self.inputs)})"
        return self.op

    @property
    def dtype(self) -> str:
        """The dtype of a placeholder, variable or constant (operations take theirs from their inputs)."""
        return self.attrs.get("dtype", "float32")


@dataclass(frozen=True)
class Printed:
    """One line a program prints (``print(...)``, or a notebook's display of a last bare expression).

    Each part is ("text", words), ("str", node) / ("repr", node) for the Python object that stands
    for the node in the program's own mode (an EagerTensor, a symbolic Tensor), ("numpy", node)
    for a fetched NumPy value, or ("numpy_list", "a,b") for a list of fetched values."""

    line: int
    parts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Note:
    """Something worth knowing about how the playground read a line (a name TensorFlow 2 moved…)."""

    line: int
    text: str


@dataclass
class Program:
    """A parsed program: nodes in the order they are computed, plus what the text itself asked for.

    `mode` is the run mode the code selects ("session" for TF1 code with a Session, "graph" for a
    `@tf.function`, "eager" for TensorFlow 2 code; None for the playground's own language), `feeds`
    the placeholder values written in the text (`feed_dict`), `outputs` what `print` shows."""

    nodes: list[Node]
    source: str = ""
    mode: str | None = None
    feeds: dict[str, Any] = field(default_factory=dict)
    outputs: list[Printed] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    global_seed: int | None = None

    def __post_init__(self) -> None:
        self.by_name = {node.name: node for node in self.nodes}

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    @property
    def placeholders(self) -> list[Node]:
        return [node for node in self.nodes if node.kind == "placeholder"]

    @property
    def variables(self) -> list[Node]:
        return [node for node in self.nodes if node.kind == "variable"]

    def node(self, name: str) -> Node:
        return self.by_name[name]

    def shown_objects(self) -> set[tuple[str, str]]:
        """(node, "str" or "repr") for every Python object the program prints as itself."""
        return {(payload, how) for printed in self.outputs for how, payload in printed.parts if how in ("str", "repr")}


def available_names() -> list[str]:
    """Every function name a program may call, for help texts and error messages."""
    return sorted([*SOURCES, GRADIENT, *OPS, *INITIALIZERS])


def is_function_name(name: str) -> bool:
    return name in OPS or name in INITIALIZERS or name in SOURCES or name == GRADIENT


def read_tree(text: str) -> ast.Module:
    """Python's syntax tree of `text`, refusing what is too long, empty, malformed or too deeply nested."""
    if len(text) > MAX_PROGRAM_CHARS:
        raise ProgramError(f"The program is {len(text):,} characters long; the limit is {MAX_PROGRAM_CHARS:,}.")
    if not text.strip():
        raise ProgramError("The program is empty. Start with a line like  a = constant([1, 2, 3])")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as error:
        raise ProgramError(f"This is not valid syntax ({error.msg}).", error.lineno or 0, (error.offset or 0)) from None
    except (RecursionError, MemoryError):
        raise ProgramError(f"The program nests too deeply to read; the limit is {MAX_DEPTH} levels. "
                           "Split long expressions over several lines.") from None
    _check_depth(tree)
    statements = sum(1 for node in ast.walk(tree) if isinstance(node, ast.stmt))
    if statements > MAX_STATEMENTS:
        raise ProgramError(f"The program has {statements} statements; the limit is {MAX_STATEMENTS}.")
    return tree


def _check_depth(tree: ast.AST) -> None:
    """Refuse expressions nested deeper than MAX_DEPTH, walking without recursion (a+a+… thousands long)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProgramError(
                f"This expression nests more than {MAX_DEPTH} levels deep; split it over several lines "
                "(each intermediate result a name of its own).", getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


class Parser:
    """Walks an `ast.Module` of the playground's language and builds nodes; one instance per parse."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: list[Node] = []
        self.defined: dict[str, Node] = {}
        self.dtypes: dict[str, str] = {}
        self.weak: dict[str, str] = {}  # bare literals (and ops of only them): "int" or "float", dtype not fixed yet
        self.auto_counts: dict[str, int] = {}
        self._assigned_names: set[str] | None = None

    # -- statements -------------------------------------------------------------------------
    def program(self, tree: ast.Module) -> Program:
        for statement in tree.body:
            self.statement(statement)
        if not self.nodes:
            raise ProgramError("The program defines no nodes.")
        self.settle_literals()
        return self.finish()

    def finish(self) -> Program:
        return Program(self.nodes, self.source)

    def statement(self, statement: ast.stmt) -> None:
        if not isinstance(statement, ast.Assign):
            raise self.error(
                statement,
                f"Only assignments like  y = relu(x)  are allowed here, not {_describe_syntax(statement)}.",
            )
        if len(statement.targets) != 1:
            raise self.error(statement, "Assign to one name (or one tuple of names) at a time.")
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            self.assign_single(target, statement.value)
        elif isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts):
            self.assign_several(target, statement.value)
        else:
            raise self.error(target, "The left of '=' must be a name like  y  or names like  dW, db.")

    def assign_single(self, target: ast.Name, value: ast.expr) -> None:
        name = self.check_new_name(target)
        if _is_call_to(value, GRADIENT):
            of, sources = self.gradient_sources(value)
            if len(sources) != 1:
                raise self.error(
                    target, f"grad(...) here gives {len(sources)} gradients; write that many names on the left."
                )
            self.add_gradient(name, of, sources[0], target)
            return
        self.expression(value, name=name)

    def assign_several(self, target: ast.Tuple, value: ast.expr) -> None:
        if not _is_call_to(value, GRADIENT):
            raise self.error(target, "Several names on the left are only for  dW, db = grad(loss, [W, b]).")
        names = self.new_names(target)
        of, sources = self.gradient_sources(value)
        self.add_gradients(names, of, sources, target)

    def new_names(self, target: ast.Tuple) -> list[str]:
        names = [self.check_new_name(element) for element in target.elts]
        if len(set(names)) != len(names):
            raise self.error(target, "Each name on the left must be different.")
        return names

    # -- gradients ----------------------------------------------------------------------------
    def gradient_sources(self, call: ast.Call) -> tuple[str, list[str]]:
        """The tensor to differentiate and the tensors to differentiate it with respect to."""
        if call.keywords or len(call.args) != 2:
            raise self.error(call, "Write gradients as  grad(loss, [W, b])  or  grad(loss, W).")
        target = self.reference(call.args[0], "the first argument of grad")
        wrt = call.args[1]
        elements = wrt.elts if isinstance(wrt, ast.List | ast.Tuple) else [wrt]
        if not elements:
            raise self.error(wrt, "grad(...) needs at least one tensor to differentiate with respect to.")
        return target, [self.reference(element, "a tensor to differentiate with respect to") for element in elements]

    def add_gradients(self, names: list[str], of: str, sources: list[str], target: ast.AST) -> None:
        if len(sources) != len(names):
            raise self.error(
                target, f"The gradient call gives {len(sources)} gradient(s) but there are {len(names)} names on the left."
            )
        for name, source in zip(names, sources):
            self.add_gradient(name, of, source, target)

    def add_gradient(self, name: str, of: str, source: str, target: ast.AST) -> str:
        for role, tensor in (("differentiate", of), ("differentiate with respect to", source)):
            if tensor in self.weak:
                self.resolve(tensor, "float32", target)
            if self.dtypes[tensor] not in FLOAT_DTYPES:
                raise self.error(target, f"Gradients exist only for float tensors, but '{tensor}' (to {role}) is "
                                         f"{self.dtypes[tensor]}; give it a float dtype.")
        return self.add(Node(name, "gradient", GRADIENT, (of, source), {}, target.lineno, target.col_offset + 1))

    def reference(self, expression: ast.expr, role: str) -> str:
        if not isinstance(expression, ast.Name):
            raise self.error(expression, f"Use a name defined above as {role}.")
        return self.lookup(expression)

    # -- expressions ---------------------------------------------------------------------------
    def expression(self, expression: ast.expr, name: str | None = None) -> str:
        """Add the node(s) that compute `expression`; return the name of the resulting node."""
        if isinstance(expression, ast.Name):
            source = self.lookup(expression)
            if name is None:
                return source
            # `y = x` makes an alias: an identity op, so the name exists as its own node.
            return self.add_op(name, "identity", (source,), {}, expression)
        if isinstance(expression, ast.Constant | ast.List | ast.Tuple) or _is_negative_number(expression):
            return self.literal_node(expression, name)
        if isinstance(expression, ast.BinOp):
            op = BINARY_OPERATORS.get(type(expression.op))
            if op is None:
                raise self.error(expression, f"The operator {_describe_syntax(expression.op)} is not supported; use + - * / @ or **.")
            left = self.expression(expression.left)
            right = self.expression(expression.right)
            return self.add_op(name, op, (left, right), {}, expression)
        if isinstance(expression, ast.UnaryOp):
            if isinstance(expression.op, ast.USub):
                operand = self.expression(expression.operand)
                return self.add_op(name, "negative", (operand,), {}, expression)
            if isinstance(expression.op, ast.UAdd):
                return self.expression(expression.operand, name)
            raise self.error(expression, "Only unary minus (−x) is supported.")
        if isinstance(expression, ast.Call):
            return self.call(expression, name)
        raise self.error(expression, f"{_describe_syntax(expression).capitalize()} is not allowed in a program.")

    def literal_node(self, expression: ast.expr, name: str | None) -> str:
        """A number or list written bare: a constant whose dtype follows the tensors it meets (as in TensorFlow)."""
        value = self.numeric_literal(expression)
        created = self.add_source(name, "constant", {"value": value}, expression)
        self.weak[created] = "float" if _has_float(value) else "int"
        return created

    def call(self, call: ast.Call, name: str | None) -> str:
        function = self.function_name(call)
        if function in SOURCES:
            return self.source_call(function, call, name)
        if function in INITIALIZERS:
            return self.add_source(name, "constant", {"init": self.initializer(call)}, call)
        if function == GRADIENT:
            raise self.error(call, "grad(...) must stand alone on the right:  dW, db = grad(loss, [W, b]).")
        return self.op_call(function, call, name, call.args, call.keywords)

    def op_call(self, function: str, call: ast.Call, name: str | None, arguments: list[ast.expr],
                keywords: list[ast.keyword], label: str | None = None) -> str:
        """An operation with its tensor arguments first, then literal options (positional or by keyword)."""
        label = label or function
        spec = ALL_OPS[function]
        options = self.options(call, spec.options, label, keywords)
        if spec.tensor_args == -1:
            if len(arguments) < 1 or not isinstance(arguments[0], ast.List | ast.Tuple):
                raise self.error(call, f"{label} takes a list of tensors:  {label}([a, b], axis=0).")
            tensors, extra = list(arguments[0].elts), list(arguments[1:])
            if not tensors:
                raise self.error(call, f"{label} needs at least one tensor.")
        else:
            if len(arguments) < spec.tensor_args:
                raise self.error(call, f"{label} takes {spec.tensor_args} tensor(s); got {len(arguments)}.")
            tensors, extra = list(arguments[: spec.tensor_args]), list(arguments[spec.tensor_args :])
        if len(extra) > len(spec.options):
            raise self.error(call, f"{label} takes at most {max(spec.tensor_args, 1) + len(spec.options)} arguments.")
        for option, value in zip(spec.options, extra):
            if option in options:
                raise self.error(call, f"{label} got '{option}' twice.")
            options[option] = self.dtype_name(value) if option == "dtype" else self.literal(value)
        inputs = tuple(self.expression(argument) for argument in tensors)
        _check_options(function, options, call, self)
        return self.add_op(name, function, inputs, options, call)

    def function_name(self, call: ast.Call) -> str:
        if isinstance(call.func, ast.Attribute):
            raise self.error(
                call.func,
                "Attribute access (like tf.something or x.y) is not allowed; call the function by its bare name, e.g. relu(x).",
            )
        if not isinstance(call.func, ast.Name):
            raise self.error(call, f"{_describe_syntax(call.func).capitalize()} cannot be called here; call a function by its name, e.g. relu(x).")
        function = call.func.id
        if not is_function_name(function):
            raise self.error(call.func, self.unknown_function(function))
        self.check_no_unpacking(call)
        return function

    def check_no_unpacking(self, call: ast.Call) -> None:
        if any(isinstance(argument, ast.Starred) for argument in call.args) or any(
            keyword.arg is None for keyword in call.keywords
        ):
            raise self.error(call, "Argument unpacking (* or **) is not allowed.")

    def unknown_function(self, function: str) -> str:
        return _unknown_function_message(function)

    def source_call(self, function: str, call: ast.Call, name: str | None) -> str:
        if name is None and function != "constant":
            raise self.error(call, f"Give the {function} a name of its own:  x = {function}(...)  on its own line.")
        if function == "placeholder":
            options = self.options(call, ("shape", "dtype", "name"), function)
            if call.args:
                if len(call.args) > 1 or "shape" in options:
                    raise self.error(call, 'Write placeholders as  x = placeholder([None, 3], name="x").')
                options["shape"] = self.literal(call.args[0])
            if "shape" not in options:
                raise self.error(call, "A placeholder needs a shape, e.g. placeholder([None, 3]).")
            return self.add_placeholder(name, options, call)
        options = self.options(call, ("dtype", "name", "trainable") if function == "variable" else ("dtype", "name"), function)
        if len(call.args) != 1:
            raise self.error(call, f"{function} takes one initial value, e.g. {function}(zeros([2])) or {function}([1, 2]).")
        (argument,) = call.args
        if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id in INITIALIZERS:
            options["init"] = self.initializer(argument)
        else:
            options["value"] = self.numeric_literal(argument)
        return self.add_value_source(name, function, options, call)

    def add_placeholder(self, name: str | None, options: dict[str, Any], call: ast.AST) -> str:
        _check_shape(options["shape"], call, self, allow_none=True)
        _check_dtype(options.get("dtype", "float32"), call, self)
        _check_string_name(options, call, self)
        return self.add_source(name, "placeholder", options, call)

    def add_value_source(self, name: str | None, kind: str, options: dict[str, Any], call: ast.AST) -> str:
        """A variable or constant from `value` (a literal) or `init` (an initializer), its dtype checked."""
        dtype = options.get("dtype", "float32")
        _check_dtype(dtype, call, self)
        _check_string_name(options, call, self)
        if "trainable" in options and not isinstance(options["trainable"], bool):
            raise self.error(call, "'trainable' must be True or False.")
        if "value" in options:
            self.check_fits(options["value"], dtype, call)
        else:
            self.check_initializer_dtype(options["init"], dtype, call)
        return self.add_source(name, kind, options, call)

    def check_initializer_dtype(self, init: dict[str, Any], dtype: str, where: ast.AST) -> None:
        if init["function"] == "fill":
            self.check_fits(init["value"], dtype, where)

    def initializer(self, call: ast.Call, function: str | None = None, arguments: list[ast.expr] | None = None,
                    keywords: list[ast.keyword] | None = None, allowed: tuple[str, ...] | None = None,
                    label: str | None = None) -> dict[str, Any]:
        if function is None:
            function = self.function_name(call)
            if function not in INITIALIZERS:
                raise self.error(call, f"Expected an initializer ({', '.join(INITIALIZERS)}), not {function}.")
        label = label or function
        arguments = call.args if arguments is None else arguments
        allowed = allowed or INITIALIZERS[function]
        options = self.options(call, allowed, label, call.keywords if keywords is None else keywords)
        if len(arguments) > len(allowed):
            raise self.error(call, f"{label} takes at most {len(allowed)} arguments.")
        for option, value in zip(allowed, arguments):
            if option in options:
                raise self.error(call, f"{label} got '{option}' twice.")
            options[option] = self.dtype_name(value) if option == "dtype" else self.literal(value)
        for key in ("mean", "stddev", "minval", "maxval", "dtype", "name"):
            if key in options and options[key] is None:
                del options[key]  # TensorFlow's way of saying "the default"
        if "shape" not in options:
            raise self.error(call, f"{label} needs a shape, e.g. {label}([3, 2]).")
        shape = options["shape"]
        options["shape"] = [shape] if isinstance(shape, int) and not isinstance(shape, bool) else _as_list(shape)
        _check_shape(options["shape"], call, self, allow_none=False)
        if function == "fill" and "value" not in options:
            raise self.error(call, f"{label} needs a value:  {label}([2, 2], 7).")
        for key in ("mean", "stddev", "minval", "maxval", "value"):
            if key in options and not _is_number(options[key]):
                raise self.error(call, f"'{key}' of {label} must be a number.")
            if key in options and abs(options[key]) > 1e30:
                raise self.error(call, f"'{key}' of {label} is too large.")
        if "seed" in options:
            seed = options["seed"]
            if seed is None and function in RANDOM_INITIALIZERS:
                del options["seed"]
            elif not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
                raise self.error(call, f"The seed of {label} must be a whole number from 0 to {MAX_SEED:,}; got {seed!r}.")
        if function in ("random_uniform", "truncated_normal", "random_normal"):
            low, high = options.get("minval", 0.0), options.get("maxval", 1.0)
            if function == "random_uniform" and not low < high:
                raise self.error(call, f"{label} needs minval < maxval; got {low} and {high}.")
            if options.get("stddev", 1.0) < 0:
                raise self.error(call, f"The stddev of {label} cannot be negative.")
        return {"function": function, **options}

    def options(self, call: ast.Call, allowed: tuple[str, ...], function: str,
                keywords: list[ast.keyword] | None = None) -> dict[str, Any]:
        options: dict[str, Any] = {}
        for keyword in call.keywords if keywords is None else keywords:
            if keyword.arg not in allowed:
                hint = f" It accepts: {', '.join(allowed)}." if allowed else " It takes no keyword options."
                raise self.error(keyword.value, f"{function} has no option '{keyword.arg}'.{hint}")
            if keyword.arg in options:
                raise self.error(keyword.value, f"'{keyword.arg}' is given twice.")
            options[keyword.arg] = self.dtype_name(keyword.value) if keyword.arg == "dtype" else self.literal(keyword.value)
        return options

    def dtype_name(self, expression: ast.expr) -> str:
        """A dtype option: a string such as "float32" here (TensorFlow code may also write tf.float32)."""
        value = self.literal(expression)
        _check_dtype(value, expression, self)
        return value

    def literal(self, expression: ast.expr, depth: int = 0) -> Any:
        """A number, string, bool, None or (nested) list of them; nothing else is a literal."""
        if depth > MAX_LITERAL_DEPTH:
            raise self.error(expression, f"Lists may nest at most {MAX_LITERAL_DEPTH} deep.")
        if isinstance(expression, ast.Constant):
            value = expression.value
            if isinstance(value, bool) or value is None or isinstance(value, int | float | str):
                if isinstance(value, float) and not math.isfinite(value):
                    raise self.error(expression, "Numbers must be finite.")
                if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**12:
                    raise self.error(expression, "That number is too large (the limit is 10**12).")
                if isinstance(value, str) and len(value) > 64:
                    raise self.error(expression, "Strings are limited to 64 characters.")
                return value
            raise self.error(expression, f"{type(value).__name__} values are not allowed.")
        if _is_negative_number(expression):
            return -self.literal(expression.operand, depth)
        if isinstance(expression, ast.List | ast.Tuple):
            values = [self.literal(element, depth + 1) for element in expression.elts]
            if _count_leaves(values) > MAX_TENSOR_ELEMENTS:
                raise self.error(expression, f"A literal may hold at most {MAX_TENSOR_ELEMENTS:,} numbers.")
            return values
        raise self.error(
            expression,
            f"Expected a plain value here (a number or a list of numbers), not {_describe_syntax(expression)}.",
        )

    def numeric_literal(self, expression: ast.expr) -> Any:
        """A literal that can become a tensor: a number or a rectangular (nested) list of numbers."""
        value = self.literal(expression)
        if not _is_rectangular_numbers(value):
            raise self.error(
                expression,
                "A tensor value must be a number or a rectangular list of numbers, e.g. [[1, 2], [3, 4]].",
            )
        return value

    def check_fits(self, value: Any, dtype: str, where: ast.AST) -> None:
        """Every number of `value` is representable in `dtype` (TensorFlow refuses, or overflows, otherwise)."""
        limit = DTYPE_LIMITS[dtype]
        for number in _leaves(value):
            if dtype not in FLOAT_DTYPES and isinstance(number, float) and not number.is_integer():
                raise self.error(where, f"{number} is not a whole number, so it cannot be {dtype} "
                                        "(TensorFlow never rounds silently); use a float dtype.")
            if abs(number) > limit:
                raise self.error(where, f"{number:g} does not fit in {dtype} (largest: {limit:g}).")

    # -- dtypes -----------------------------------------------------------------------------
    def default_literal_dtype(self, kind: str) -> str:
        """The dtype a bare literal gets when nothing decides it: float32 in the playground's language."""
        return "float32"

    def node_dtype(self, node: Node) -> str:
        if node.kind in SOURCES:
            return node.dtype
        if node.kind == "gradient":
            return self.dtypes[node.inputs[1]]
        if node.op == "cast":
            return node.attrs["dtype"]
        first = self.dtypes[node.inputs[0]]
        if node.op == "divide" and first not in FLOAT_DTYPES:
            return "float64"  # TensorFlow's true division of integers
        return first

    def unify(self, op: str, inputs: tuple[str, ...], where: ast.AST) -> None:
        """Inputs of one operation share a dtype: bare literals follow the tensors; two different ones are refused."""
        strong = [name for name in inputs if name not in self.weak]
        kinds = sorted({self.dtypes[name] for name in strong})
        if len(kinds) > 1:
            described = ", ".join(f"'{name}' is {self.dtypes[name]}" for name in dict.fromkeys(strong))
            raise self.error(where, f"{op} needs inputs of one dtype, but {described}. TensorFlow never converts "
                                    "dtypes silently: cast one of them (tf.cast in TensorFlow code) or give them the same dtype.")
        if kinds:
            for name in inputs:
                self.resolve(name, kinds[0], where)
        if op in FLOAT_ONLY_OPS:
            for name in inputs:
                self.resolve(name, "float32", where)
                if self.dtypes[name] not in FLOAT_DTYPES:
                    raise self.error(where, f"{op} works on float tensors, but '{name}' is {self.dtypes[name]}; "
                                            "cast it to float32 first (tf.cast in TensorFlow code).")

    def resolve(self, name: str, dtype: str, where: ast.AST) -> None:
        """Fix the dtype of a bare literal (and of operations on only such literals) to `dtype`."""
        kind = self.weak.pop(name, None)
        if kind is None:
            return
        node = self.defined[name]
        if node.kind == "constant":
            if kind == "float" and dtype not in FLOAT_DTYPES:
                raise self.error(where, f"{_literal_text(node.attrs['value'])} is a float, so it cannot join {dtype} "
                                        "tensors (TensorFlow never rounds silently); cast the tensor to a float dtype first.")
            self.check_fits(node.attrs["value"], dtype, where)
            attrs = dict(node.attrs) if dtype == "float32" else {**node.attrs, "dtype": dtype}
            self.replace(dataclasses.replace(node, attrs=attrs))
        else:
            for source in node.inputs:
                self.resolve(source, dtype, where)
        self.dtypes[name] = self.node_dtype(self.defined[name])

    def settle_literals(self) -> None:
        """Literals whose dtype nothing decided get the default one."""
        while self.weak:
            name = next(iter(self.weak))
            node = self.defined[name]
            self.resolve(name, self.default_literal_dtype(self.weak[name]), node)

    def replace(self, node: Node) -> None:
        index = next(i for i, existing in enumerate(self.nodes) if existing.name == node.name)
        self.nodes[index] = node
        self.defined[node.name] = node

    # -- bookkeeping ---------------------------------------------------------------------------
    def check_new_name(self, target: ast.Name) -> str:
        name = target.id
        if name.startswith("_"):
            raise self.error(target, "Names may not start with an underscore.")
        if not NAME_RULE.match(name):
            raise self.error(target, f"'{name}' is not a name TensorFlow accepts: use the letters a–z and A–Z, "
                                     "digits and _ (starting with a letter).")
        if len(name) > MAX_NAME_CHARS:
            raise self.error(target, f"Names are limited to {MAX_NAME_CHARS} characters.")
        if is_function_name(name):
            raise self.error(target, f"'{name}' is the name of a function; choose another name.")
        if name in self.defined:
            raise self.error(
                target,
                f"'{name}' is already defined on line {self.defined[name].line}; each name is one node of the graph, so choose a new name.",
            )
        return name

    def lookup(self, expression: ast.Name) -> str:
        name = expression.id
        if name in self.defined:
            return name
        if is_function_name(name):
            raise self.error(expression, f"'{name}' is a function; call it, e.g. {name}(...).")
        known = list(self.defined)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        so_far = f" Names defined so far: {', '.join(known[:30])}." if known else " Nothing is defined yet."
        raise self.error(expression, f"'{name}' is used before it is defined.{hint}{so_far}")

    def auto_name(self, base: str) -> str:
        while True:
            count = self.auto_counts.get(base, 0) + 1
            self.auto_counts[base] = count
            candidate = base if count == 1 else f"{base}_{count}"
            if candidate not in self.defined and candidate not in self.source_names():
                return candidate

    def source_names(self) -> set[str]:
        # Names the user assigns later must not collide with automatic ones made earlier.
        if self._assigned_names is None:
            tree = ast.parse(self.source)
            self._assigned_names = {
                node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
            }
        return self._assigned_names

    def add_source(self, name: str | None, kind: str, attrs: dict[str, Any], where: ast.AST) -> str:
        named_by_user = name is not None
        name = name or self.auto_name("const" if kind == "constant" else kind)
        return self.add(Node(name, kind, kind, (), attrs, where.lineno, where.col_offset + 1, named_by_user))

    def add_op(self, name: str | None, op: str, inputs: tuple[str, ...], attrs: dict[str, Any], where: ast.AST) -> str:
        self.unify(op, inputs, where)
        named_by_user = name is not None
        name = name or self.auto_name(op)
        created = self.add(Node(name, "op", op, inputs, attrs, where.lineno, where.col_offset + 1, named_by_user))
        if inputs and all(source in self.weak for source in inputs) and op != "cast":
            self.weak[created] = "float" if op == "divide" or any(self.weak[s] == "float" for s in inputs) else "int"
        return created

    def add(self, node: Node) -> str:
        if len(self.nodes) >= MAX_NODES:
            raise ProgramError(f"The graph would have more than {MAX_NODES} nodes.", node.line, node.col)
        self.nodes.append(node)
        self.defined[node.name] = node
        self.dtypes[node.name] = self.node_dtype(node)
        return node.name

    def error(self, where: ast.AST, message: str) -> ProgramError:
        return ProgramError(message, getattr(where, "lineno", 0), getattr(where, "col_offset", -1) + 1)


def _check_options(function: str, options: dict[str, Any], call: ast.Call, parser: Parser) -> None:
    axis = options.get("axis")
    if axis is not None:
        reduce = function.startswith("reduce_")
        axes = options["axis"] = _as_list(axis) if reduce else axis
        axes = axes if isinstance(axes, list) else [axes]
        if (isinstance(options["axis"], list) and not reduce) or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise parser.error(call, f"'axis' of {function} must be a whole number" + (" or a list of them." if reduce else "."))
        if len(axes) > MAX_RANK or any(not -MAX_RANK <= a < MAX_RANK for a in axes):
            raise parser.error(call, f"'axis' of {function} is out of range: tensors here have at most {MAX_RANK} axes.")
    if "keepdims" in options and not isinstance(options["keepdims"], bool):
        raise parser.error(call, "'keepdims' must be True or False.")
    if "name" in options:
        _check_string_name(options, call, parser)
        del options["name"]  # TensorFlow's op name; the graph names the node after your variable
    if function == "reshape":
        if "shape" not in options:
            raise parser.error(call, "reshape needs a shape:  reshape(x, [2, 3]).")
        shape = options["shape"] = _as_list(options["shape"])
        if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in shape):
            raise parser.error(call, "The shape of reshape must be a list of whole numbers (use -1 for 'the rest').")
        if len(shape) > MAX_RANK:
            raise parser.error(call, f"A shape has at most {MAX_RANK} sizes; this one has {len(shape)}.")
        if sum(1 for s in shape if s == -1) > 1 or any(s < -1 or s == 0 for s in shape):
            raise parser.error(call, "A reshape shape has positive sizes and at most one -1.")
        if math.prod(abs(s) for s in shape) > MAX_TENSOR_ELEMENTS:
            raise parser.error(call, f"A tensor may hold at most {MAX_TENSOR_ELEMENTS:,} numbers.")
    if "perm" in options and options["perm"] is not None:
        perm = options["perm"] = _as_list(options["perm"])
        if (not isinstance(perm, list) or len(perm) > MAX_RANK or not all(isinstance(p, int) and not isinstance(p, bool) for p in perm)
                or sorted(perm) != list(range(len(perm)))):
            raise parser.error(call, f"'perm' must list every axis once, e.g. perm=[1, 0] (at most {MAX_RANK} axes).")
    if function == "cast" and "dtype" not in options:
        raise parser.error(call, "cast needs a dtype:  tf.cast(x, tf.float32).")


def _check_shape(shape: Any, where: ast.AST, parser: Parser, allow_none: bool) -> None:
    if not isinstance(shape, list) or len(shape) > MAX_RANK:
        raise parser.error(where, f"A shape is a list of up to {MAX_RANK} sizes, e.g. [3, 2].")
    for size in shape:
        if size is None and allow_none:
            continue
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            extra = " or None (any size)" if allow_none else ""
            raise parser.error(where, f"Each size in a shape must be a positive whole number{extra}; got {size!r}.")
    if math.prod(size for size in shape if size is not None) > MAX_TENSOR_ELEMENTS:
        raise parser.error(where, f"A tensor may hold at most {MAX_TENSOR_ELEMENTS:,} numbers.")


def _check_dtype(dtype: Any, where: ast.AST, parser: Parser) -> None:
    if dtype not in DTYPES:
        raise parser.error(where, f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}.")


def _check_string_name(options: dict[str, Any], where: ast.AST, parser: Parser) -> None:
    if "name" in options and options["name"] is not None and (
        not isinstance(options["name"], str) or not STRING_NAME_RULE.match(options["name"])
    ):
        raise parser.error(where, "A name= option is up to 64 letters, digits, _ . or - (starting with a letter or digit).")


def _unknown_function_message(function: str) -> str:
    dangerous = {"__import__", "eval", "exec", "open", "compile", "getattr", "globals", "locals", "input"}
    if function in dangerous or function.startswith("__"):
        return f"'{function}' is not available: programs can only build TensorFlow graphs. Available: {', '.join(available_names())}."
    close = difflib.get_close_matches(function, available_names(), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"'{function}' is not a known function.{hint} Available: {', '.join(available_names())}."


def _describe_syntax(node: ast.AST) -> str:
    names = {
        "Import": "an import",
        "ImportFrom": "an import",
        "FunctionDef": "a function definition",
        "AsyncFunctionDef": "a function definition",
        "ClassDef": "a class definition",
        "Lambda": "a lambda",
        "ListComp": "a list comprehension",
        "SetComp": "a set comprehension",
        "DictComp": "a dict comprehension",
        "GeneratorExp": "a generator expression",
        "Attribute": "attribute access",
        "Subscript": "indexing",
        "Expr": "a bare expression (assign it to a name)",
        "For": "a loop",
        "AsyncFor": "a loop",
        "While": "a loop",
        "If": "an if statement",
        "With": "a with block",
        "AsyncWith": "a with block",
        "Try": "try/except",
        "Raise": "raise",
        "Assert": "assert",
        "Delete": "del",
        "Global": "global",
        "Nonlocal": "nonlocal",
        "Return": "return",
        "AugAssign": "an augmented assignment (+=)",
        "AnnAssign": "an annotated assignment",
        "Dict": "a dict",
        "Set": "a set",
        "JoinedStr": "an f-string",
        "Compare": "a comparison",
        "BoolOp": "and/or",
        "IfExp": "a conditional expression",
        "Await": "await",
        "Yield": "yield",
        "NamedExpr": "the := operator",
        "Starred": "unpacking (*)",
        "Slice": "a slice",
        "BinOp": "arithmetic",
        "UnaryOp": "an operator",
        "Call": "a function call",
        "Name": "a name",
        "Mod": "%",
        "FloorDiv": "//",
        "BitAnd": "&",
        "BitOr": "|",
        "BitXor": "^",
        "LShift": "<<",
        "RShift": ">>",
    }
    return names.get(type(node).__name__, type(node).__name__)


def _is_call_to(expression: ast.expr, function: str) -> bool:
    return isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name) and expression.func.id == function


def _is_negative_number(expression: ast.expr) -> bool:
    return (
        isinstance(expression, ast.UnaryOp)
        and isinstance(expression.op, ast.USub)
        and isinstance(expression.operand, ast.Constant)
        and isinstance(expression.operand.value, int | float)
        and not isinstance(expression.operand.value, bool)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_list(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _is_rectangular_numbers(value: Any) -> bool:
    if _is_number(value):
        return True
    if not isinstance(value, list) or not value:
        return False
    if all(_is_number(element) for element in value):
        return True
    if not all(isinstance(element, list) for element in value):
        return False
    first_shape = _shape_of(value[0])
    return all(_is_rectangular_numbers(element) and _shape_of(element) == first_shape for element in value)


def _shape_of(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        return (len(value), *(_shape_of(value[0]) if value else ()))
    return ()


def _count_leaves(value: Any) -> int:
    if isinstance(value, list):
        return sum(_count_leaves(element) for element in value)
    return 1


def _leaves(value: Any):
    if isinstance(value, list):
        for element in value:
            yield from _leaves(element)
    elif _is_number(value):
        yield value


def _has_float(value: Any) -> bool:
    return any(isinstance(number, float) for number in _leaves(value))


def _literal_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"

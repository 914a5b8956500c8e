"""The little graph language a user types, parsed with `ast` against a whitelist.

A program is a list of assignments such as ``y = relu(x @ W + b)``. It is never executed as
Python: `parse` walks the syntax tree, accepts only the forms listed here, and turns them into
a `Program` — a list of `Node`s (placeholders, variables, constants, operations, gradients)
that `dlviz.compgraph` can run with TensorFlow.
"""

from __future__ import annotations

import ast
import difflib
import math
from dataclasses import dataclass, field
from typing import Any

MAX_PROGRAM_CHARS = 5_000
MAX_STATEMENTS = 60
MAX_NODES = 300
MAX_TENSOR_ELEMENTS = 100_000
MAX_LITERAL_DEPTH = 5


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

INITIALIZERS: dict[str, tuple[str, ...]] = {
    "zeros": ("shape",),
    "ones": ("shape",),
    "fill": ("shape", "value"),
    "random_normal": ("shape", "mean", "stddev", "seed"),
    "random_uniform": ("shape", "minval", "maxval", "seed"),
}

SOURCES = ("placeholder", "variable", "constant")
GRADIENT = "grad"
DTYPES = ("float32", "float64", "int32")

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
    op: str  # "placeholder", "variable", "constant", an OPS name, or "grad"
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


@dataclass
class Program:
    """A parsed program: nodes in the order they are computed, plus the source text."""

    nodes: list[Node]
    source: str = ""

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


def available_names() -> list[str]:
    """Every function name a program may call, for help texts and error messages."""
    return sorted([*SOURCES, GRADIENT, *OPS, *INITIALIZERS])


def parse(text: str) -> Program:
    """Turn program text into a `Program`, refusing anything outside the whitelist."""
    if len(text) > MAX_PROGRAM_CHARS:
        raise ProgramError(
            f"The program is {len(text):,} characters long; the limit is {MAX_PROGRAM_CHARS:,}."
        )
    if not text.strip():
        raise ProgramError("The program is empty. Start with a line like  a = constant([1, 2, 3])")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as error:
        raise ProgramError(
            f"This is not valid syntax ({error.msg}).", error.lineno or 0, (error.offset or 0)
        ) from None
    return _Parser(text).program(tree)


class _Parser:
    """Walks an `ast.Module` and builds nodes; one instance per parse."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: list[Node] = []
        self.defined: dict[str, Node] = {}
        self.auto_counts: dict[str, int] = {}

    # -- statements -------------------------------------------------------------------------
    def program(self, tree: ast.Module) -> Program:
        if len(tree.body) > MAX_STATEMENTS:
            raise ProgramError(f"The program has {len(tree.body)} lines; the limit is {MAX_STATEMENTS}.")
        for statement in tree.body:
            self.statement(statement)
        if not self.nodes:
            raise ProgramError("The program defines no nodes.")
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
            self.assign_gradients(target, statement.value)
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

    def assign_gradients(self, target: ast.Tuple, value: ast.expr) -> None:
        if not _is_call_to(value, GRADIENT):
            raise self.error(target, "Several names on the left are only for  dW, db = grad(loss, [W, b]).")
        names = [self.check_new_name(element) for element in target.elts]
        if len(set(names)) != len(names):
            raise self.error(target, "Each name on the left must be different.")
        of, sources = self.gradient_sources(value)
        if len(sources) != len(names):
            raise self.error(
                target,
                f"grad(...) gives {len(sources)} gradient(s) but there are {len(names)} names on the left.",
            )
        for name, source in zip(names, sources):
            self.add_gradient(name, of, source, target)

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

    def add_gradient(self, name: str, of: str, source: str, target: ast.AST) -> None:
        self.add(
            Node(
                name,
                "gradient",
                GRADIENT,
                (of, source),
                {},
                target.lineno,
                target.col_offset + 1,
            )
        )

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
            return self.add_op(name, "identity_alias", (source,), {}, expression)
        if isinstance(expression, ast.Constant | ast.List | ast.Tuple) or _is_negative_number(expression):
            value = self.numeric_literal(expression)
            return self.add_source(name, "constant", {"value": value}, expression)
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

    def call(self, call: ast.Call, name: str | None) -> str:
        function = self.function_name(call)
        if function in SOURCES:
            return self.source_call(function, call, name)
        if function in INITIALIZERS:
            return self.add_source(name, "constant", {"init": self.initializer(call)}, call)
        if function == GRADIENT:
            raise self.error(call, "grad(...) must stand alone on the right:  dW, db = grad(loss, [W, b]).")
        spec = OPS[function]
        options = self.options(call, spec.options, function)
        if spec.tensor_args == -1:
            if len(call.args) != 1 or not isinstance(call.args[0], ast.List | ast.Tuple):
                raise self.error(call, f"{function} takes a list of tensors:  {function}([a, b], axis=0).")
            inputs = tuple(self.expression(element) for element in call.args[0].elts)
            if len(inputs) < 1:
                raise self.error(call, f"{function} needs at least one tensor.")
        else:
            positional = list(call.args)
            if len(positional) < spec.tensor_args:
                raise self.error(call, f"{function} takes {spec.tensor_args} tensor(s); got {len(positional)}.")
            extra = positional[spec.tensor_args :]
            if len(extra) > len(spec.options):
                raise self.error(call, f"{function} takes at most {spec.tensor_args + len(spec.options)} arguments.")
            for option, value in zip(spec.options, extra):
                if option in options:
                    raise self.error(call, f"{function} got '{option}' twice.")
                options[option] = self.literal(value)
            inputs = tuple(self.expression(argument) for argument in positional[: spec.tensor_args])
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
        if function not in OPS and function not in INITIALIZERS and function not in SOURCES and function != GRADIENT:
            raise self.error(call.func, _unknown_function_message(function))
        if any(isinstance(argument, ast.Starred) for argument in call.args) or any(
            keyword.arg is None for keyword in call.keywords
        ):
            raise self.error(call, "Argument unpacking (* or **) is not allowed.")
        return function

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
            _check_shape(options["shape"], call, self, allow_none=True)
            _check_dtype(options.get("dtype", "float32"), call, self)
            return self.add_source(name, "placeholder", options, call)
        options = self.options(call, ("dtype", "name", "trainable") if function == "variable" else ("dtype", "name"), function)
        if len(call.args) != 1:
            raise self.error(call, f"{function} takes one initial value, e.g. {function}(zeros([2])) or {function}([1, 2]).")
        (argument,) = call.args
        if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id in INITIALIZERS:
            options["init"] = self.initializer(argument)
        else:
            options["value"] = self.numeric_literal(argument)
        _check_dtype(options.get("dtype", "float32"), call, self)
        return self.add_source(name, function, options, call)

    def initializer(self, call: ast.Call) -> dict[str, Any]:
        function = self.function_name(call)
        if function not in INITIALIZERS:
            raise self.error(call, f"Expected an initializer ({', '.join(INITIALIZERS)}), not {function}.")
        allowed = INITIALIZERS[function]
        options = self.options(call, allowed, function)
        if len(call.args) > len(allowed):
            raise self.error(call, f"{function} takes at most {len(allowed)} arguments.")
        for option, value in zip(allowed, call.args):
            if option in options:
                raise self.error(call, f"{function} got '{option}' twice.")
            options[option] = self.literal(value)
        if "shape" not in options:
            raise self.error(call, f"{function} needs a shape, e.g. {function}([3, 2]).")
        _check_shape(options["shape"], call, self, allow_none=False)
        if function == "fill" and "value" not in options:
            raise self.error(call, "fill needs a value:  fill([2, 2], 7).")
        for key in ("mean", "stddev", "minval", "maxval", "value"):
            if key in options and not _is_number(options[key]):
                raise self.error(call, f"'{key}' of {function} must be a number.")
        if "seed" in options and not isinstance(options["seed"], int):
            raise self.error(call, f"The seed of {function} must be a whole number.")
        return {"function": function, **options}

    def options(self, call: ast.Call, allowed: tuple[str, ...], function: str) -> dict[str, Any]:
        options: dict[str, Any] = {}
        for keyword in call.keywords:
            if keyword.arg not in allowed:
                hint = f" It accepts: {', '.join(allowed)}." if allowed else " It takes no keyword options."
                raise self.error(keyword.value, f"{function} has no option '{keyword.arg}'.{hint}")
            if keyword.arg in options:
                raise self.error(keyword.value, f"'{keyword.arg}' is given twice.")
            options[keyword.arg] = self.literal(keyword.value)
        return options

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
                    raise self.error(expression, "That number is too large.")
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

    # -- bookkeeping ---------------------------------------------------------------------------
    def check_new_name(self, target: ast.Name) -> str:
        name = target.id
        if name.startswith("_"):
            raise self.error(target, "Names may not start with an underscore.")
        if name in OPS or name in INITIALIZERS or name in SOURCES or name == GRADIENT:
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
        if name in OPS or name in INITIALIZERS or name in SOURCES or name == GRADIENT:
            raise self.error(expression, f"'{name}' is a function; call it, e.g. {name}(...).")
        known = list(self.defined)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        so_far = f" Names defined so far: {', '.join(known)}." if known else " Nothing is defined yet."
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
        if not hasattr(self, "_assigned_names"):
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
        named_by_user = name is not None
        if op == "identity_alias":
            op = "identity"
        name = name or self.auto_name(op)
        return self.add(Node(name, "op", op, inputs, attrs, where.lineno, where.col_offset + 1, named_by_user))

    def add(self, node: Node) -> str:
        if len(self.nodes) >= MAX_NODES:
            raise ProgramError(f"The graph would have more than {MAX_NODES} nodes.", node.line, node.col)
        self.nodes.append(node)
        self.defined[node.name] = node
        return node.name

    def error(self, where: ast.AST, message: str) -> ProgramError:
        return ProgramError(message, getattr(where, "lineno", 0), getattr(where, "col_offset", -1) + 1)


def _check_options(function: str, options: dict[str, Any], call: ast.Call, parser: _Parser) -> None:
    axis = options.get("axis")
    if axis is not None and not isinstance(axis, int) and not (
        isinstance(axis, list) and all(isinstance(a, int) for a in axis)
    ):
        raise parser.error(call, f"'axis' of {function} must be a whole number or a list of them.")
    if "keepdims" in options and not isinstance(options["keepdims"], bool):
        raise parser.error(call, "'keepdims' must be True or False.")
    if function == "reshape":
        if "shape" not in options:
            raise parser.error(call, "reshape needs a shape:  reshape(x, [2, 3]).")
        shape = options["shape"]
        if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in shape):
            raise parser.error(call, "The shape of reshape must be a list of whole numbers (use -1 for 'the rest').")
        if sum(1 for s in shape if s == -1) > 1 or any(s < -1 or s == 0 for s in shape):
            raise parser.error(call, "A reshape shape has positive sizes and at most one -1.")
        if math.prod(abs(s) for s in shape) > MAX_TENSOR_ELEMENTS:
            raise parser.error(call, f"A tensor may hold at most {MAX_TENSOR_ELEMENTS:,} numbers.")
    if "perm" in options and options["perm"] is not None:
        perm = options["perm"]
        if not isinstance(perm, list) or sorted(perm) != list(range(len(perm))):
            raise parser.error(call, "'perm' must list every axis once, e.g. perm=[1, 0].")


def _check_shape(shape: Any, where: ast.AST, parser: _Parser, allow_none: bool) -> None:
    if not isinstance(shape, list) or len(shape) > 6:
        raise parser.error(where, "A shape is a list of up to 6 sizes, e.g. [3, 2].")
    for size in shape:
        if size is None and allow_none:
            continue
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            extra = " or None (any size)" if allow_none else ""
            raise parser.error(where, f"Each size in a shape must be a positive whole number{extra}; got {size!r}.")
    if math.prod(size for size in shape if size is not None) > MAX_TENSOR_ELEMENTS:
        raise parser.error(where, f"A tensor may hold at most {MAX_TENSOR_ELEMENTS:,} numbers.")


def _check_dtype(dtype: Any, where: ast.AST, parser: _Parser) -> None:
    if dtype not in DTYPES:
        raise parser.error(where, f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}.")


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
        "While": "a loop",
        "If": "an if statement",
        "With": "a with block",
        "AugAssign": "an augmented assignment (+=)",
        "Dict": "a dict",
        "Set": "a set",
        "JoinedStr": "an f-string",
        "Compare": "a comparison",
        "BoolOp": "and/or",
        "IfExp": "a conditional expression",
        "Await": "await",
        "NamedExpr": "the := operator",
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

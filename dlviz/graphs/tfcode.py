"""Reading TensorFlow's own Python — the code in the notes and in tutorials — onto the same `Program`.

The text is parsed with `ast` and never executed: `import tensorflow as tf` binds a name the reader
knows, `tf.multiply(a, b)` becomes the same multiply node as ``a * b`` in the playground's own
language, `with tf.compat.v1.Session() as sess: sess.run(c, feed_dict={...})` selects the TF1
session mode and its feeds, `with tf.GradientTape() as tape: … tape.gradient(loss, [W, b])`
becomes gradient nodes, and a `@tf.function` of straight-line code is drawn where it is called.
TensorFlow's own rules are checked as it would apply them (a tape only sees what happens inside
its block, a TF1 session starts with uninitialised variables, dtypes never mix), so what the page
shows is what TensorFlow would do. Anything else is refused with the line, the column and the
nearest supported form.
"""

from __future__ import annotations

import ast
import difflib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlviz.graphs import language
from dlviz.graphs.language import (
    DTYPES,
    FLOAT_DTYPES,
    MAX_TENSOR_ELEMENTS,
    NAME_RULE,
    Node,
    Note,
    Printed,
    Program,
    _as_list,
    _check_shape,
    _describe_syntax,
    _has_float,
    _is_number,
    _shape_of,
)

MAX_CALL_DEPTH = 4  # a function may call functions defined above it, this many levels deep


@dataclass(frozen=True)
class TfName:
    """A name under `tf.` the reader understands: what it becomes, and where TensorFlow 2 keeps it."""

    kind: str  # op, constant, convert, variable, placeholder, init, session, initializer, eager, graph, tape, gradients, function, seed, dtype
    target: str = ""  # the op, initializer or dtype it stands for
    v2: bool = True  # exists as tf.<name> in TensorFlow 2
    v1: bool = True  # exists as tf.compat.v1.<name>
    tf2: str = ""  # TensorFlow 2's name for a name it moved or removed


def _table() -> dict[str, TfName]:
    ops = {
        "add": ["add", "math.add"], "subtract": ["subtract", "math.subtract"], "multiply": ["multiply", "math.multiply"],
        "divide": ["divide", "math.divide"], "matmul": ["matmul", "linalg.matmul"], "maximum": ["maximum", "math.maximum"],
        "minimum": ["minimum", "math.minimum"], "pow": ["pow", "math.pow"], "negative": ["negative", "math.negative"],
        "abs": ["abs", "math.abs"], "relu": ["nn.relu"], "sigmoid": ["sigmoid", "math.sigmoid", "nn.sigmoid"],
        "tanh": ["tanh", "math.tanh", "nn.tanh"], "softmax": ["nn.softmax", "math.softmax"], "exp": ["exp", "math.exp"],
        "log": ["math.log"], "square": ["square", "math.square"], "sqrt": ["sqrt", "math.sqrt"],
        "reduce_sum": ["reduce_sum", "math.reduce_sum"], "reduce_mean": ["reduce_mean", "math.reduce_mean"],
        "reduce_max": ["reduce_max", "math.reduce_max"], "transpose": ["transpose"], "reshape": ["reshape"],
        "concat": ["concat"], "cast": ["cast"], "identity": ["identity"],
    }
    table = {path: TfName("op", op) for op, paths in ops.items() for path in paths}
    table.update({
        "log": TfName("op", "log", v2=False, tf2="tf.math.log"),
        "constant": TfName("constant"), "convert_to_tensor": TfName("convert"), "Variable": TfName("variable"),
        "placeholder": TfName("placeholder", v2=False, tf2="tf.compat.v1.placeholder"),
        "zeros": TfName("init", "zeros"), "ones": TfName("init", "ones"), "fill": TfName("init", "fill"),
        "random.normal": TfName("init", "random_normal"), "random.uniform": TfName("init", "random_uniform"),
        "random.truncated_normal": TfName("init", "truncated_normal"),
        "random_normal": TfName("init", "random_normal", v2=False, tf2="tf.random.normal"),
        "random_uniform": TfName("init", "random_uniform", v2=False, tf2="tf.random.uniform"),
        "truncated_normal": TfName("init", "truncated_normal", v2=False, tf2="tf.random.truncated_normal"),
        "Session": TfName("session", v2=False, tf2="tf.compat.v1.Session"),
        "InteractiveSession": TfName("session", v2=False, tf2="tf.compat.v1.InteractiveSession"),
        "global_variables_initializer": TfName("initializer", v2=False, tf2="tf.compat.v1.global_variables_initializer"),
        "initialize_all_variables": TfName("initializer", v2=False, tf2="tf.compat.v1.global_variables_initializer"),
        "enable_eager_execution": TfName("eager", v2=False, tf2="tf.compat.v1.enable_eager_execution"),
        "disable_eager_execution": TfName("graph", v2=False, tf2="tf.compat.v1.disable_eager_execution"),
        "disable_v2_behavior": TfName("graph", v2=False, tf2="tf.compat.v1.disable_v2_behavior"),
        "GradientTape": TfName("tape"), "gradients": TfName("gradients"), "function": TfName("function"),
        "random.set_seed": TfName("seed", v1=False), "set_random_seed": TfName("seed", v2=False, tf2="tf.random.set_seed"),
    })
    for dtype in DTYPES:
        table[dtype] = table[f"dtypes.{dtype}"] = TfName("dtype", dtype)
    return table


TF_NAMES = _table()
NUMPY_FUNCTIONS = ("array", "asarray", "zeros", "ones", "full", "arange", "linspace", "eye", *DTYPES)
# Parts of TensorFlow and NumPy that reach outside a graph: files, Python code, the network, models.
OUTSIDE = ("io", "gfile", "py_function", "numpy_function", "py_func", "raw_ops", "saved_model", "keras", "data",
           "summary", "debugging", "load_op_library", "load_library", "train", "distribute", "lite", "config",
           "experimental", "autograph", "estimator", "strings", "print", "sysconfig", "load", "save", "savez",
           "savez_compressed", "fromfile", "tofile", "loadtxt", "savetxt", "genfromtxt", "memmap", "ctypeslib",
           "lib", "frombuffer", "fromregex", "random")
TENSOR_PARAMETERS = {
    "matmul": ("a", "b"), "relu": ("features",), "softmax": ("logits",), "transpose": ("a",), "reshape": ("tensor",),
    "concat": ("values",), "identity": ("input",), "reduce_sum": ("input_tensor",), "reduce_mean": ("input_tensor",),
    "reduce_max": ("input_tensor",),
}
TF_INITIALIZER_ARGUMENTS = {
    "zeros": ("shape", "dtype", "name"), "ones": ("shape", "dtype", "name"), "fill": ("shape", "value", "name"),
    "random_normal": ("shape", "mean", "stddev", "dtype", "seed", "name"),
    "random_uniform": ("shape", "minval", "maxval", "dtype", "seed", "name"),
    "truncated_normal": ("shape", "mean", "stddev", "dtype", "seed", "name"),
}
REFUSED_STATEMENTS = {
    "For": "Loops are not read here: the playground draws straight-line code, one node per step. Write each step on its own line.",
    "While": "Loops are not read here: the playground draws straight-line code, one node per step. Write each step on its own line.",
    "If": "Conditionals are not read here: the graph has one path. Keep the branch you want to see.",
    "ClassDef": "Classes are not read here; write the computation as assignments, or as a @tf.function of straight-line code.",
    "Try": "try/except is not read here; the page reports every mistake itself.",
}


@dataclass
class _Session:
    name: str
    line: int
    initialised: set[str] = field(default_factory=set)
    closed: bool = False


@dataclass
class _Tape:
    name: str
    persistent: bool
    recorded: set[str] = field(default_factory=set)
    watched: set[str] = field(default_factory=set)
    used: int = 0
    active: bool = True


@dataclass
class _Function:
    name: str
    definition: ast.FunctionDef
    parameters: list[str]
    compiled: bool  # decorated with @tf.function
    calls: int = 0


@dataclass
class _Frame:
    function: _Function
    prefix: str
    locals: dict[str, str]
    tapes: list[str] = field(default_factory=list)


class Reader(language.Parser):
    """The playground's language plus TensorFlow's own Python, onto one `Program`."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.modules: dict[str, str] = {}
        self.sessions: dict[str, _Session] = {}
        self.default_session: _Session | None = None
        self.tapes: dict[str, _Tape] = {}
        self.initializers: dict[str, frozenset[str]] = {}
        self.functions: dict[str, _Function] = {}
        self.frames: list[_Frame] = []
        self.requested_mode: tuple[str, ast.AST] | None = None
        self.graph_code: tuple[str, ast.AST] | None = None  # the first TF1 graph construct (placeholder, Session…)
        self.numpy_calls: list[ast.AST] = []
        self.feeds: dict[str, np.ndarray] = {}
        self.feed_lines: dict[str, int] = {}
        self.outputs: list[Printed] = []
        self.notes: list[Note] = []
        self.fetched: set[str] = set()  # names that hold NumPy values in the user's program (sess.run, .numpy())
        self.random_seeds: dict[tuple[str, int], int] = {}
        self.global_seed: int | None = None
        self.last_statement: ast.stmt | None = None

    # -- the whole program --------------------------------------------------------------------
    def program(self, tree: ast.Module) -> Program:
        self.last_statement = tree.body[-1] if tree.body else None
        for statement in tree.body:
            self.statement(statement)
        if not self.nodes:
            raise language.ProgramError("The program defines no tensors: add a line such as  a = tf.constant([1, 2, 3])")
        self.settle_literals()
        return self.finish()

    @property
    def tensorflow_style(self) -> bool:
        return bool(self.modules)

    def default_literal_dtype(self, kind: str) -> str:
        if not self.tensorflow_style:
            return "float32"
        return "int32" if kind == "int" else "float32"

    def finish(self) -> Program:
        mode = None
        if self.requested_mode and self.requested_mode[0] == "eager" and self.graph_code:
            raise self.error(self.graph_code[1], f"This program turns eager execution on, but {self.graph_code[0]} is TF1 graph code, "
                                                 "which needs eager execution off. Keep one of the two.")
        if self.graph_code or (self.requested_mode and self.requested_mode[0] == "session"):
            mode = "session"
        elif any(function.compiled and function.calls for function in self.functions.values()):
            mode = "graph"
        elif self.tensorflow_style:
            mode = "eager"
        if mode == "session" and self.numpy_calls:
            reason = self.graph_code[0] if self.graph_code else "eager execution is turned off"
            raise self.error(self.numpy_calls[0], f".numpy() works only in eager mode, but this is TF1 graph code ({reason}): "
                                                  "tensors get values when a session runs them, so write sess.run(x).")
        if mode == "session" and self.graph_code and not self.requested_mode:
            self.note(self.graph_code[1], "TensorFlow 2 runs eagerly: to run this TF1 graph code there, start with "
                                          "tf.compat.v1.disable_eager_execution(). The playground runs it as a TF1 graph in a session.")
        for node in self.nodes:
            if node.kind == "placeholder" and node.name not in self.feeds and self.tensorflow_style:
                self.note(node, f"Placeholder '{node.name}' is never fed in the text; its value comes from the Feeds panel.")
        for function in self.functions.values():
            if not function.calls:
                self.note(function.definition, f"{function.name} is defined but never called, so none of it is in the graph.")
        return Program(self.nodes, self.source, mode, dict(self.feeds), list(self.outputs), list(self.notes), self.global_seed)

    def note(self, where: Any, text: str) -> None:
        line = getattr(where, "line", None) or getattr(where, "lineno", 0)
        if all(note.text != text for note in self.notes):
            self.notes.append(Note(line, text))

    # -- statements -----------------------------------------------------------------------------
    def statement(self, statement: ast.stmt) -> None:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            self.import_statement(statement)
        elif isinstance(statement, ast.With):
            self.with_statement(statement)
        elif isinstance(statement, ast.FunctionDef):
            self.define(statement)
        elif isinstance(statement, ast.Expr):
            self.bare_expression(statement)
        elif isinstance(statement, ast.Pass):
            return
        elif isinstance(statement, ast.Return):
            raise self.error(statement, "return belongs on the last line of a function body.")
        elif isinstance(statement, ast.Assign):
            super().statement(statement)
        elif type(statement).__name__ in REFUSED_STATEMENTS:
            raise self.error(statement, REFUSED_STATEMENTS[type(statement).__name__])
        else:
            raise self.error(statement, f"{_describe_syntax(statement).capitalize()} is not read here. The playground reads "
                                        "assignments, print(...), imports of tensorflow and numpy, with-blocks for a Session "
                                        "or a GradientTape, and @tf.function definitions.")

    def import_statement(self, statement: ast.Import | ast.ImportFrom) -> None:
        if self.frames:
            raise self.error(statement, "Import at the top of the program, not inside a function.")
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name in ("tensorflow", "numpy", "tensorflow.compat.v1"):
                    bound = alias.asname or alias.name.split(".")[0]
                    self.bind_module(bound, alias.name if alias.asname else alias.name.split(".")[0], statement)
                elif alias.name == "keras":
                    self.bind_module(alias.asname or "keras", "keras", statement)
                else:
                    raise self.error(statement, f"Only TensorFlow and NumPy can be imported here (import tensorflow as tf, "
                                                f"import numpy as np), not '{alias.name}'.")
            return
        names = [(alias.name, alias.asname or alias.name) for alias in statement.names]
        if statement.module == "__future__":
            return  # print_function and friends: Python 3 already behaves so
        if statement.module == "tensorflow" and all(name == "keras" for name, _ in names):
            for _, bound in names:
                self.bind_module(bound, "keras", statement)
            return
        if statement.module == "tensorflow.compat" and all(name == "v1" for name, _ in names):
            for _, bound in names:
                self.bind_module(bound, "tensorflow.compat.v1", statement)
            return
        raise self.error(statement, f"'from {statement.module} import …' is not read here; write import tensorflow as tf "
                                    "or import numpy as np.")

    def bind_module(self, name: str, module: str, where: ast.AST) -> None:
        if name in self.defined or name in self.functions:
            raise self.error(where, f"'{name}' is already a name in this program.")
        self.modules[name] = module
        if module == "keras":
            self.note(where, "Keras is imported but not read here: build Keras models on the 'Build & train a CNN' page.")

    def with_statement(self, statement: ast.With) -> None:
        if len(statement.items) != 1:
            raise self.error(statement, "Open one block per with-statement.")
        item = statement.items[0]
        expression, bound = item.context_expr, item.optional_vars
        entry = self.tf_entry(expression.func) if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute) else None
        if bound is not None and not isinstance(bound, ast.Name):
            raise self.error(bound, "Write  with … as name:  with a single name.")
        if entry is not None and entry.kind == "session":
            session = self.open_session(expression, bound.id if bound else "", statement)
            previous, self.default_session = self.default_session, session
            self.block(statement.body)
            self.default_session, session.closed = previous, True
            return
        if entry is not None and entry.kind == "tape":
            if bound is None:
                raise self.error(statement, "Name the tape:  with tf.GradientTape() as tape:")
            tape = self.open_tape(expression, bound)
            self.block(statement.body)
            tape.active = False
            return
        raise self.error(statement, "Only  with tf.compat.v1.Session() as sess:  and  with tf.GradientTape() as tape:  "
                                    "blocks are read here.")

    def block(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def open_session(self, call: ast.Call, name: str, where: ast.AST) -> _Session:
        if self.frames:
            raise self.error(call, "Open sessions outside functions.")
        if call.args or call.keywords:
            raise self.error(call, "Open the session without arguments: tf.compat.v1.Session().")
        self.mark_graph_code("a Session", call)
        session = _Session(name, call.lineno)
        if name:
            self.bind_name(name, where)
            self.sessions[name] = session
        return session

    def open_tape(self, call: ast.Call, bound: ast.Name) -> _Tape:
        persistent = False
        if call.args:
            raise self.error(call, "Write  tf.GradientTape()  or  tf.GradientTape(persistent=True).")
        for keyword in call.keywords:
            if keyword.arg != "persistent" or not isinstance(keyword.value, ast.Constant) or not isinstance(keyword.value.value, bool):
                raise self.error(call, "GradientTape takes only persistent=True or False here.")
            persistent = keyword.value.value
        self.bind_name(bound.id, bound)
        tape = self.tapes[bound.id] = _Tape(bound.id, persistent)
        if self.frames:
            self.frames[-1].tapes.append(bound.id)  # a tape lives as long as one call of its function
        return tape

    # -- functions ----------------------------------------------------------------------------
    def define(self, definition: ast.FunctionDef) -> None:
        if self.frames:
            raise self.error(definition, "Define functions at the top level, not inside another function.")
        compiled = False
        for decorator in definition.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            entry = self.tf_entry(target) if isinstance(target, ast.Attribute) else None
            if entry is None or entry.kind != "function":
                raise self.error(decorator, "The only decorator read here is @tf.function.")
            if isinstance(decorator, ast.Call) and (decorator.args or decorator.keywords):
                raise self.error(decorator, "Write @tf.function without options here; the 'tf.function tracing' tab shows "
                                            "what input_signature changes.")
            compiled = True
        arguments = definition.args
        if arguments.posonlyargs or arguments.kwonlyargs or arguments.vararg or arguments.kwarg or arguments.defaults:
            raise self.error(definition, "Functions here take plain parameters:  def f(x, W):  (no defaults, * or **).")
        parameters = [argument.arg for argument in arguments.args]
        for parameter in parameters:
            if not NAME_RULE.match(parameter) or parameter in self.modules:
                raise self.error(definition, f"'{parameter}' cannot be a parameter name here.")
        if len(set(parameters)) != len(parameters):
            raise self.error(definition, "Each parameter needs its own name.")
        body = [statement for statement in definition.body
                if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str))]
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            raise self.error(definition, f"End {definition.name} with  return <tensor>  (straight-line code: assignments, then return).")
        self.check_body(definition)
        self.bind_name(definition.name, definition)
        self.functions[definition.name] = _Function(definition.name, definition, parameters, compiled)

    def check_body(self, definition: ast.FunctionDef) -> None:
        """Refuse what a function body may not hold before it is ever called (it is read only where it is called)."""
        for node in ast.walk(definition):
            if node is definition:
                continue
            if isinstance(node, ast.stmt) and not isinstance(node, ast.Assign | ast.Return | ast.With | ast.Expr | ast.Pass):
                raise self.error(node, REFUSED_STATEMENTS.get(type(node).__name__) or (
                    f"{_describe_syntax(node).capitalize()} is not read inside a function: functions here are straight-line "
                    "code (assignments, then return)."))
            if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.NamedExpr
                          | ast.Await | ast.Yield | ast.YieldFrom):
                raise self.error(node, f"{_describe_syntax(node).capitalize()} is not read here.")
            if isinstance(node, ast.Attribute):
                self.dotted(node)  # refuses names starting with _
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    if func.id == definition.name:
                        raise self.error(func, f"{func.id} calls itself; the playground draws straight-line code only.")
                    if func.id not in self.functions and func.id != "print" and not language.is_function_name(func.id):
                        raise self.error(func, self.unknown_function(func.id))
                elif isinstance(func, ast.Attribute):
                    path = self.dotted(func)
                    module = self.modules.get(path[0]) if path else None
                    if module == "numpy" and ".".join(path[1:]) not in NUMPY_FUNCTIONS:
                        self.numpy_call(path, node, None)  # raises NumPy's refusal
                    elif module == "keras":
                        raise self.error(func, "Keras is not read here; build Keras models on the 'Build & train a CNN' page.")
                    elif module is not None:
                        self.tf_entry(func)  # raises for anything TensorFlow offers that is not read here
                else:
                    raise self.error(node, f"{_describe_syntax(func).capitalize()} cannot be called here.")

    def inline(self, call: ast.Call, function: _Function) -> list[str]:
        """A call of a function defined above: its body's nodes, named  f/…  in the graph; its results."""
        if len(self.frames) >= MAX_CALL_DEPTH:
            raise self.error(call, f"Functions may call each other at most {MAX_CALL_DEPTH} levels deep.")
        if any(frame.function is function for frame in self.frames):
            raise self.error(call, f"{function.name} calls itself; the playground draws straight-line code only.")
        self.check_no_unpacking(call)
        if len(call.args) > len(function.parameters):
            raise self.error(call, f"{function.name} takes {len(function.parameters)} argument(s); got {len(call.args)}.")
        given: dict[str, ast.expr] = dict(zip(function.parameters, call.args))
        for keyword in call.keywords:
            if keyword.arg not in function.parameters or keyword.arg in given:
                raise self.error(keyword.value, f"{function.name} has no (other) parameter '{keyword.arg}'.")
            given[keyword.arg] = keyword.value
        missing = [parameter for parameter in function.parameters if parameter not in given]
        if missing:
            raise self.error(call, f"{function.name} needs a value for {', '.join(missing)}.")
        bound = {parameter: self.expression(given[parameter]) for parameter in function.parameters}
        function.calls += 1
        prefix, count = function.name, 1
        while any(name.startswith(prefix + "/") for name in self.defined):
            count += 1
            prefix = f"{function.name}_{count}"
        self.frames.append(_Frame(function, prefix, bound))
        try:
            body = [statement for statement in function.definition.body if not (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str))]
            for statement in body[:-1]:
                self.statement(statement)
            returned = body[-1].value
            elements = returned.elts if isinstance(returned, ast.Tuple) else [returned]
            return [self.expression(element) for element in elements]
        finally:
            for tape in self.frames.pop().tapes:
                self.tapes.pop(tape, None)

    # -- names ----------------------------------------------------------------------------------
    def bind_name(self, name: str, where: ast.AST) -> None:
        """A Python name that is not a tensor (a session, a tape, an initializer, a function)."""
        if not NAME_RULE.match(name):
            raise self.error(where, f"'{name}' is not a name read here: use letters, digits and _.")
        if self.is_taken(name):
            raise self.error(where, f"'{name}' is already a name in this program; choose a new one.")

    def is_taken(self, name: str) -> bool:
        return (name in self.defined or name in self.modules or name in self.sessions or name in self.tapes
                or name in self.initializers or name in self.functions or language.is_function_name(name))

    def check_new_name(self, target: ast.Name) -> str:
        if target.id in self.modules or target.id in self.sessions or target.id in self.tapes or target.id in self.initializers \
                or target.id in self.functions:
            raise self.error(target, f"'{target.id}' is already a name in this program (not a tensor); choose a new one.")
        if not self.frames:
            return super().check_new_name(target)
        frame = self.frames[-1]
        if not NAME_RULE.match(target.id) or len(target.id) > language.MAX_NAME_CHARS:
            raise self.error(target, f"'{target.id}' is not a name TensorFlow accepts: use letters, digits and _.")
        if target.id in frame.locals:
            raise self.error(target, f"'{target.id}' is already a name in {frame.function.name}; each name is one node, "
                                     "so choose a new name.")
        frame.locals[target.id] = f"{frame.prefix}/{target.id}"
        return frame.locals[target.id]

    def lookup(self, expression: ast.Name) -> str:
        name = expression.id
        if self.frames and name in self.frames[-1].locals:
            return self.frames[-1].locals[name]
        if name in self.modules:
            raise self.error(expression, f"'{name}' is a module; call one of its functions, e.g. {name}.constant(...).")
        if name in self.functions:
            raise self.error(expression, f"'{name}' is a function; call it, e.g. {name}(x).")
        for kind, names in (("a session", self.sessions), ("a gradient tape", self.tapes), ("an initializer", self.initializers)):
            if name in names:
                raise self.error(expression, f"'{name}' is {kind}, not a tensor.")
        return super().lookup(expression)

    def auto_name(self, base: str) -> str:
        return super().auto_name(f"{self.frames[-1].prefix}/{base}" if self.frames else base)

    def add(self, node: Node) -> str:
        name = super().add(node)
        for tape in self.tapes.values():
            if tape.active:
                tape.recorded.add(name)
        return name

    def no_state_in_function(self, what: str, where: ast.AST) -> None:
        if self.frames:
            raise self.error(where, f"Create {what} outside functions: a function here computes with what it is given "
                                    "(a tf.function creates variables only once, on its first call).")

    def mark_graph_code(self, what: str, where: ast.AST) -> None:
        if self.frames and self.frames[-1].function.compiled:
            raise self.error(where, f"{what} belongs to TF1 graph code, not inside a @tf.function.")
        if self.graph_code is None:
            self.graph_code = (what, where)

    # -- assignments ------------------------------------------------------------------------------
    def assign_single(self, target: ast.Name, value: ast.expr) -> None:
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Call) and self.is_tf(value.value, "gradients"):
            index = value.slice
            if not (isinstance(index, ast.Constant) and isinstance(index.value, int) and not isinstance(index.value, bool)):
                raise self.error(value, "Pick one gradient with a whole number: tf.gradients(loss, [W, b])[0].")
            of, sources = self.tf_gradients(value.value)
            if not -len(sources) <= index.value < len(sources):
                raise self.error(value, f"tf.gradients(...) here gives {len(sources)} gradient(s); index {index.value} is out of range.")
            self.add_gradient(self.check_new_name(target), of, sources[index.value], target)
            return
        if isinstance(value, ast.Call) and self.assignment(value, [target], single=True):
            return
        super().assign_single(target, value)

    def assign_several(self, target: ast.Tuple, value: ast.expr) -> None:
        if isinstance(value, ast.Call) and self.assignment(value, list(target.elts), single=False):
            return
        if not language._is_call_to(value, language.GRADIENT):
            raise self.error(target, "Several names on the left are for  a, b = sess.run([a, b]),  dW, db = tape.gradient(loss, [W, b]),  "
                                     "results of your own function, or  dW, db = grad(loss, [W, b]).")
        super().assign_several(target, value)

    def assignment(self, call: ast.Call, targets: list[ast.Name], single: bool) -> bool:
        """Assignments whose right side is not one tensor expression; False when `call` is an ordinary one."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.functions:
            results = self.inline(call, self.functions[func.id])
            self.alias_all(targets, results, call, single, f"{func.id}(...)")
            return True
        if not isinstance(func, ast.Attribute):
            return False
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        if owner in self.sessions and func.attr == "run":
            names, is_list = self.run(self.sessions[owner], call)
            if not names:
                raise self.error(call, "Running the initializer gives nothing to name; write  sess.run(init)  on its own line.")
            self.alias_all(targets, names, call, single and not is_list, "sess.run(...)", fetched=True)
            return True
        if owner in self.tapes and func.attr == "gradient":
            of, sources, is_list = self.tape_gradient(self.tapes[owner], call)
            if is_list == single:
                raise self.error(call, "tape.gradient(loss, [W, b]) gives a list: unpack it as  dW, db = tape.gradient(loss, [W, b]), "
                                       "or ask for one gradient as  dW = tape.gradient(loss, W).")
            self.add_gradients(self.new_targets(targets), of, sources, call)
            return True
        if owner is not None and (owner in self.sessions or owner in self.tapes):
            raise self.error(call, f"'{owner}.{func.attr}' is not read here; a session offers run(...) and close(), "
                                   "a tape watch(...) and gradient(...).")
        if func.attr in ("numpy", "eval") and not self.is_module_path(func):
            if not single:
                raise self.error(call, f".{func.attr}() gives one value; assign it to one name.")
            source = self.method_value(call)
            self.alias_all(targets, [source], call, True, f".{func.attr}()", fetched=True)
            return True
        entry = self.tf_entry(func)
        if entry is None:
            return False
        if entry.kind == "gradients":
            if single:
                raise self.error(call, "tf.gradients(...) gives a list: write  dW, db = tf.gradients(loss, [W, b])  or  "
                                       "dW = tf.gradients(loss, W)[0].")
            of, sources = self.tf_gradients(call)
            self.add_gradients(self.new_targets(targets), of, sources, call)
            return True
        if entry.kind in ("session", "initializer", "tape"):
            if not single:
                raise self.error(call, "Assign this to one name.")
            name = targets[0].id
            if entry.kind == "tape":
                raise self.error(call, "Open a tape as a block:  with tf.GradientTape() as tape:  and compute the loss inside it.")
            if entry.kind == "session":
                session = self.open_session(call, name, targets[0])
                if self.default_session is None and call.func.attr == "InteractiveSession":
                    self.default_session = session
            else:
                self.bind_name(name, targets[0])
                self.mark_graph_code("tf.compat.v1.global_variables_initializer()", call)
                self.initializers[name] = frozenset(node.name for node in self.nodes if node.kind == "variable")
            return True
        return False

    def new_targets(self, targets: list[ast.Name]) -> list[str]:
        names = [self.check_new_name(target) for target in targets]
        if len(set(names)) != len(names):
            raise self.error(targets[0], "Each name on the left must be different.")
        return names

    def alias_all(self, targets: list[ast.Name], sources: list[str], where: ast.AST, single: bool, what: str,
                  fetched: bool = False) -> None:
        if single and len(sources) != 1:
            raise self.error(where, f"{what} gives {len(sources)} values; write that many names on the left.")
        if len(targets) != len(sources):
            raise self.error(where, f"{what} gives {len(sources)} value(s) but there are {len(targets)} names on the left.")
        for target, source in zip(self.new_targets(targets), sources):
            self.add_op(target, "identity", (source,), {"fetched": True} if fetched else {}, where)
            if fetched:
                self.fetched.add(target)

    # -- sessions -----------------------------------------------------------------------------
    def run(self, session: _Session, call: ast.Call) -> tuple[list[str], bool]:
        """`sess.run(fetches, feed_dict=…)`: the fetched nodes (none for the initializer) and whether a list was asked."""
        if session.closed:
            raise self.error(call, f"The session '{session.name}' is closed (its with block ended or close() was called); "
                                   "run it inside the block.")
        self.check_no_unpacking(call)
        arguments = dict(zip(("fetches", "feed_dict"), call.args))
        if len(call.args) > 2:
            raise self.error(call, "sess.run takes what to fetch and a feed_dict.")
        for keyword in call.keywords:
            if keyword.arg not in ("fetches", "feed_dict") or keyword.arg in arguments:
                raise self.error(keyword.value, f"sess.run has no option '{keyword.arg}' here; it takes fetches and feed_dict.")
            arguments[keyword.arg] = keyword.value
        if "fetches" not in arguments:
            raise self.error(call, "Say what to fetch:  sess.run(c).")
        fetches = arguments["fetches"]
        if self.is_initializer(fetches):
            session.initialised |= self.initializer_variables(fetches)
            if "feed_dict" in arguments:
                raise self.error(call, "The initializer needs no feed_dict.")
            return [], False
        is_list = isinstance(fetches, ast.List | ast.Tuple)
        elements = list(fetches.elts) if is_list else [fetches]
        if not elements:
            raise self.error(fetches, "Fetch at least one tensor.")
        if any(self.is_initializer(element) for element in elements):
            raise self.error(fetches, "Run the initializer on its own line:  sess.run(init).")
        names = [self.expression(element) for element in elements]
        fed = self.record_feeds(arguments.get("feed_dict"), call)
        self.check_runnable(session, names, fed, call)
        return names, is_list

    def is_initializer(self, expression: ast.expr) -> bool:
        if isinstance(expression, ast.Name):
            return expression.id in self.initializers
        return isinstance(expression, ast.Call) and self.is_tf(expression, "initializer")

    def initializer_variables(self, expression: ast.expr) -> frozenset[str]:
        if isinstance(expression, ast.Name):
            return self.initializers[expression.id]
        self.mark_graph_code("tf.compat.v1.global_variables_initializer()", expression)
        self.tf_entry(expression.func)  # notes the TF1 name
        return frozenset(node.name for node in self.nodes if node.kind == "variable")

    def check_runnable(self, session: _Session, names: list[str], fed: set[str], where: ast.AST) -> None:
        needed = set().union(*(self.ancestors(name) for name in names))
        for name in sorted(needed):
            node = self.defined[name]
            if node.kind == "variable" and name not in session.initialised:
                raise self.error(where, f"Variable '{name}' has no value yet in this session: a TF1 session starts with every "
                                        "variable uninitialised, so run  sess.run(tf.compat.v1.global_variables_initializer())  "
                                        "first (created after the variables). TensorFlow would stop here with 'Attempting to "
                                        "use uninitialized value'.")
            if node.kind == "placeholder" and name not in fed:
                raise self.error(where, f"This run needs a value for placeholder '{name}': add  feed_dict={{{name}: ...}}  "
                                        f"(TensorFlow would stop with 'You must feed a value for placeholder tensor').")

    def ancestors(self, name: str) -> set[str]:
        seen, stack = set(), [name]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.defined[current].inputs)
        return seen

    def record_feeds(self, feed_dict: ast.expr | None, where: ast.AST) -> set[str]:
        if feed_dict is None:
            return set()
        if not isinstance(feed_dict, ast.Dict) or any(key is None for key in feed_dict.keys):
            raise self.error(feed_dict, "Write the feeds inline:  feed_dict={x: [[1, 2, 3]]}.")
        fed = set()
        for key, value in zip(feed_dict.keys, feed_dict.values):
            if not isinstance(key, ast.Name):
                raise self.error(key, "feed_dict keys are placeholder names:  feed_dict={x: ...}.")
            name = self.lookup(key)
            node = self.defined[name]
            if node.kind != "placeholder":
                raise self.error(key, f"'{name}' is a {node.kind}, not a placeholder; feed_dict gives values to placeholders.")
            array = self.feed_value(value, node)
            if name in self.feeds and not np.array_equal(self.feeds[name], array):
                raise self.error(value, f"'{name}' is fed a different value on line {self.feed_lines[name]}. The playground runs "
                                        "the graph once, with one value per placeholder: keep one feed_dict (and try other "
                                        "values in the Feeds panel).")
            self.feeds[name], self.feed_lines[name] = array, value.lineno
            fed.add(name)
        return fed

    def feed_value(self, expression: ast.expr, placeholder: Node) -> np.ndarray:
        value, _ = self.array_value(expression, "fed to a placeholder", integers="int64")
        dtype = placeholder.dtype
        self.check_fits(value, dtype, expression)
        array = np.asarray(value, dtype=dtype)
        expected = placeholder.attrs["shape"]
        if array.ndim != len(expected) or any(want is not None and want != got for want, got in zip(expected, array.shape)):
            raise self.error(expression, f"feed_dict gives '{placeholder.name}' a value of shape {tuple(array.shape)}, but the "
                                         f"placeholder's shape is {tuple(expected)}.")
        return array

    # -- tapes and gradients ------------------------------------------------------------------------
    def tape_gradient(self, tape: _Tape, call: ast.Call) -> tuple[str, list[str], bool]:
        if call.keywords or len(call.args) != 2:
            raise self.error(call, "Write  tape.gradient(loss, [W, b])  or  tape.gradient(loss, W).")
        if tape.used and not tape.persistent:
            raise self.error(call, f"'{tape.name}' was already asked for gradients once; a tape forgets what it recorded after "
                                   "one gradient call. Ask for all of them in one call, or open it with "
                                   "tf.GradientTape(persistent=True).")
        tape.used += 1
        of = self.expression(call.args[0])
        wrt = call.args[1]
        is_list = isinstance(wrt, ast.List | ast.Tuple)
        sources = [self.expression(element) for element in (wrt.elts if is_list else [wrt])]
        if not sources:
            raise self.error(wrt, "Ask for at least one gradient.")
        for source in sources:
            self.check_taped(tape, of, source, call)
        return of, sources, is_list

    def check_taped(self, tape: _Tape, of: str, source: str, where: ast.AST) -> None:
        """What TensorFlow's tape would see: the target computed inside its block, the source watched, a recorded path."""
        block = f"with tf.GradientTape() as {tape.name}:"
        if of not in tape.recorded:
            raise self.error(where, f"'{of}' was computed outside the  {block}  block, so the tape never saw it (TensorFlow "
                                    "would give None). Compute it inside the block.")
        node = self.defined[source]
        watched = source in tape.watched or (node.kind == "variable" and node.attrs.get("trainable", True))
        if not watched and source not in tape.recorded:
            raise self.error(where, f"The tape does not watch '{source}': it watches trainable variables by itself, and other "
                                    f"tensors only after  {tape.name}.watch({source})  inside the block (TensorFlow would give None).")
        if not self.connected(of, source, tape.recorded):
            if self.connected(of, source, None):
                raise self.error(where, f"'{of}' depends on '{source}' only through steps computed outside the  {block}  block, "
                                        "which the tape did not record (TensorFlow would give None). Move them into the block.")
            self.note(where, f"'{of}' does not depend on '{source}': TensorFlow gives None for this gradient; the playground "
                             "shows zeros (what unconnected_gradients=tf.UnconnectedGradients.ZERO asks for).")

    def connected(self, of: str, source: str, recorded: set[str] | None) -> bool:
        stack, seen = [of], set()
        while stack:
            current = stack.pop()
            if current == source:
                return True
            if current in seen or (recorded is not None and current not in recorded):
                continue
            seen.add(current)
            stack.extend(self.defined[current].inputs)
        return False

    def tf_gradients(self, call: ast.Call) -> tuple[str, list[str]]:
        self.mark_graph_code("tf.gradients", call)
        if call.keywords or len(call.args) != 2:
            raise self.error(call, "Write  tf.gradients(loss, [W, b]).")
        of = self.expression(call.args[0])
        wrt = call.args[1]
        elements = wrt.elts if isinstance(wrt, ast.List | ast.Tuple) else [wrt]
        if not elements:
            raise self.error(wrt, "Ask for at least one gradient.")
        return of, [self.expression(element) for element in elements]

    # -- bare expressions and print ---------------------------------------------------------------------
    def bare_expression(self, statement: ast.Expr) -> None:
        value = statement.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return  # a docstring or a comment written as a string
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print":
            self.print_call(value)
            return
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            func = value.func
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if owner in self.sessions and func.attr == "close" and not value.args and not value.keywords:
                self.sessions[owner].closed = True
                return
            if owner in self.tapes and func.attr == "watch":
                self.watch(self.tapes[owner], value)
                return
            if owner in self.sessions and func.attr == "run":
                names, is_list = self.run(self.sessions[owner], value)
                if names and statement is self.last_statement:
                    self.display(value, [("numpy_list" if is_list else "numpy_repr", ",".join(names))])
                return
            entry = None if owner in self.sessions or owner in self.tapes else self.tf_entry(func)
            if entry is not None and entry.kind in ("eager", "graph", "seed"):
                self.setting(entry, value)
                return
            path = self.dotted(func)
            if path and self.modules.get(path[0]) == "numpy" and ".".join(path[1:]) not in NUMPY_FUNCTIONS:
                self.numpy_call(path, value, None)  # raises NumPy's refusal (random numbers, files…)
        if statement is self.last_statement and not self.frames and isinstance(value, ast.Name | ast.Call | ast.BinOp | ast.UnaryOp):
            kind, payload = self.value_part(value, display=True)
            self.display(value, [(kind, payload)])
            return
        raise self.error(statement, "This line computes something and drops it; assign it to a name (y = ...) or print it.")

    def display(self, where: ast.AST, parts: list[tuple[str, str]]) -> None:
        """A notebook shows the value of a cell's last bare expression; so does the output panel."""
        self.outputs.append(Printed(where.lineno, tuple(parts)))

    def watch(self, tape: _Tape, call: ast.Call) -> None:
        if not tape.active:
            raise self.error(call, f"{tape.name}.watch(...) belongs inside the  with tf.GradientTape() as {tape.name}:  block.")
        if call.keywords or len(call.args) != 1:
            raise self.error(call, f"Write  {tape.name}.watch(x)  or  {tape.name}.watch([x, y]).")
        argument = call.args[0]
        for element in argument.elts if isinstance(argument, ast.List | ast.Tuple) else [argument]:
            tape.watched.add(self.expression(element))

    def setting(self, entry: TfName, call: ast.Call) -> None:
        if self.frames:
            raise self.error(call, "Settings like this belong at the top of the program, not in a function.")
        if entry.kind == "seed":
            if len(call.args) != 1 or call.keywords:
                raise self.error(call, "Write  tf.random.set_seed(42).")
            seed = self.literal(call.args[0])
            if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= language.MAX_SEED:
                raise self.error(call, f"The seed must be a whole number from 0 to {language.MAX_SEED:,}.")
            if self.random_seeds:
                raise self.error(call, "Set the global seed before the random initialisers it should affect.")
            self.global_seed = seed
            return
        if call.args or call.keywords:
            raise self.error(call, "This setting takes no arguments here.")
        mode = "eager" if entry.kind == "eager" else "session"
        if self.requested_mode and self.requested_mode[0] != mode:
            raise self.error(call, "This program turns eager execution both on and off; keep one.")
        self.requested_mode = (mode, call)
        if mode == "eager":
            self.note(call, "TensorFlow 2 runs eagerly already; tf.compat.v1.enable_eager_execution() is only needed in TensorFlow 1.")

    def print_call(self, call: ast.Call) -> None:
        if self.frames:
            raise self.error(call, "print inside a function runs only while TensorFlow traces it (with symbolic tensors); "
                                   "return the value and print it outside.")
        if call.keywords:
            raise self.error(call, "print(...) takes only the values to show here (no sep=, end= or file=).")
        self.check_no_unpacking(call)
        parts: list[tuple[str, str]] = []
        for index, argument in enumerate(call.args):
            if index:
                parts.append(("text", " "))
            parts.extend(self.print_parts(argument))
        self.outputs.append(Printed(call.lineno, tuple(parts)))

    def print_parts(self, argument: ast.expr) -> list[tuple[str, str]]:
        if isinstance(argument, ast.Constant) and (isinstance(argument.value, str | bool | int | float) or argument.value is None):
            return [("text", str(argument.value))]
        if isinstance(argument, ast.JoinedStr):
            parts = []
            for value in argument.values:
                if isinstance(value, ast.Constant):
                    parts.append(("text", str(value.value)))
                elif value.conversion != -1 or value.format_spec is not None:
                    raise self.error(value, "Inside an f-string write plain {name} (no !r or :format).")
                else:
                    parts.append(self.value_part(value.value))
            return parts
        return [self.value_part(argument)]

    def value_part(self, expression: ast.expr, display: bool = False) -> tuple[str, str]:
        """How one printed value shows: a NumPy value (fetched, .numpy()) or the tensor object itself."""
        numpy_kind = "numpy_repr" if display else "numpy"
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
            func = expression.func
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if owner in self.sessions and func.attr == "run":
                names, is_list = self.run(self.sessions[owner], expression)
                if not names:
                    raise self.error(expression, "Running the initializer prints None; run it on its own line.")
                return ("numpy_list", ",".join(names)) if is_list else (numpy_kind, names[0])
            if func.attr in ("numpy", "eval") and not self.is_module_path(func):
                return numpy_kind, self.method_value(expression)
        name = self.expression(expression)
        if name in self.fetched or self.defined[name].attrs.get("numpy") or name in self.weak:
            return numpy_kind, name
        return ("repr" if display else "str"), name

    # -- calls in expressions -----------------------------------------------------------------------
    def expression(self, expression: ast.expr, name: str | None = None) -> str:
        if isinstance(expression, ast.Attribute):
            self.dotted(expression)  # refuses __names__ first
            raise self.error(expression, "Attributes (like x.shape or tf.float32) are read only where they belong, such as "
                                         "dtype=tf.float32; the inspector shows every shape and value.")
        if isinstance(expression, ast.Subscript):
            raise self.error(expression, "Indexing (x[0]) is not read here (except tf.gradients(...)[0]); the inspector "
                                         "shows every value, and tf.reshape / tf.transpose rearrange them.")
        return super().expression(expression, name)

    def call(self, call: ast.Call, name: str | None) -> str:
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in self.functions:
                results = self.inline(call, self.functions[func.id])
                if len(results) != 1:
                    raise self.error(call, f"{func.id}(...) gives {len(results)} values; unpack them on a line of their own.")
                return self.add_op(name, "identity", (results[0],), {}, call) if name else results[0]
            if func.id == "print":
                raise self.error(call, "print(...) goes on a line of its own.")
            if func.id in ("variable", "placeholder"):
                self.no_state_in_function(f"a {func.id}", call)
            if func.id in self.modules or func.id in self.sessions or func.id in self.tapes or func.id in self.initializers:
                raise self.error(call, f"'{func.id}' cannot be called.")
            return super().call(call, name)
        if isinstance(func, ast.Attribute):
            return self.attribute_call(call, name)
        return super().call(call, name)

    def dotted(self, expression: ast.expr) -> list[str] | None:
        """tf.nn.relu as ['tf', 'nn', 'relu']; None when the chain does not start at a name."""
        path = []
        while isinstance(expression, ast.Attribute):
            if expression.attr.startswith("_"):
                raise self.error(expression, f"'{expression.attr}': names starting with _ (like __class__) are never available.")
            path.append(expression.attr)
            expression = expression.value
        if not isinstance(expression, ast.Name):
            return None
        path.append(expression.id)
        return path[::-1]

    def is_module_path(self, expression: ast.expr) -> bool:
        path = self.dotted(expression)
        return path is not None and path[0] in self.modules

    def attribute_call(self, call: ast.Call, name: str | None) -> str:
        self.check_no_unpacking(call)
        func = call.func
        path = self.dotted(func)
        if path is None or path[0] not in self.modules:
            if func.attr in ("numpy", "eval"):
                source = self.method_value(call)
                if name is None:
                    return source
                self.fetched.add(name)
                return self.add_op(name, "identity", (source,), {"fetched": True}, call)
            if func.attr == "astype" and isinstance(func.value, ast.Name | ast.Call):
                return self.astype(call, name)
            if path is None:
                self.expression(func.value)  # what the method is called on is refused first, if it is refused
                raise self.error(func, f".{func.attr}(...) is not read here; tensors offer .numpy() (eager) and .eval() "
                                       "(in a TF1 session), NumPy arrays .astype(dtype).")
            owner = path[0]
            if owner in self.sessions or owner in self.tapes:
                raise self.error(call, f"{'.'.join(path)}(...) goes on a line of its own:  y = {'.'.join(path)}(...).")
            if owner in self.defined or (self.frames and owner in self.frames[-1].locals):
                raise self.error(func, f".{func.attr}(...) on a tensor is not read here; tensors offer .numpy() (eager) and "
                                       ".eval() (in a TF1 session). Use the tf. function instead, e.g. tf.reshape(x, [2, 3]).")
            raise self.error(func, f"'{owner}' is not defined here: only TensorFlow and NumPy can be used "
                                   "(after import tensorflow as tf / import numpy as np).")
        module = self.modules[path[0]]
        if module == "keras":
            raise self.error(func, "Keras models are not read here; build and train them on the 'Build & train a CNN' page.")
        if module == "numpy":
            return self.numpy_call(path, call, name)
        entry = self.tf_entry(func)
        written = ".".join(path)
        if entry.kind == "op":
            return self.tf_op(entry.target, call, name, written)
        if entry.kind in ("constant", "convert"):
            return self.tf_constant(call, name, written, convert=entry.kind == "convert")
        if entry.kind == "variable":
            return self.tf_variable(call, name, written)
        if entry.kind == "placeholder":
            return self.tf_placeholder(call, name, written)
        if entry.kind == "init":
            init, dtype = self.tf_initializer(entry.target, call, written)
            return self.add_value_source(name, "constant", {"init": init, "dtype": dtype}, call)
        forms = {"session": "with tf.compat.v1.Session() as sess:", "initializer": "init = tf.compat.v1.global_variables_initializer()",
                 "tape": "with tf.GradientTape() as tape:", "gradients": "dW, db = tf.gradients(loss, [W, b])",
                 "function": "@tf.function above a def", "seed": "tf.random.set_seed(42) on its own line",
                 "eager": "tf.compat.v1.enable_eager_execution() on its own line",
                 "graph": "tf.compat.v1.disable_eager_execution() on its own line", "dtype": "dtype=tf.float32"}
        raise self.error(call, f"{written}(...) is read only in its own form: {forms[entry.kind]}.")

    def tf_entry(self, func: ast.expr) -> TfName | None:
        """The table entry for a `tf.…` name (noting names TensorFlow 2 moved); None when it is not under a TensorFlow alias."""
        path = self.dotted(func)
        if path is None or self.modules.get(path[0]) not in ("tensorflow", "tensorflow.compat.v1"):
            return None
        rest = path[1:]
        v1 = self.modules[path[0]] == "tensorflow.compat.v1"
        if not v1 and rest[:2] == ["compat", "v1"]:
            rest, v1 = rest[2:], True
        key, written = ".".join(rest), ".".join(path)
        entry = TF_NAMES.get(key)
        if entry is None or (v1 and not entry.v1):
            raise self.error(func, self.unsupported(written, key, path[0]))
        if not v1 and not entry.v2:
            self.note(func, f"{written} is TensorFlow 1: in TensorFlow 2 this is {entry.tf2}. The playground runs it through tf.compat.v1.")
        return entry

    def is_tf(self, call: ast.Call, kind: str) -> bool:
        if not isinstance(call.func, ast.Attribute):
            return False
        path = self.dotted(call.func)
        if path is None or self.modules.get(path[0]) not in ("tensorflow", "tensorflow.compat.v1"):
            return False
        entry = self.tf_entry(call.func)
        return entry is not None and entry.kind == kind

    def unsupported(self, written: str, key: str, alias: str) -> str:
        first = key.split(".")[0]
        if first in OUTSIDE or key in OUTSIDE:
            return (f"{written} reaches outside a graph of numbers (files, Python code, the network or saved models), so the "
                    "playground never runs it.")
        readable = sorted({f"{alias}.{name}" for name, entry in TF_NAMES.items() if entry.v2})
        close = difflib.get_close_matches(f"{alias}.{key}", readable, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        return (f"{written} is not read here.{hint} The playground reads tf.constant, tf.Variable, placeholders, initialisers "
                "(tf.zeros, tf.random.normal…), element-wise maths, tf.matmul, tf.nn.relu/softmax, tf.reduce_*, tf.reshape, "
                "tf.transpose, tf.concat, tf.cast, sessions, GradientTape and tf.function.")

    def method_value(self, call: ast.Call) -> str:
        """`x.numpy()` (eager) or `x.eval()` (in a TF1 session): the node whose value it gives."""
        func = call.func
        if func.attr == "numpy":
            if call.args or call.keywords:
                raise self.error(call, ".numpy() takes no arguments.")
            if self.frames and self.frames[-1].function.compiled:
                raise self.error(call, "Inside a @tf.function tensors are symbolic while TensorFlow traces it, so they have no "
                                       ".numpy() yet; return the tensor and call .numpy() on the result.")
            self.numpy_calls.append(call)
            return self.expression(func.value)
        session = self.default_session
        for keyword in call.keywords:
            if keyword.arg == "session" and isinstance(keyword.value, ast.Name) and keyword.value.id in self.sessions:
                session = self.sessions[keyword.value.id]
            elif keyword.arg != "feed_dict":
                raise self.error(call, ".eval() takes feed_dict= and session= here.")
        if session is None or call.args:
            raise self.error(call, ".eval() needs a session: call it inside  with tf.compat.v1.Session():  or pass session=sess.")
        if session.closed:
            raise self.error(call, "That session is closed.")
        name = self.expression(func.value)
        feed = next((keyword.value for keyword in call.keywords if keyword.arg == "feed_dict"), None)
        self.check_runnable(session, [name], self.record_feeds(feed, call), call)
        return name

    # -- TensorFlow functions ---------------------------------------------------------------------
    def tf_op(self, function: str, call: ast.Call, name: str | None, written: str) -> str:
        """tf.multiply(a, b), tf.reduce_sum(x, axis=1), tf.nn.softmax(logits=z): the same op nodes as the playground's."""
        spec = language.ALL_OPS[function]
        parameters = TENSOR_PARAMETERS.get(function, ("x", "y")[: max(spec.tensor_args, 1)])
        arguments, keywords = list(call.args), []
        for keyword in call.keywords:
            if keyword.arg in parameters:
                index = parameters.index(keyword.arg)
                if index != len(arguments):
                    raise self.error(keyword.value, f"Give the tensors of {written} in order.")
                arguments.append(keyword.value)
            else:
                keywords.append(keyword)
        if function == "concat" and not any(k.arg == "axis" for k in keywords) and len(arguments) < 2:
            raise self.error(call, f"{written} needs an axis:  {written}([a, b], axis=0).")
        return self.op_call(function, call, name, arguments, keywords, written, extra_options=("name",))

    def tf_constant(self, call: ast.Call, name: str | None, written: str, convert: bool = False) -> str:
        value_expression = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "value"), None)
        if convert and isinstance(value_expression, ast.Name):
            source = self.lookup(value_expression)
            if source not in self.fetched and source not in self.weak and not self.defined[source].attrs.get("numpy"):
                return self.expression(value_expression, name)  # a tensor already: TensorFlow returns it unchanged
        return self.add_value_source(name, "constant", self.constant_options(call, written, convert), call)

    def constant_options(self, call: ast.Call, written: str, convert: bool = False) -> dict[str, Any]:
        """tf.constant(value, dtype=None, shape=None, name=None): the numbers and dtype, as TensorFlow infers them."""
        order = ("value", "dtype", "shape", "name") if not convert else ("value", "dtype", "name")
        given = self.arguments_by_name(call, order, written)
        if "value" not in given:
            raise self.error(call, f"{written} needs a value:  {written}([1, 2, 3]).")
        value, dtype = self.array_value(given["value"], f"the value of {written}")
        if "dtype" in given:
            dtype = self.dtype_name(given["dtype"])
        options: dict[str, Any] = {"dtype": dtype}
        if given.get("shape") is not None and not (isinstance(given["shape"], ast.Constant) and given["shape"].value is None):
            shape = _as_list(self.literal(given["shape"]))
            _check_shape(shape, call, self, allow_none=False)
            if _is_number(value):
                options["init"] = {"function": "fill", "shape": shape, "value": value}
            elif math.prod(_shape_of(value)) == math.prod(shape):
                options["value"] = np.reshape(np.asarray(value, dtype=object), shape).tolist()
            else:
                raise self.error(call, f"{written}: {math.prod(_shape_of(value))} numbers cannot fill shape {tuple(shape)}.")
        else:
            options["value"] = value
        if "name" in given:
            options["name"] = self.literal(given["name"])
        return options

    def tf_variable(self, call: ast.Call, name: str | None, written: str) -> str:
        self.no_state_in_function("a variable", call)
        if name is None:
            raise self.error(call, f"Give the variable a name of its own:  W = {written}(...)  on its own line.")
        given = self.arguments_by_name(call, ("initial_value", "trainable", "name", "dtype"), written, positional=1)
        if "initial_value" not in given:
            raise self.error(call, f"{written} needs a starting value:  {written}(tf.zeros([2])).")
        options = self.initial_value(given["initial_value"], written)
        if "dtype" in given:
            wanted = self.dtype_name(given["dtype"])
            if "init" in options and wanted != options["dtype"]:
                raise self.error(call, f"The initial value is {options['dtype']} but dtype says {wanted}; give the initialiser the dtype.")
            options["dtype"] = wanted
        for option in ("trainable", "name"):
            if option in given:
                options[option] = self.literal(given[option])
        return self.add_value_source(name, "variable", options, call)

    def initial_value(self, expression: ast.expr, written: str) -> dict[str, Any]:
        """A variable's starting value: numbers, a NumPy array, tf.constant(...), an initialiser, or a name of one."""
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
            entry = self.tf_entry(expression.func)
            if entry is not None and entry.kind == "init":
                init, dtype = self.tf_initializer(entry.target, expression, ".".join(self.dotted(expression.func)))
                return {"init": init, "dtype": dtype}
            if entry is not None and entry.kind in ("constant", "convert"):
                options = self.constant_options(expression, ".".join(self.dotted(expression.func)), entry.kind == "convert")
                return {key: options[key] for key in ("value", "init", "dtype") if key in options}
        if isinstance(expression, ast.Name):
            source = self.defined[self.lookup(expression)]
            if source.kind == "constant" and source.name not in self.weak:
                return {key: source.attrs[key] for key in ("value", "init") if key in source.attrs} | {"dtype": source.dtype}
            if source.kind != "constant":
                raise self.error(expression, f"A variable starts from numbers or an initialiser, not from the {source.kind} "
                                             f"'{source.name}'.")
        value, dtype = self.array_value(expression, f"the starting value of {written}")
        return {"value": value, "dtype": dtype}

    def tf_placeholder(self, call: ast.Call, name: str | None, written: str) -> str:
        if name is None:
            raise self.error(call, f"Give the placeholder a name of its own:  x = {written}(tf.float32, shape=[None, 3]).")
        self.no_state_in_function("a placeholder", call)
        self.mark_graph_code("a placeholder", call)
        given = self.arguments_by_name(call, ("dtype", "shape", "name"), written)
        if "dtype" not in given:
            raise self.error(call, f"Give the placeholder a dtype:  {written}(tf.float32, shape=[None, 3]).")
        shape = self.literal(given["shape"]) if "shape" in given else None
        if shape is None:
            raise self.error(call, f"Give the placeholder a shape (None for any size):  {written}(tf.float32, shape=[None, 3]).")
        options = {"shape": _as_list(shape), "dtype": self.dtype_name(given["dtype"])}
        if "name" in given:
            options["name"] = self.literal(given["name"])
        return self.add_placeholder(name, options, call)

    def tf_initializer(self, function: str, call: ast.Call, written: str) -> tuple[dict[str, Any], str]:
        keywords = [ast.keyword(arg="shape", value=k.value) if k.arg == "dims" else k for k in call.keywords]
        init = self.initializer(call, function, list(call.args), keywords, TF_INITIALIZER_ARGUMENTS[function], written)
        init.pop("name", None)
        value = init.get("value")
        dtype = init.pop("dtype", None) or ("int32" if function == "fill" and isinstance(value, int) else "float32")
        if function in language.RANDOM_INITIALIZERS:
            if dtype not in FLOAT_DTYPES:
                raise self.error(call, f"{written} makes float numbers; use dtype=tf.float32 or tf.float64.")
            if "seed" in init:
                key = (function, init["seed"])
                if key in self.random_seeds:
                    raise self.error(call, f"Line {self.random_seeds[key]} already uses {written} with seed={init['seed']}. Eager "
                                           "TensorFlow would continue that sequence here while a TF1 graph would repeat it, "
                                           "so give each random initialiser its own seed.")
                self.random_seeds[key] = call.lineno
                init["stateful"] = True
            else:
                self.note(call, f"{written} without a seed gives new numbers on every run; the playground fixes them (from "
                                "the node's name) so that every mode starts from the same numbers. Add seed=1 to get TensorFlow's own.")
            if function == "random_uniform" and init.get("maxval") is None:
                init["maxval"] = 1.0
        return init, dtype

    def arguments_by_name(self, call: ast.Call, order: tuple[str, ...], written: str, positional: int | None = None) -> dict[str, ast.expr]:
        limit = len(order) if positional is None else positional
        if len(call.args) > limit:
            raise self.error(call, f"{written} takes at most {limit} positional argument(s) here; name the others "
                                   f"({', '.join(order[limit:])}).")
        given = dict(zip(order, call.args))
        for keyword in call.keywords:
            if keyword.arg not in order:
                raise self.error(keyword.value, f"{written} has no option '{keyword.arg}' here. It accepts: {', '.join(order)}.")
            if keyword.arg in given:
                raise self.error(keyword.value, f"'{keyword.arg}' is given twice.")
            given[keyword.arg] = keyword.value
        return given

    # -- NumPy -----------------------------------------------------------------------------------------
    def numpy_call(self, path: list[str], call: ast.Call, name: str | None) -> str:
        written, function = ".".join(path), ".".join(path[1:])
        if function not in NUMPY_FUNCTIONS:
            first = path[1] if len(path) > 1 else ""
            if first == "random":
                raise self.error(call, f"{written} would give different numbers on every run; write the numbers, or use "
                                       "tf.random.normal([3, 2], seed=1) so every run starts the same.")
            if first in OUTSIDE:
                raise self.error(call, f"{written} reaches outside a graph of numbers (files or Python objects), so the playground never runs it.")
            raise self.error(call, f"{written} is not read here; NumPy gives values through np.array, np.zeros, np.ones, np.full, "
                                   "np.arange, np.linspace, np.eye and np.float32(...).")
        options = self.numpy_options(function, call, written)
        options["numpy"] = True
        return self.add_value_source(name, "constant", options, call)

    def numpy_options(self, function: str, call: ast.Call, written: str) -> dict[str, Any]:
        if function in ("array", "asarray"):
            given = self.arguments_by_name(call, ("object", "dtype"), written)
            if "object" not in given:
                raise self.error(call, f"{written} needs numbers:  {written}([1, 2, 3]).")
            value, dtype = self.array_value(given["object"], f"the argument of {written}", integers="int64", floats="float64")
            return {"value": value, "dtype": self.dtype_name(given["dtype"]) if "dtype" in given else dtype}
        if function in DTYPES:
            if len(call.args) != 1 or call.keywords:
                raise self.error(call, f"Write {written}(3.5).")
            return {"value": self.numeric_literal(call.args[0]), "dtype": function}
        if function in ("zeros", "ones", "full"):
            order = ("shape", "fill_value", "dtype") if function == "full" else ("shape", "dtype")
            given = self.arguments_by_name(call, order, written)
            if "shape" not in given or (function == "full" and "fill_value" not in given):
                raise self.error(call, f"{written} needs a shape" + (" and a value" if function == "full" else "") + ".")
            shape = self.literal(given["shape"])
            shape = [shape] if isinstance(shape, int) and not isinstance(shape, bool) else _as_list(shape)
            init: dict[str, Any] = {"function": "fill" if function == "full" else function, "shape": shape}
            dtype = "float64"
            if function == "full":
                init["value"] = self.literal(given["fill_value"])
                if not _is_number(init["value"]):
                    raise self.error(call, f"The value of {written} must be a number.")
                dtype = "int64" if isinstance(init["value"], int) else "float64"
            _check_shape(shape, call, self, allow_none=False)
            return {"init": init, "dtype": self.dtype_name(given["dtype"]) if "dtype" in given else dtype}
        numbers = [self.literal(argument) for argument in call.args]
        keywords = {keyword.arg: self.literal(keyword.value) for keyword in call.keywords}
        if not all(_is_number(number) for number in [*numbers, *keywords.values()]) or not 1 <= len(numbers) + len(keywords) <= 3:
            raise self.error(call, f"{written} takes up to three numbers here.")
        try:
            if function == "arange":
                if keywords:
                    raise TypeError
                count = math.ceil((numbers[1] - numbers[0]) / (numbers[2] if len(numbers) == 3 else 1)) if len(numbers) > 1 else numbers[0]
                if count > MAX_TENSOR_ELEMENTS:
                    raise ValueError
                array = np.arange(*numbers)
            elif function == "linspace":
                number = keywords.get("num", numbers[2] if len(numbers) > 2 else 50)
                if not isinstance(number, int) or not 0 < number <= MAX_TENSOR_ELEMENTS or set(keywords) - {"num"}:
                    raise ValueError
                array = np.linspace(numbers[0], numbers[1], number)
            else:
                if keywords or not all(isinstance(n, int) and 0 < n <= 300 for n in numbers[:2]) or len(numbers) > 2:
                    raise ValueError
                array = np.eye(*numbers)
        except (ValueError, TypeError, IndexError, ZeroDivisionError):
            raise self.error(call, f"{written} got arguments it cannot use here (or would make more than "
                                   f"{MAX_TENSOR_ELEMENTS:,} numbers).") from None
        if array.size == 0:
            raise self.error(call, f"{written} would be empty.")
        return {"value": array.tolist(), "dtype": str(array.dtype) if str(array.dtype) in DTYPES else "float64"}

    def astype(self, call: ast.Call, name: str | None) -> str:
        """`np.array(...).astype(np.float32)`: a NumPy value with another dtype."""
        value = call.func.value
        path = self.dotted(value.func) if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) else None
        if path and self.modules.get(path[0]) == "numpy" and ".".join(path[1:]) in NUMPY_FUNCTIONS:
            attrs = {**self.numpy_options(".".join(path[1:]), value, ".".join(path)), "numpy": True}
        else:
            attrs = self.defined[self.expression(value)].attrs
        if not attrs.get("numpy") or len(call.args) != 1 or call.keywords:
            raise self.error(call, ".astype(dtype) is read on NumPy arrays only; for tensors use tf.cast(x, tf.float32).")
        dtype = self.dtype_name(call.args[0])
        options = {key: attrs[key] for key in ("value", "init") if key in attrs}
        if "value" in options and dtype not in FLOAT_DTYPES:
            options["value"] = np.trunc(np.asarray(options["value"], dtype=np.float64)).astype(np.int64).tolist()
        return self.add_value_source(name, "constant", {**options, "dtype": dtype, "numpy": True}, call)

    # -- values and dtypes ----------------------------------------------------------------------------
    def array_value(self, expression: ast.expr, role: str, integers: str = "int32", floats: str = "float32") -> tuple[Any, str]:
        """Numbers for a tensor or a feed: a literal (dtype as TensorFlow infers it), or a NumPy value defined above."""
        if isinstance(expression, ast.Name):
            source = self.defined[self.lookup(expression)]
            if source.kind == "constant" and (source.attrs.get("numpy") or "value" in source.attrs) and source.name not in self.weak:
                return self.numpy_numbers(source, expression), source.dtype
            if source.name in self.weak:
                value = source.attrs["value"]
                return value, floats if _has_float(value) else integers
            raise self.error(expression, f"Use numbers or a NumPy array as {role}; '{source.name}' is a tensor.")
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
            path = self.dotted(expression.func)
            if path and self.modules.get(path[0]) == "numpy":
                options = self.numpy_options(".".join(path[1:]), expression, ".".join(path)) if ".".join(path[1:]) in NUMPY_FUNCTIONS else None
                if options is None:
                    self.numpy_call(path, expression, None)  # raises the right refusal
                probe = Node("value", "constant", "constant", (), options)
                return self.numpy_numbers(probe, expression), options["dtype"]
        value = self.numeric_literal(expression)
        if _has_float(value):
            return value, floats
        largest = max((abs(number) for number in language._leaves(value)), default=0)
        return value, integers if largest <= language.DTYPE_LIMITS[integers] else "int64"

    def numpy_numbers(self, node: Node, where: ast.AST) -> Any:
        if "value" in node.attrs:
            return node.attrs["value"]
        init = node.attrs["init"]
        if init["function"] in ("zeros", "ones", "fill"):
            filler = {"zeros": 0, "ones": 1}.get(init["function"], init.get("value"))
            return np.full(init["shape"], filler, dtype=node.dtype).tolist()
        raise self.error(where, f"'{node.name}' holds random numbers; write the numbers to use them here.")

    def dtype_name(self, expression: ast.expr) -> str:
        """A dtype: "float32", tf.float32, tf.dtypes.float32, np.float32, or Python's float / int (NumPy's float64 / int64)."""
        if isinstance(expression, ast.Name) and expression.id in ("float", "int"):
            return "float64" if expression.id == "float" else "int64"
        if isinstance(expression, ast.Attribute):
            path = self.dotted(expression)
            if path and self.modules.get(path[0]) == "numpy" and len(path) == 2 and path[1] in DTYPES:
                return path[1]
            if path and self.modules.get(path[0]) in ("tensorflow", "tensorflow.compat.v1"):
                rest = path[1:][2:] if path[1:3] == ["compat", "v1"] else path[1:]
                entry = TF_NAMES.get(".".join(rest))
                if entry is not None and entry.kind == "dtype":
                    return entry.target
            raise self.error(expression, f"dtype must be one of {', '.join(f'tf.{d}' for d in DTYPES)} here, not {'.'.join(path or ['?'])}.")
        return super().dtype_name(expression)

    def op_call(self, function: str, call: ast.Call, name: str | None, arguments: list[ast.expr],
                keywords: list[ast.keyword], label: str | None = None, extra_options: tuple[str, ...] = ()) -> str:
        if extra_options:
            names = [keyword for keyword in keywords if keyword.arg in extra_options]
            for keyword in names:
                if keyword.arg == "name":
                    value = self.literal(keyword.value)
                    if value is not None and (not isinstance(value, str) or not language.STRING_NAME_RULE.match(value)):
                        raise self.error(keyword.value, "A name= option is up to 64 letters, digits, _ . or -.")
            keywords = [keyword for keyword in keywords if keyword not in names]
        return super().op_call(function, call, name, arguments, keywords, label)

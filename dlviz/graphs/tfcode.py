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

This module reads statements, names and functions; `tfnames` lists the names of TensorFlow it knows,
`tfvalues` makes tensors (tf.constant, tf.Variable, placeholders, initialisers, NumPy), and `tfruns`
follows sessions and tapes.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlviz.graphs import language
from dlviz.graphs.language import NAME_RULE, Node, Note, Printed, Program, _describe_syntax
from dlviz.graphs.tfnames import NUMPY_FUNCTIONS, OUTSIDE, REFUSED_STATEMENTS, TF_NAMES, TfName
from dlviz.graphs.tfruns import Runs, SessionState, TapeState
from dlviz.graphs.tfvalues import Values

MAX_CALL_DEPTH = 4  # a function may call functions defined above it, this many levels deep


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


class Reader(Runs, Values, language.Parser):
    """The playground's language plus TensorFlow's own Python, onto one `Program`."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.modules: dict[str, str] = {}
        self.sessions: dict[str, SessionState] = {}
        self.default_session: SessionState | None = None
        self.tapes: dict[str, TapeState] = {}
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

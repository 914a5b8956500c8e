"""TF1 sessions and gradient tapes in TensorFlow code: what `sess.run` fetches and feeds, what a tape records.

A mixin of `dlviz.graphs.tfcode.Reader` (it uses the reader's names, nodes and notes). It applies
TensorFlow's own rules as TensorFlow would: a TF1 session starts with every variable uninitialised and
needs every placeholder a fetch depends on fed; a tape sees only what is computed inside its block, watches
trainable variables by itself and other tensors only when asked, and answers once unless persistent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from dlviz.graphs.language import Node


@dataclass
class SessionState:
    """A TF1 session in the program: which variables it has initialised, and whether its block has ended."""

    name: str
    line: int
    initialised: set[str] = field(default_factory=set)
    closed: bool = False


@dataclass
class TapeState:
    """A GradientTape in the program: the nodes computed inside its block, the tensors it watches, its answers so far."""

    name: str
    persistent: bool
    recorded: set[str] = field(default_factory=set)
    watched: set[str] = field(default_factory=set)
    used: int = 0
    active: bool = True


class Runs:
    """Sessions, feeds, tapes and gradients, for the TensorFlow-code reader."""

    # -- sessions -----------------------------------------------------------------------------
    def run(self, session: SessionState, call: ast.Call) -> tuple[list[str], bool]:
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

    def check_runnable(self, session: SessionState, names: list[str], fed: set[str], where: ast.AST) -> None:
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
    def tape_gradient(self, tape: TapeState, call: ast.Call) -> tuple[str, list[str], bool]:
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

    def check_taped(self, tape: TapeState, of: str, source: str, where: ast.AST) -> None:
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


    # -- opening them ---------------------------------------------------------------------------
    def open_session(self, call: ast.Call, name: str, where: ast.AST) -> SessionState:
        if self.frames:
            raise self.error(call, "Open sessions outside functions.")
        if call.args or call.keywords:
            raise self.error(call, "Open the session without arguments: tf.compat.v1.Session().")
        self.mark_graph_code("a Session", call)
        session = SessionState(name, call.lineno)
        if name:
            self.bind_name(name, where)
            self.sessions[name] = session
        return session

    def open_tape(self, call: ast.Call, bound: ast.Name) -> TapeState:
        persistent = False
        if call.args:
            raise self.error(call, "Write  tf.GradientTape()  or  tf.GradientTape(persistent=True).")
        for keyword in call.keywords:
            if keyword.arg != "persistent" or not isinstance(keyword.value, ast.Constant) or not isinstance(keyword.value.value, bool):
                raise self.error(call, "GradientTape takes only persistent=True or False here.")
            persistent = keyword.value.value
        self.bind_name(bound.id, bound)
        tape = self.tapes[bound.id] = TapeState(bound.id, persistent)
        if self.frames:
            self.frames[-1].tapes.append(bound.id)  # a tape lives as long as one call of its function
        return tape

    def watch(self, tape: TapeState, call: ast.Call) -> None:
        if not tape.active:
            raise self.error(call, f"{tape.name}.watch(...) belongs inside the  with tf.GradientTape() as {tape.name}:  block.")
        if call.keywords or len(call.args) != 1:
            raise self.error(call, f"Write  {tape.name}.watch(x)  or  {tape.name}.watch([x, y]).")
        argument = call.args[0]
        for element in argument.elts if isinstance(argument, ast.List | ast.Tuple) else [argument]:
            tape.watched.add(self.expression(element))

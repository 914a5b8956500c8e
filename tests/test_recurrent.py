"""The recurrent module against independent computations: a NumPy unrolling of each cell written here from the
equations (gate order as Keras stores it), the layers' own outputs, a tf.GradientTape, and Keras' parameter count."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlviz.data import sequences
from dlviz.networks import recurrent
from dlviz.training import training


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_unroll(cell: str, weights: list[np.ndarray], x: np.ndarray) -> dict[str, np.ndarray]:
    """The textbook equations, step by step: SimpleRNN; LSTM (i, f, c, o); GRU (z, r, h) with reset_after=True."""
    kernel, recurrent_kernel, bias = weights
    units = recurrent_kernel.shape[0]
    h, c = np.zeros(units), np.zeros(units)
    out = {"hidden": [], "input": [], "forget": [], "output": [], "cell": []}
    for x_t in x:
        if cell == "simple":
            h = np.tanh(x_t @ kernel + h @ recurrent_kernel + bias)
        elif cell == "lstm":
            z = x_t @ kernel + h @ recurrent_kernel + bias
            i, f = sigmoid(z[:units]), sigmoid(z[units:2 * units])
            g, o = np.tanh(z[2 * units:3 * units]), sigmoid(z[3 * units:])
            c = f * c + i * g
            h = o * np.tanh(c)
            for key, value in (("input", i), ("forget", f), ("output", o), ("cell", c)):
                out[key].append(value)
        else:
            x_part = x_t @ kernel + bias[0]
            h_part = h @ recurrent_kernel + bias[1]
            update = sigmoid(x_part[:units] + h_part[:units])
            reset = sigmoid(x_part[units:2 * units] + h_part[units:2 * units])
            candidate = np.tanh(x_part[2 * units:] + reset * h_part[2 * units:])
            h = update * h + (1 - update) * candidate
        out["hidden"].append(h)
    return {key: np.array(value) for key, value in out.items() if value}


def randomised(model, seed=0):
    """Weights far from their initial values, so a wrong gate order or bias would show."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(rng.normal(0, 0.6, weight.shape).astype(np.float32))
    return model


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_hidden_states_equal_a_numpy_unrolling_and_the_layers_own_output(cell):
    model = randomised(recurrent.build("classify", cell, units=6, input_shape=(11, 3), outputs=4))
    x = np.random.default_rng(1).normal(size=(11, 3)).astype(np.float32)
    layer = model.get_layer(f"{cell}_1")
    states = recurrent.hidden_states(model, x)
    expected = numpy_unroll(cell, [w.astype(np.float64) for w in layer.get_weights()], x.astype(np.float64))
    assert states.shape == (11, 6)
    np.testing.assert_allclose(states, expected["hidden"], rtol=1e-5, atol=1e-6)
    own = layer(tf.constant(x[None])).numpy()[0]  # the Keras layer's own last hidden state
    np.testing.assert_allclose(states[-1], own, rtol=1e-5, atol=1e-6)
    # ...and the whole model's answer from unrolling equals Keras' forward pass
    np.testing.assert_allclose(recurrent.forward_steps(model, x)[-1], model(x[None]).numpy()[0], rtol=1e-5, atol=1e-6)


def test_lstm_gates_and_cell_state_equal_the_equations():
    model = randomised(recurrent.build("forecast", "lstm", units=5, input_shape=(9, 2), outputs=1), seed=3)
    x = np.random.default_rng(4).normal(size=(9, 2)).astype(np.float32)
    gates = recurrent.gates(model, x)
    expected = numpy_unroll("lstm", [w.astype(np.float64) for w in model.get_layer("lstm_1").get_weights()], x)
    assert set(gates) == {"input", "forget", "cell", "output"}
    for key in gates:
        np.testing.assert_allclose(gates[key], expected[key], rtol=1e-5, atol=1e-6)
    assert gates["input"].min() >= 0 and gates["forget"].max() <= 1
    with pytest.raises(recurrent.RecurrentError, match="LSTM"):
        recurrent.gates(recurrent.build("forecast", "gru", 4, (9, 2), 1), x)


def test_a_second_layer_and_a_text_model_unroll_to_the_model_output():
    model = randomised(recurrent.build("next_char", "gru", units=8, input_shape=(15,), outputs=12, layers=2), seed=5)
    ids = np.random.default_rng(6).integers(0, 12, 15)
    np.testing.assert_allclose(recurrent.forward_steps(model, ids), model(ids[None]).numpy()[0], rtol=1e-4, atol=1e-6)
    embedded = model.get_layer("embedding").get_weights()[0][ids]
    expected = numpy_unroll("gru", [w.astype(np.float64) for w in model.get_layer("gru_1").get_weights()], embedded)
    np.testing.assert_allclose(recurrent.hidden_states(model, ids), expected["hidden"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_input_gradients_equal_a_gradient_tape(cell):
    model = randomised(recurrent.build("classify", cell, units=6, input_shape=(10, 3), outputs=4), seed=7)
    x = np.random.default_rng(8).normal(size=(10, 3)).astype(np.float32)
    norms = recurrent.input_gradients(model, x, 2)
    inputs = tf.constant(x[None])
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss = keras.losses.sparse_categorical_crossentropy(tf.constant([2]), model(inputs))
    direct = np.linalg.norm(tape.gradient(loss, inputs).numpy()[0], axis=-1)
    assert norms.shape == (10,)
    np.testing.assert_allclose(norms, direct, rtol=1e-4, atol=1e-9)
    forecaster = randomised(recurrent.build("forecast", cell, 4, (10, 3), 1), seed=9)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss = tf.reduce_mean(tf.square(forecaster(inputs) - 0.5))
    direct = np.linalg.norm(tape.gradient(loss, inputs).numpy()[0], axis=-1)
    np.testing.assert_allclose(recurrent.input_gradients(forecaster, x, 0.5), direct, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
@pytest.mark.parametrize(("task", "shape", "outputs", "layers"), [
    ("forecast", (12, 1), 1, 1), ("classify", (8, 8), 10, 2), ("next_char", (32,), 40, 1)])
def test_the_parameter_formula_equals_keras_count(cell, task, shape, outputs, layers):
    rows = recurrent.summarise(task, cell, 7, shape, outputs, layers)
    model = recurrent.build(task, cell, 7, shape, outputs, layers)
    assert sum(row.parameters for row in rows) == model.count_params()
    for row in rows:
        assert model.get_layer(row.name).count_params() == row.parameters
        if row.kind in recurrent.CELLS.values():
            assert eval_formula(row.formula) == row.parameters


def eval_formula(formula: str) -> int:
    """The formula text as a number (digits, ×, +, brackets only), independently of how it was computed."""
    assert set(formula) <= set("0123456789 ×+()")
    tokens = formula.replace("×", "*")
    return int(np.round(_arithmetic(tokens)))


def _arithmetic(expression: str) -> float:
    import ast
    import operator

    ops = {ast.Add: operator.add, ast.Mult: operator.mul}

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        raise ValueError(expression)

    return walk(ast.parse(expression, mode="eval"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cell": "transformer"}, "cell"),
    ({"units": 0}, "Units"),
    ({"layers": 9}, "layers"),
    ({"input_shape": (0, 1)}, "time steps"),
    ({"input_shape": (5,)}, "input"),
    ({"task": "classify", "outputs": 1}, "2 classes"),
    ({"units": 512, "layers": 4, "input_shape": (10, 1024)}, "parameters"),
])
def test_bad_settings_are_explained(kwargs, message):
    settings = {"task": "forecast", "cell": "lstm", "units": 8, "input_shape": (10, 1), "outputs": 1, "layers": 1, **kwargs}
    with pytest.raises(recurrent.RecurrentError, match=message):
        recurrent.build(**settings)


def test_keras_code_builds_the_same_model():
    code = recurrent.keras_code("next_char", "lstm", 16, (20,), 30, layers=2)
    assert "keras.layers.LSTM(16, return_sequences=True)" in code and "Embedding(30" in code
    assert code.count("return_sequences=True") == 2


def test_forecast_baselines_are_the_naive_and_least_squares_forecasts():
    data = sequences.load("oscillator", 6)
    model = recurrent.build("forecast", "gru", 4, data.input_shape, 1)
    comparison = recurrent.compare_forecasts(model, data)
    truth = data.series[data.boundaries[1]:]
    np.testing.assert_allclose(comparison.truth, truth, rtol=1e-5)
    np.testing.assert_allclose(comparison.naive, data.series[data.boundaries[1] - 1:-1], rtol=1e-5, atol=1e-5)
    from sklearn.linear_model import LinearRegression

    fitted = LinearRegression().fit(data.x_train[..., 0], data.y_train[:, 0])
    linear = data.unscale(fitted.predict(data.x_test[..., 0]))
    np.testing.assert_allclose(comparison.linear, linear, rtol=1e-4, atol=1e-4)
    assert comparison.errors["naive"]["MAE"] == pytest.approx(np.mean(np.abs(comparison.naive - truth)))
    np.testing.assert_allclose(comparison.network, data.unscale(model.predict(data.x_test, verbose=0)[:, 0]), rtol=1e-5)


def test_multi_step_forecast_feeds_predictions_back():
    model = randomised(recurrent.build("forecast", "simple", 3, (4, 1), 1), seed=2)
    window = np.array([0.1, -0.2, 0.3, 0.0], dtype=np.float32)
    predicted = recurrent.forecast(model, window, 3)
    first = model(window.reshape(1, 4, 1)).numpy()[0, 0]
    second = model(np.r_[window[1:], first].reshape(1, 4, 1).astype(np.float32)).numpy()[0, 0]
    np.testing.assert_allclose(predicted[:2], [first, second], rtol=1e-5)


def test_generation_carries_the_state_like_running_the_whole_text():
    model = randomised(recurrent.build("next_char", "lstm", 8, (10,), 6), seed=11)
    written = recurrent.generate(model, np.array([1, 2, 3]), 5, temperature=0.05, seed=0)
    # at a very low temperature each character is the model's most likely next one given everything before it
    text = [1, 2, 3]
    for character in written:
        probabilities = model(np.array(text)[None]).numpy()[0, -1]
        assert character == int(np.argmax(probabilities))
        text.append(int(character))
    with pytest.raises(recurrent.RecurrentError, match="temperature"):
        recurrent.generate(model, np.array([1]), 3, temperature=0)


def test_bits_per_character_and_top_units():
    data = sequences.from_text("abcab" * 600, window=10)
    model = recurrent.build("next_char", "gru", 4, (10,), data.num_classes)
    probabilities = model.predict(data.x_test, verbose=0)
    picked = probabilities[np.arange(len(data.x_test))[:, None], np.arange(10)[None], data.y_test]
    assert recurrent.bits_per_character(model, data.x_test, data.y_test) == pytest.approx(-np.mean(np.log2(picked)), rel=1e-5)
    states = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 1.0]])
    assert recurrent.top_units(states, np.array([False, True, False]))[0] == (0, 1.0)
    with pytest.raises(recurrent.RecurrentError):
        recurrent.top_units(states, np.zeros(3, dtype=bool))


def test_compare_cells_trains_each_cell_and_keeps_the_gradients():
    config = training.TrainConfig(epochs=2, batch_size=64, learning_rate=1e-2)
    epochs = []
    comparison, run = recurrent.compare_cells((1, 3), cells=("simple", "lstm"), units=4, config=config,
                                              hooks=training.Hooks(on_epoch=lambda r: epochs.append(len(r.history))))
    assert set(comparison.accuracy) == {"simple", "lstm"} and set(comparison.accuracy["lstm"]) == {1, 3}
    assert all(0 <= a <= 1 for by_delay in comparison.accuracy.values() for a in by_delay.values())
    assert comparison.gradients_after["lstm"].shape == (4,) and comparison.chance == 0.25
    assert len(run.history) == 2 * 2 * 2 and epochs == list(range(1, 9))

"""The RBM and DBN against NumPy, Keras and scikit-learn: formulas, one CD step with the same random numbers, stacking."""

import threading

import numpy as np
import pytest

from dlviz.data import datasets
from dlviz.networks import rbm, rbm_studies
from dlviz.training import training


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0.0, x)


def random_machine(n_visible=6, n_hidden=4, seed=1, **settings) -> rbm.RBM:
    rng = np.random.default_rng(seed)
    machine = rbm.RBM(n_visible, n_hidden, seed=seed, **settings)
    machine.set_weights([rng.normal(0, 0.5, (n_visible, n_hidden)), rng.normal(0, 0.3, n_visible),
                         rng.normal(0, 0.3, n_hidden)])
    return machine


def numpy_cd(params, velocities, v0, hidden_noise, visible_noise, lr, momentum=0.0, decay=0.0, chain=None):
    """Textbook CD-k (persistent when `chain` is given): returns new params, velocities, chain and the loss."""
    w, b, c = (p.astype(np.float64) for p in params)
    h_data = sigmoid(v0 @ w + c)
    h = chain if chain is not None else (hidden_noise[0] < h_data).astype(np.float64)
    for step in range(len(visible_noise)):
        v = (visible_noise[step] < sigmoid(h @ w.T + b)).astype(np.float64)
        h_model = sigmoid(v @ w + c)
        if chain is not None:
            h = (hidden_noise[step] < h_model).astype(np.float64)
        elif step + 1 < len(visible_noise):
            h = (hidden_noise[step + 1] < h_model).astype(np.float64)
    positive, negative = v0.T @ h_data / len(v0), v.T @ h_model / len(v)
    vw = momentum * velocities[0] + lr * (positive - negative - decay * w)
    vb = momentum * velocities[1] + lr * (v0.mean(0) - v.mean(0))
    vc = momentum * velocities[2] + lr * (h_data.mean(0) - h_model.mean(0))
    loss = np.mean((v0 - sigmoid(h_data @ w.T + b)) ** 2)
    return [w + vw, b + vb, c + vc], [vw, vb, vc], h, loss


def test_transform_reconstruct_and_free_energy_match_numpy():
    machine = random_machine()
    v = np.random.default_rng(0).random((7, 6)).astype(np.float32)
    w, b, c = machine.weights, machine.visible_bias, machine.hidden_bias
    hidden = sigmoid(v @ w + c)
    np.testing.assert_allclose(machine.transform(v), hidden, rtol=1e-5)
    np.testing.assert_allclose(machine.reconstruct(v), sigmoid(hidden @ w.T + b), rtol=1e-5)
    np.testing.assert_allclose(machine.free_energy(v), -v @ b - softplus(c + v @ w).sum(1), rtol=1e-5)
    assert machine.transform(v).shape == (7, 4) and machine.free_energy(v).shape == (7,)


def test_pseudo_likelihood_sums_every_pixels_conditional_probability():
    machine = random_machine()
    v = (np.random.default_rng(2).random((5, 6)) > 0.5).astype(np.float32)
    w, b, c = machine.weights.astype(np.float64), machine.visible_bias, machine.hidden_bias

    def free(x):
        return -x @ b - softplus(c + x @ w).sum(1)

    expected = np.zeros(len(v))
    for pixel in range(6):
        flipped = v.copy()
        flipped[:, pixel] = 1 - flipped[:, pixel]
        expected += np.log(sigmoid(free(flipped) - free(v)))  # log P(v_i | the other pixels)
    np.testing.assert_allclose(machine.pseudo_likelihood(v), expected, rtol=1e-4)


def test_one_cd1_step_equals_numpy_given_the_same_random_numbers():
    machine = random_machine(learning_rate=0.5)
    rng = np.random.default_rng(3)
    v0 = (rng.random((5, 6)) > 0.5).astype(np.float32)
    hidden_noise, visible_noise = rng.random((1, 5, 4), dtype=np.float32), rng.random((1, 5, 6), dtype=np.float32)
    before = machine.get_weights()
    expected, _, _, loss = numpy_cd(before, [0, 0, 0], v0, hidden_noise, visible_noise, 0.5)
    got = machine.cd_step(v0, hidden_noise, visible_noise)
    for ours, theirs in zip(machine.get_weights(), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert got == pytest.approx(loss, rel=1e-5)
    assert not np.allclose(machine.weights, before[0])


def test_cd2_with_momentum_and_decay_over_consecutive_batches_equals_numpy():
    machine = random_machine(k=2, learning_rate=0.3, momentum=0.6, weight_decay=0.01)
    rng = np.random.default_rng(4)
    batches = rng.random((3, 5, 6)).astype(np.float32)
    hidden_noise, visible_noise = rng.random((3, 2, 5, 4), dtype=np.float32), rng.random((3, 2, 5, 6), dtype=np.float32)
    params, velocities, losses = machine.get_weights(), [0, 0, 0], []
    for i in range(3):
        params, velocities, _, loss = numpy_cd(params, velocities, batches[i], hidden_noise[i], visible_noise[i],
                                               0.3, 0.6, 0.01)
        losses.append(loss)
    got = machine.cd_steps(batches, hidden_noise, visible_noise)
    for ours, theirs in zip(machine.get_weights(), params):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got, losses, rtol=1e-5)


def test_persistent_cd_keeps_its_chain_between_updates_as_numpy_does():
    machine = random_machine(persistent=True, learning_rate=0.2)
    rng = np.random.default_rng(5)
    batches = rng.random((2, 5, 6)).astype(np.float32)
    hidden_noise, visible_noise = rng.random((2, 1, 5, 4), dtype=np.float32), rng.random((2, 1, 5, 6), dtype=np.float32)
    params, velocities, chain = machine.get_weights(), [0, 0, 0], np.zeros((5, 4))
    for i in range(2):
        params, velocities, chain, _ = numpy_cd(params, velocities, batches[i], hidden_noise[i], visible_noise[i], 0.2,
                                                chain=chain)
    machine.cd_steps(batches, hidden_noise, visible_noise)
    for ours, theirs in zip(machine.get_weights(), params):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_padding_rows_and_batches_change_nothing():
    machine = random_machine(learning_rate=0.4, momentum=0.5)
    rng = np.random.default_rng(6)
    real = rng.random((3, 6)).astype(np.float32)
    hidden_noise, visible_noise = rng.random((1, 1, 5, 4), dtype=np.float32), rng.random((1, 1, 5, 6), dtype=np.float32)
    twin = random_machine(learning_rate=0.4, momentum=0.5)
    padded = np.concatenate([real, np.ones((2, 6), np.float32)])[None]
    padded_batches = np.concatenate([padded, padded])  # the second batch is all padding
    masks = np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], np.float32)
    machine.cd_steps(padded_batches, np.concatenate([hidden_noise] * 2), np.concatenate([visible_noise] * 2), masks)
    twin.cd_steps(real[None], hidden_noise[:, :, :3], visible_noise[:, :, :3])
    for ours, theirs in zip(machine.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_training_through_the_engine_learns_digits_snapshots_and_stops():
    digits = datasets.load("digits")
    machine = rbm.RBM(64, 32, learning_rate=0.1, seed=0)
    before = machine.reconstruction_error(digits.x_test)
    run = machine.fit(digits.x_train, epochs=3, batch_size=10, x_val=digits.x_test)
    assert run.outcome == "finished" and len(run.history) == 3 and len(run.snapshots) == 3
    assert run.history[-1]["val_loss"] == pytest.approx(machine.reconstruction_error(digits.x_test), rel=1e-5)
    assert run.history[-1]["val_loss"] < 0.7 * before
    assert {"pseudo_likelihood", "val_free_energy"} <= set(run.history[-1])
    assert machine._per_call > 1  # tiny batches go through the compiled loop many at a time
    np.testing.assert_array_equal(run.snapshots[-1][0], machine.weights)
    stop = threading.Event()
    stop.set()
    stopped = rbm.RBM(64, 8).fit(digits.x_train, epochs=5, batch_size=10, stop=stop)
    assert stopped.outcome == "stopped" and stopped.finished_epochs <= 1  # stopped within the first epoch


def test_gibbs_chain_records_steps_and_is_reproducible():
    machine = random_machine()
    start = (np.random.default_rng(7).random((3, 6)) > 0.5).astype(np.float32)
    chain = machine.gibbs_chain(start, [0, 1, 10], seed=2)
    assert chain.steps == [0, 1, 10] and chain.visible.shape == (3, 3, 6)
    np.testing.assert_array_equal(chain.visible[0], start)
    np.testing.assert_allclose(machine.gibbs(start, 10, seed=2), chain.visible[-1])
    assert np.all((chain.visible >= 0) & (chain.visible <= 1))


def test_from_parameters_reads_scikit_learns_bernoulli_rbm():
    from sklearn.neural_network import BernoulliRBM

    x = datasets.load("digits").x_train.reshape(-1, 64)[:300]
    theirs = BernoulliRBM(n_components=16, n_iter=2, random_state=0).fit(x)
    ours = rbm.RBM.from_parameters(theirs.components_.T, theirs.intercept_visible_, theirs.intercept_hidden_)
    np.testing.assert_allclose(ours.transform(x), theirs.transform(x), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.free_energy(x), theirs._free_energy(x), rtol=1e-4)


def test_dbn_to_keras_reproduces_every_layers_hidden_probabilities():
    import keras

    digits = datasets.load("digits")
    dbn = rbm.DBN([64, 24, 12], learning_rate=0.1)
    stack = dbn.fit(digits.x_train[:400], epochs=2, batch_size=20)
    assert [row["layer"] for row in stack.history] == [1, 1, 2, 2] and len(dbn.runs) == 2
    model = dbn.to_keras(10)
    images = digits.x_test[:9]
    for index, expected in enumerate(dbn.layer_outputs(images), start=1):
        direct = keras.Model(model.inputs[0], model.get_layer(f"rbm_{index}").output)(images)
        np.testing.assert_allclose(direct, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dbn.transform(images), dbn.layer_outputs(images)[-1])
    fresh = rbm.same_network_from_scratch(model)
    assert [layer.name for layer in fresh.layers] == [layer.name for layer in model.layers]
    assert not np.allclose(fresh.get_layer("rbm_1").get_weights()[0], model.get_layer("rbm_1").get_weights()[0])


@pytest.mark.parametrize("bad, words", [
    (np.array(["a", "b"]).reshape(1, 2), "must be numbers"),
    (np.arange(5.0) / 5, "set of images"),
    (np.zeros((0, 64)), "empty"),
    (np.full((2, 64), 2.0), "between 0 and 1"),
    (np.full((2, 64), np.nan), "NaN"),
    (np.zeros((2, 10)), "64 visible units"),
    ([[0.1, "x"]], "must be numbers"),
])
def test_bad_images_are_refused_with_a_sentence(bad, words):
    with pytest.raises(rbm.RBMError, match=words):
        rbm.RBM(64, 4).transform(bad)


@pytest.mark.parametrize("settings, words", [
    ({"n_visible": 0, "n_hidden": 4}, "visible units"),
    ({"n_visible": 64, "n_hidden": 10**7}, "hidden units"),
    ({"n_visible": 12_000, "n_hidden": 4000}, "the limit"),
    ({"n_visible": 64, "n_hidden": 4, "k": 0}, "CD-k"),
    ({"n_visible": 64, "n_hidden": 4, "learning_rate": float("nan")}, "learning rate"),
    ({"n_visible": 64, "n_hidden": 4, "momentum": 1.5}, "momentum"),
    ({"n_visible": 64, "n_hidden": 4.5}, "hidden units"),
])
def test_absurd_settings_are_refused(settings, words):
    with pytest.raises(rbm.RBMError, match=words):
        rbm.RBM(**settings)


def test_bad_stacks_chains_and_training_settings_are_refused():
    with pytest.raises(rbm.RBMError, match="hidden layer sizes"):
        rbm.DBN([64])
    with pytest.raises(rbm.RBMError, match="Gibbs steps"):
        rbm.RBM(6, 4).gibbs(np.zeros((1, 6)), 10**6)
    with pytest.raises(rbm.RBMError, match="batch size"):
        rbm.RBM(6, 4).fit(np.zeros((4, 6)), epochs=1, batch_size=0)
    with pytest.raises(rbm.RBMError, match="classes"):
        rbm.DBN([6, 4]).to_keras(1)
    assert issubclass(rbm.RBMError, ValueError)


def test_shifted_moves_every_image_one_pixel_each_way():
    x = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 1) / 20
    moved, labels = rbm_studies.shifted(x, np.array([4, 7]))
    assert moved.shape == (10, 3, 3, 1) and list(labels) == [4, 7] * 5
    np.testing.assert_array_equal(moved[2, 1:, :, 0], x[0, :-1, :, 0])  # down by one
    np.testing.assert_array_equal(moved[2, 0, :, 0], 0)
    np.testing.assert_array_equal(moved[8, :, :-1, 0], x[0, :, 1:, 0])  # left by one


def test_the_cd_update_graph_has_no_gradient_ops_and_backprop_has():
    update, backprop = rbm_studies.update_graphs(rbm.RBM(64, 16))
    kinds = [data["kind"] for _, data in update.nodes(data=True)]
    assert "gradient" not in kinds and any(name.startswith("negative_phase/") for name in update)
    assert any(data["kind"] == "gradient" for _, data in backprop.nodes(data=True))
    assert sum(data["op"] == "MatMul" for _, data in update.nodes(data=True)) >= 4


def test_few_labels_on_a_tiny_setting_matches_a_direct_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    digits = datasets.load("digits")
    dbn = rbm.DBN([64, 32], learning_rate=0.1)
    dbn.fit(digits.x_train, epochs=1, batch_size=20)
    steps = []
    result = rbm_studies.few_labels(dbn, digits.x_train, digits.y_train, digits.x_test, digits.y_test, counts=(2,),
                                    draws=1, fine_tune=rbm_studies.FineTune(updates=20), seed=5,
                                    on_step=lambda done, total, partial: steps.append((done, total)))
    assert steps == [(1, 1)] and len(result.rows) == 4
    chosen = rbm_studies.labelled_subset(digits.y_train, 2, np.random.default_rng([5, 0, 2]))
    assert len(chosen) == 20 and set(digits.y_train[chosen]) == set(range(10))
    direct = LogisticRegression(C=1.0, solver="newton-cg", max_iter=1000).fit(
        digits.x_train[chosen].reshape(20, -1), digits.y_train[chosen]).score(digits.x_test.reshape(-1, 64), digits.y_test)
    raw = next(row for row in result.rows if row["method"] == rbm_studies.METHODS[0])
    assert raw["accuracy"] == pytest.approx(direct) and raw["draws"] == 1
    assert all(0 <= row["accuracy"] <= 1 for row in result.rows)
    assert "Best for each number of labels" in rbm_studies.few_labels_verdict(result.rows)


def test_features_for_a_classifier_on_raw_and_shifted_images():
    from sklearn.linear_model import LogisticRegression

    digits = datasets.load("digits")
    x_train, y_train, x_test, y_test = digits.x_train[:200], digits.y_train[:200], digits.x_test[:100], digits.y_test[:100]
    rows = rbm_studies.features_for_classifier(x_train, y_train, x_test, y_test, None,
                                               {"n_hidden": 16, "learning_rate": 0.1}, epochs=1, batch_size=20)
    assert [row["training images"] for row in rows] == [200, 1000]
    direct = LogisticRegression(C=rbm_studies.RAW_C, solver="newton-cg", max_iter=1000).fit(
        x_train.reshape(200, -1), y_train).score(x_test.reshape(100, -1), y_test)
    assert rows[0]["raw pixels"] == pytest.approx(direct)
    assert all(0.1 < row["RBM features"] <= 1 for row in rows)


def test_a_learner_may_take_several_batches_per_call():
    class Counting:
        def __init__(self):
            self.calls, self.rows = [], 0

        def batches_per_call(self, batch_size, batches):
            return 4

        def train_batches(self, rows, batch_size):
            self.calls.append(len(rows))
            return [0.5] * -(-len(rows) // batch_size)

        def train_batch(self, batch):
            raise AssertionError("train_batches is used instead")

        def epoch_metrics(self, x_train, x_val):
            return {"loss": 0.5}

        def get_weights(self):
            return [np.zeros(1)]

    learner = Counting()
    progress = []
    run = training.train_learner(learner, np.zeros((95, 2)), training.TrainConfig(epochs=2, batch_size=10),
                                 on_batch=lambda p: progress.append(p.batch))
    assert learner.calls == [40, 40, 15] * 2 and run.finished_epochs == 2
    assert progress[:10] == list(range(1, 11))

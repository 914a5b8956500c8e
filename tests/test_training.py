"""Real, short trainings: they learn, stop when asked, catch divergence, and snapshot weights."""

import threading
import time

import numpy as np
import pytest

from dlviz.cnn import architecture
from dlviz.cnn.architecture import layer
from dlviz.data import datasets, modelio
from dlviz.training import jobs, training


@pytest.fixture(scope="module")
def digits():
    return datasets.load("digits")


def small_model(data):
    layers = [layer("Conv2D", filters=8), layer("MaxPool2D"), layer("Flatten")]
    return architecture.build_model(layers, data.input_shape, data.num_classes)


def test_short_training_beats_chance_on_digits_and_snapshots_every_epoch(digits):
    model = small_model(digits)
    run = training.train(model, digits, training.TrainConfig(epochs=3, learning_rate=3e-3))
    evaluation = training.evaluate(model, digits)
    assert evaluation.accuracy > 0.8  # chance is 0.1
    assert len(run.history) == 3 and len(run.snapshots) == 3 and run.snapshot_epochs == [1, 2, 3]
    np.testing.assert_array_equal(run.snapshots[-1][0], model.get_weights()[0])
    assert not np.array_equal(run.snapshots[0][0], run.snapshots[-1][0])
    direct = np.argmax(model.predict(digits.x_test, verbose=0), axis=1)
    assert evaluation.accuracy == pytest.approx(np.mean(direct == digits.y_test))
    assert evaluation.confusion.sum() == len(digits.y_test)
    assert np.trace(evaluation.confusion) == len(digits.y_test) - len(evaluation.misclassified)


def test_short_training_beats_chance_on_shapes():
    data = datasets.shapes(per_class=120)
    model = small_model(data)
    training.train(model, data, training.TrainConfig(epochs=4, learning_rate=3e-3))
    assert training.evaluate(model, data).accuracy > 0.5  # chance is 0.2


def test_stop_request_is_honoured_and_keeps_the_partial_model(digits):
    stop = threading.Event()
    model = small_model(digits)
    batches = []

    def on_batch(progress):
        batches.append(progress)
        if len(batches) == 5:
            stop.set()

    run = training.train(model, digits, training.TrainConfig(epochs=5), on_batch=on_batch, stop=stop)
    assert run.stopped == "stopped by you"
    assert run.finished_epochs == 1  # the epoch in progress is kept, none after it
    assert len(batches) == 5


def test_absurd_learning_rate_is_caught(digits):
    model = small_model(digits)
    run = training.train(model, digits, training.TrainConfig(epochs=3, learning_rate=100.0, optimizer="sgd"))
    assert "learning rate is probably too high" in run.stopped


def test_snapshots_are_bounded(digits):
    run = training.train(small_model(digits), digits, training.TrainConfig(epochs=7, snapshot_limit=4))
    assert len(run.snapshots) <= 4 and run.snapshot_epochs[0] == 1 and run.snapshot_epochs[-1] == 7


@pytest.mark.parametrize("bad", [dict(epochs=0), dict(batch_size=0), dict(learning_rate=-1.0), dict(optimizer="lbfgs"),
                                 dict(validation_split=0.95)])
def test_bad_settings(bad):
    with pytest.raises(training.TrainingError):
        training.TrainConfig(**bad).check()


def test_model_and_dataset_must_fit(digits):
    other = datasets.shapes(per_class=10)
    with pytest.raises(training.TrainingError, match="expects images"):
        training.train(small_model(other), digits, training.TrainConfig(epochs=1))


def test_background_job_trains_and_evaluates(digits):
    job = jobs.start(small_model(digits), digits, training.TrainConfig(epochs=2))
    assert job.wait(120)
    assert job.status == "done" and job.evaluation.accuracy > 0.5 and job.progress == 1.0


def test_history_csv(digits):
    run = training.train(small_model(digits), digits, training.TrainConfig(epochs=2))
    lines = training.history_csv(run).strip().splitlines()
    assert lines[0].split(",")[:2] == ["epoch", "accuracy"] and len(lines) == 3


def test_save_and_load_round_trip_gives_identical_predictions(digits):
    model = small_model(digits)
    training.train(model, digits, training.TrainConfig(epochs=1))
    loaded = modelio.load_model(modelio.save_model(model))
    np.testing.assert_allclose(loaded.predict(digits.x_test[:16], verbose=0), model.predict(digits.x_test[:16], verbose=0), rtol=1e-6)


def test_lambda_model_is_refused_and_its_code_never_runs(tmp_path):
    import keras

    marker = tmp_path / "ran"
    inputs = keras.Input((4,))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    model = keras.Model(inputs, outputs)
    with pytest.raises(modelio.ModelFileError, match="Lambda"):
        modelio.load_model(modelio.save_model(model))
    assert not marker.exists()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "m.keras", "empty"),
    (b"\x00garbage" * 100, "m.keras", "not a .keras"),
    (b"\x89HDF\r\n\x1a\n" + b"0" * 100, "m.h5", "legacy HDF5"),
    (b"x" * (modelio.MAX_MODEL_BYTES + 1), "m.keras", "limit"),
])
def test_bad_model_files(data, name, message):
    with pytest.raises(modelio.ModelFileError, match=message):
        modelio.load_model(data, name)


# -- the engine beyond classifiers -------------------------------------------------------------
class LinearRegressionLearner:
    """A Learner with a hand-written SGD step (no Keras), the way an RBM brings its own update."""

    def __init__(self, features: int, learning_rate: float = 0.1) -> None:
        self.weights = np.zeros(features)
        self.learning_rate = learning_rate

    def train_batch(self, batch):
        x, y = batch[:, :-1], batch[:, -1]
        error = x @ self.weights - y
        self.weights -= self.learning_rate * 2 * x.T @ error / len(batch)
        return float(np.mean(error**2))

    def epoch_metrics(self, x_train, x_val):
        loss = lambda data: float(np.mean((data[:, :-1] @ self.weights - data[:, -1]) ** 2))  # noqa: E731
        return {"loss": loss(x_train), **({"val_loss": loss(x_val)} if x_val is not None else {})}

    def get_weights(self):
        return [self.weights]


def regression_rows(seed=0, n=400):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return np.column_stack([x, x @ np.array([1.0, -2.0, 0.5])])


def test_a_learner_with_its_own_step_learns_and_snapshots_every_epoch():
    rows = regression_rows()
    learner = LinearRegressionLearner(3)
    run = training.train_learner(learner, rows[:300], training.TrainConfig(epochs=5, batch_size=20), x_val=rows[300:])
    np.testing.assert_allclose(learner.weights, [1.0, -2.0, 0.5], atol=1e-3)
    assert [row["epoch"] for row in run.history] == [1, 2, 3, 4, 5] and run.outcome == "finished"
    assert run.history[-1]["val_loss"] == pytest.approx(learner.epoch_metrics(rows, rows[300:])["val_loss"])
    assert run.snapshot_epochs == [1, 2, 3, 4, 5] and not np.array_equal(run.snapshots[0][0], run.snapshots[-1][0])
    assert run.summary() == "Finished 5 epochs"


def test_a_learner_that_diverges_is_stopped_and_stop_is_honoured():
    rows = regression_rows()
    run = training.train_learner(LinearRegressionLearner(3, learning_rate=50.0), rows, training.TrainConfig(epochs=5))
    assert run.outcome == "diverged" and "learning rate" in run.stopped and run.summary().startswith("Diverged at epoch")
    stop = threading.Event()
    stop.set()
    run = training.train_learner(LinearRegressionLearner(3), rows, training.TrainConfig(epochs=5), stop=stop)
    assert run.outcome == "stopped" and run.finished_epochs == 1 and run.summary() == "Stopped at epoch 1 of 5"


def test_a_reconstruction_task_trains_an_autoencoder_against_its_own_input(digits):
    import keras

    flat = digits.x_train.reshape(len(digits.x_train), -1)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(64, activation="sigmoid")])
    data = training.Data(flat[:1200], flat[:1200], flat[1200:], flat[1200:])
    run = training.train(model, data, training.TrainConfig(epochs=8, learning_rate=3e-3), training.reconstruct("mse"))
    assert run.history[-1]["loss"] < 0.5 * np.var(flat)  # far better than predicting the mean image
    direct = float(np.mean((model.predict(flat[1200:], verbose=0) - flat[1200:]) ** 2))
    assert run.history[-1]["val_loss"] == pytest.approx(direct, rel=1e-3)


def test_a_regression_task_is_checked_against_its_targets(digits):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    rows = regression_rows()
    data = training.Data(rows[:, :3], rows[:, 3:], None, None)
    run = training.train(model, data, training.TrainConfig(epochs=30, learning_rate=0.05), training.regress())
    assert run.history[-1]["loss"] < 0.01
    with pytest.raises(training.TrainingError, match="targets"):
        training.train(model, training.Data(rows[:, :3], rows[:, :2]), training.TrainConfig(epochs=1), training.regress())


def test_a_classifier_trains_on_plain_data_and_labels_beyond_its_outputs_are_refused(digits):
    import keras

    flat = digits.x_train.reshape(len(digits.x_train), -1)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10, activation="softmax")])
    run = training.train(model, training.Data(flat, digits.y_train), training.TrainConfig(epochs=3, learning_rate=0.01),
                         training.classify(10))
    assert run.history[-1]["accuracy"] > 0.8
    small = keras.Sequential([keras.Input((64,)), keras.layers.Dense(5, activation="softmax")])
    with pytest.raises(training.TrainingError, match="5 outputs but the data has 10 classes"):
        training.train(small, training.Data(flat, digits.y_train), training.TrainConfig(epochs=1), training.classify(5))


def test_the_queue_is_fair_between_visitors(monkeypatch):
    monkeypatch.setenv("DLVIZ_TRAINING_SLOTS", "1")
    started, release = [], {name: threading.Event() for name in ("a1", "a2", "b1")}

    def work_for(name):
        def work(hooks):
            started.append(name)
            release[name].wait(30)
            return training.TrainingRun(None, training.TrainConfig(epochs=1))
        return work

    a1 = jobs.submit(work_for("a1"), epochs=1, owner="a")
    while not started:
        time.sleep(0.01)
    a2 = jobs.submit(work_for("a2"), epochs=1, owner="a")
    time.sleep(0.05)
    b1 = jobs.submit(work_for("b1"), epochs=1, owner="b")
    time.sleep(0.2)
    assert (b1.queue_position(), a2.queue_position()) == (0, 1)  # b has no training yet: b goes first
    assert b1.summary() == "Waiting for a free place (position 1 in the queue)"
    for name in ("a1", "b1", "a2"):
        release[name].set()
    assert a1.wait(10) and a2.wait(10) and b1.wait(10)
    assert started == ["a1", "b1", "a2"]

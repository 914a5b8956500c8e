"""Real, short trainings: they learn, stop when asked, catch divergence, and snapshot weights."""

import threading

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

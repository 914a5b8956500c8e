"""Training a Keras model with progress, stop requests, divergence detection and weight snapshots.

No UI here: `train` reports through plain callables, so a page can draw live curves, a
notebook can print, and a test can count calls.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from dlviz.data.datasets import Dataset

OPTIMIZERS = {
    "adam": "Adam",
    "sgd": "SGD",
    "momentum": "SGD with momentum 0.9",
    "rmsprop": "RMSprop",
}
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
MAX_EPOCHS = 200


class TrainingError(ValueError):
    """Settings that cannot train, explained."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides how a model is trained."""

    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    validation_split: float = 0.1
    seed: int = 0
    snapshot_limit: int = 50

    def check(self) -> None:
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise TrainingError(f"Epochs must be between 1 and {MAX_EPOCHS}.")
        if not 1 <= self.batch_size <= 4096:
            raise TrainingError("The batch size must be between 1 and 4096.")
        if not (0 < self.learning_rate <= 100) or not math.isfinite(self.learning_rate):
            raise TrainingError("The learning rate must be a positive number (typical: 0.001 to 0.1).")
        if self.optimizer not in OPTIMIZERS:
            raise TrainingError(f"Choose an optimizer from: {', '.join(OPTIMIZERS)}.")
        if not 0 <= self.validation_split < 0.9:
            raise TrainingError("The validation split must be at least 0 and below 0.9.")


@dataclass
class Progress:
    """Where a running training is, for a progress bar."""

    epoch: int
    epochs: int
    batch: int
    batches: int

    @property
    def fraction(self) -> float:
        done = (self.epoch * self.batches + self.batch) / max(1, self.epochs * self.batches)
        return min(1.0, done)


@dataclass
class TrainingRun:
    """A model's training: per-epoch metrics, weight snapshots, and how it ended."""

    model: Any
    config: TrainConfig
    history: list[dict[str, float]] = field(default_factory=list)
    snapshots: list[list[np.ndarray]] = field(default_factory=list)
    snapshot_epochs: list[int] = field(default_factory=list)
    stopped: str = ""  # "", "stopped by you", or why it was stopped (divergence)
    seconds: float = 0.0

    @property
    def finished_epochs(self) -> int:
        return len(self.history)


@dataclass(frozen=True)
class Evaluation:
    """How a trained model does on the test set."""

    accuracy: float
    loss: float
    predictions: np.ndarray
    confusion: np.ndarray
    misclassified: np.ndarray  # indices into the test set


def make_optimizer(name: str, learning_rate: float):
    """The Keras optimizer for a name in OPTIMIZERS."""
    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate, momentum=0.9)
    return keras.optimizers.RMSprop(learning_rate)


def compile_model(model: Any, config: TrainConfig) -> None:
    """Compile for integer class labels, with accuracy."""
    model.compile(
        optimizer=make_optimizer(config.optimizer, config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def train(
    model: Any,
    dataset: Dataset,
    config: TrainConfig,
    *,
    on_epoch: Callable[[TrainingRun], None] | None = None,
    on_batch: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> TrainingRun:
    """Train `model` on `dataset` in place; the run keeps history and per-epoch snapshots."""
    config.check()
    _check_model_fits(model, dataset)
    keras.utils.set_random_seed(config.seed)
    compile_model(model, config)
    run = TrainingRun(model, config)
    callback = _RunCallback(run, dataset, config, on_epoch, on_batch, stop)
    started = time.perf_counter()
    model.fit(
        dataset.x_train,
        dataset.y_train,
        epochs=config.epochs,
        batch_size=config.batch_size,
        validation_split=config.validation_split,
        shuffle=True,
        verbose=0,
        callbacks=[callback],
    )
    run.seconds = time.perf_counter() - started
    return run


def _check_model_fits(model: Any, dataset: Dataset) -> None:
    expected = tuple(model.input_shape[1:])
    if expected != dataset.input_shape:
        raise TrainingError(
            f"The model expects images of {expected} but the dataset has {dataset.input_shape}; rebuild the model "
            "for this dataset."
        )
    outputs = model.output_shape[-1]
    if outputs != dataset.num_classes:
        raise TrainingError(f"The model has {outputs} outputs but the dataset has {dataset.num_classes} classes.")


class _RunCallback(keras.callbacks.Callback):
    """Reports progress, honours stop requests, detects divergence and snapshots weights."""

    def __init__(self, run, dataset, config, on_epoch, on_batch, stop):
        super().__init__()
        self.run, self.config = run, config
        self.on_epoch_callback, self.on_batch_callback, self.stop = on_epoch, on_batch, stop
        samples = int(len(dataset.x_train) * (1 - config.validation_split))
        self.batches = max(1, math.ceil(samples / config.batch_size))
        self.epoch = 0
        self.first_loss: float | None = None
        self.guessing_loss = math.log(max(2, dataset.num_classes))  # the loss of a uniform random guess

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.halt(
                f"the loss became {loss} at epoch {self.epoch + 1}, batch {batch + 1}: the learning rate "
                f"({self.config.learning_rate:g}) is probably too high; try one ten times smaller."
            )
            return
        if self.first_loss is None:
            self.first_loss = loss
        elif loss > 1e4 * max(self.first_loss, 1e-3):
            self.halt(
                f"the loss grew from {self.first_loss:.3g} to {loss:.3g}: training is diverging; the learning "
                "rate is probably too high."
            )
            return
        if self.stop is not None and self.stop.is_set():
            self.halt("stopped by you")
            return
        if self.on_batch_callback is not None:
            self.on_batch_callback(Progress(self.epoch, self.config.epochs, batch + 1, self.batches))

    def halt(self, reason: str) -> None:
        if not self.run.stopped:
            self.run.stopped = reason
        self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if loss > 3 * self.guessing_loss:
            # Keras clips probabilities, so a diverged softmax model often shows a huge but finite loss.
            self.halt(
                f"after epoch {epoch + 1} the loss ({loss:.3g}) is far worse than guessing at random "
                f"({self.guessing_loss:.3g}): training diverged; the learning rate is probably too high."
            )
        if self.run.stopped and self.run.stopped != "stopped by you":
            return  # a diverged epoch's numbers are not worth keeping
        self.run.history.append({"epoch": epoch + 1, **{key: float(value) for key, value in (logs or {}).items()}})
        self.snapshot(epoch + 1)
        if self.on_epoch_callback is not None:
            self.on_epoch_callback(self.run)

    def snapshot(self, epoch: int) -> None:
        weights = [np.array(w, copy=True) for w in self.model.get_weights()]
        self.run.snapshots.append(weights)
        self.run.snapshot_epochs.append(epoch)
        size = sum(w.nbytes for w in weights)
        # Bounded memory: over either limit, drop every other snapshot, keeping the first and the last.
        while len(self.run.snapshots) > 2 and (
            len(self.run.snapshots) > self.config.snapshot_limit or size * len(self.run.snapshots) > MAX_SNAPSHOT_BYTES
        ):
            keep = [*range(0, len(self.run.snapshots) - 1, 2), len(self.run.snapshots) - 1]
            self.run.snapshots = [self.run.snapshots[i] for i in keep]
            self.run.snapshot_epochs = [self.run.snapshot_epochs[i] for i in keep]


def evaluate(model: Any, dataset: Dataset, batch_size: int = 256) -> Evaluation:
    """Test accuracy, the confusion matrix and which test images were misclassified."""
    probabilities = model.predict(dataset.x_test, batch_size=batch_size, verbose=0)
    predictions = np.argmax(probabilities, axis=1)
    truth = dataset.y_test
    confusion = np.zeros((dataset.num_classes, dataset.num_classes), dtype=np.int64)
    np.add.at(confusion, (truth, predictions), 1)
    picked = np.clip(probabilities[np.arange(len(truth)), truth], 1e-7, 1.0)
    return Evaluation(
        accuracy=float(np.mean(predictions == truth)),
        loss=float(-np.mean(np.log(picked))),
        predictions=predictions,
        confusion=confusion,
        misclassified=np.flatnonzero(predictions != truth),
    )


def history_csv(run: TrainingRun) -> str:
    """Per-epoch metrics as CSV text for download."""
    if not run.history:
        return "epoch\n"
    columns = list(dict.fromkeys(key for row in run.history for key in row))
    lines = [",".join(columns)]
    for row in run.history:
        lines.append(",".join(f"{row.get(column, '')}" for column in columns))
    return "\n".join(lines) + "\n"

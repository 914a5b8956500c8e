"""One training engine for every network: progress, Stop, divergence detection and weight snapshots.

A Keras model is trained with `train` for a `Task` (classify, reconstruct, regress); a model with a
training step of its own (an RBM's contrastive divergence) is a `Learner`, trained batch by batch by
`train_learner`. Both report through the same plain callables, so a page can draw live curves, a
notebook can print, and a test can count calls; no UI here.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from dlviz.runtime import keras

OPTIMIZERS = {
    "adam": "Adam",
    "sgd": "SGD",
    "momentum": "SGD with momentum 0.9",
    "rmsprop": "RMSprop",
}
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
MAX_EPOCHS = 500
STOPPED_BY_YOU = "stopped by you"


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
        if self.snapshot_limit < 2:
            raise TrainingError("Keep at least 2 snapshots (the first and the last epoch).")


@dataclass(frozen=True)
class Task:
    """What a Keras model is trained to do: its loss, its metrics, and what a know-nothing guess would score.

    `guessing_loss` is the loss of a model that learned nothing (log of the class count for a classifier);
    an epoch far above it has diverged. None means "measure it from the targets" (the variance, for MSE)."""

    kind: str  # "classify", "reconstruct" or "regress"
    loss: str
    metrics: tuple[str, ...] = ()
    guessing_loss: float | None = None


def classify(num_classes: int) -> Task:
    """Integer class labels in, softmax probabilities out; accuracy reported."""
    return Task("classify", "sparse_categorical_crossentropy", ("accuracy",), math.log(max(2, num_classes)))


def reconstruct(loss: str = "mse") -> Task:
    """The target is the input itself (an autoencoder); mean squared error or binary cross-entropy."""
    if loss not in ("mse", "binary_crossentropy"):
        raise TrainingError("A reconstruction is trained with 'mse' or 'binary_crossentropy'.")
    return Task("reconstruct", loss, ("mae",) if loss == "mse" else ("mse",))


def regress(loss: str = "mse") -> Task:
    """Real-valued targets (a forecast); mean absolute error reported."""
    if loss not in ("mse", "mae", "huber"):
        raise TrainingError("A regression is trained with 'mse', 'mae' or 'huber'.")
    return Task("regress", loss, ("mae",) if loss != "mae" else ("mse",))


@dataclass
class Data:
    """Inputs and targets for any task, with an optional validation part (without one, a split is used).

    An image `Dataset` works as it is; so does anything else with these attributes."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None


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
    task: Task | None = None  # None for a Learner, which has its own step
    history: list[dict[str, float]] = field(default_factory=list)
    snapshots: list[list[np.ndarray]] = field(default_factory=list)
    snapshot_epochs: list[int] = field(default_factory=list)
    stopped: str = ""  # "", STOPPED_BY_YOU, or why it was stopped (divergence)
    seconds: float = 0.0

    @property
    def finished_epochs(self) -> int:
        return len(self.history)

    @property
    def outcome(self) -> str:
        """"finished", "stopped" (by the user) or "diverged"."""
        if not self.stopped:
            return "finished"
        return "stopped" if self.stopped == STOPPED_BY_YOU else "diverged"

    def summary(self) -> str:
        """One line for a status bar: 'Finished 20 epochs', 'Stopped at epoch 4 of 20', 'Diverged at epoch 3 of 20'."""
        if self.outcome == "finished":
            return f"Finished {self.finished_epochs} epoch{'s' * (self.finished_epochs != 1)}"
        verb = "Stopped" if self.outcome == "stopped" else "Diverged"
        return f"{verb} at epoch {max(1, self.finished_epochs)} of {self.config.epochs}"


@dataclass(frozen=True)
class Hooks:
    """How a training reports and is stopped: called from the training's own thread."""

    on_epoch: Callable[[TrainingRun], None] | None = None
    on_batch: Callable[[Progress], None] | None = None
    stop: threading.Event | None = None


class Learner(Protocol):
    """A model with its own training step (an RBM's contrastive divergence), trained batch by batch.

    Optionally, a learner whose batches are tiny can take several at once, so the cost of one call (into a
    compiled TensorFlow loop, say) is shared: it defines `batches_per_call(batch_size, batches) -> int`,
    asked once per training, and `train_batches(rows, batch_size) -> list[float]`, given that many
    consecutive batches' rows and returning one loss per batch. Stop and divergence are then checked after
    each call."""

    def train_batch(self, batch: np.ndarray) -> float:
        """One update from one batch; returns the batch's loss (lower is better)."""

    def epoch_metrics(self, x_train: np.ndarray, x_val: np.ndarray | None) -> dict[str, float]:
        """What to plot after each epoch, e.g. {"loss": …, "val_loss": …}."""

    def get_weights(self) -> list[np.ndarray]:
        """The parameters, for snapshots."""


@dataclass(frozen=True)
class Evaluation:
    """How a trained classifier does on the test set."""

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


def compile_model(model: Any, config: TrainConfig, task: Task | None = None) -> None:
    """Compile for the task (integer class labels with accuracy when none is given)."""
    task = task or classify(int(model.output_shape[-1]))
    model.compile(optimizer=make_optimizer(config.optimizer, config.learning_rate), loss=task.loss,
                  metrics=list(task.metrics))


def train(model: Any, data: Any, config: TrainConfig, task: Task | None = None, *,
          on_epoch: Callable[[TrainingRun], None] | None = None, on_batch: Callable[[Progress], None] | None = None,
          stop: threading.Event | None = None) -> TrainingRun:
    """Train a Keras `model` in place on `data` (x_train, y_train and, if present, x_val, y_val).

    Without a task, `data` is a classification dataset (it has `num_classes`)."""
    config.check()
    task = task or classify(data.num_classes)
    validation = _validation(data)
    _check_model_fits(model, data, task)
    keras.utils.set_random_seed(config.seed)
    compile_model(model, config, task)
    run = TrainingRun(model, config, task)
    samples = len(data.x_train) if validation is not None else int(len(data.x_train) * (1 - config.validation_split))
    guard = _Guard(run, math.ceil(samples / config.batch_size), _guessing_loss(task, data.y_train),
                   Hooks(on_epoch, on_batch, stop))
    started = time.perf_counter()
    model.fit(data.x_train, data.y_train, epochs=config.epochs, batch_size=config.batch_size,
              validation_data=validation, validation_split=0.0 if validation is not None else config.validation_split,
              shuffle=True, verbose=0, callbacks=[_keras_callback(guard)])
    run.seconds = time.perf_counter() - started
    return run


def train_learner(learner: Learner, x_train: np.ndarray, config: TrainConfig, *, x_val: np.ndarray | None = None,
                  on_epoch: Callable[[TrainingRun], None] | None = None,
                  on_batch: Callable[[Progress], None] | None = None,
                  stop: threading.Event | None = None) -> TrainingRun:
    """Train a `Learner` with its own step: shuffled batches each epoch, the same Stop, divergence and snapshots."""
    config.check()
    if len(x_train) == 0:
        raise TrainingError("There is nothing to train on: the training set is empty.")
    run = TrainingRun(learner, config)
    batches = math.ceil(len(x_train) / config.batch_size)
    guard = _Guard(run, batches, None, Hooks(on_epoch, on_batch, stop))
    rng = np.random.default_rng(config.seed)
    size = config.batch_size
    per_call = max(1, int(learner.batches_per_call(size, batches))) if hasattr(learner, "train_batches") else 1
    started = time.perf_counter()
    for epoch in range(config.epochs):
        guard.epoch = epoch
        order = rng.permutation(len(x_train))
        for first in range(0, batches, per_call):
            if per_call == 1:
                losses = [learner.train_batch(x_train[order[first * size:(first + 1) * size]])]
            else:
                losses = learner.train_batches(x_train[order[first * size:(first + per_call) * size]], size)
            if not all(guard.after_batch(first + offset, loss) for offset, loss in enumerate(losses)):
                break
        if run.stopped and run.outcome == "diverged":
            break
        guard.after_epoch(epoch, learner.epoch_metrics(x_train, x_val), learner.get_weights())
        if run.stopped:
            break
    run.seconds = time.perf_counter() - started
    return run


def _validation(data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    x_val, y_val = getattr(data, "x_val", None), getattr(data, "y_val", None)
    if x_val is None or y_val is None or len(x_val) == 0:
        return None
    return x_val, y_val


def _guessing_loss(task: Task, targets: np.ndarray) -> float | None:
    if task.guessing_loss is not None:
        return task.guessing_loss
    if task.loss == "mse":
        values = np.asarray(targets, dtype=np.float64)
        return float(np.mean((values - values.mean(axis=0)) ** 2)) or None  # predicting the mean scores the variance
    return None


def _check_model_fits(model: Any, data: Any, task: Task) -> None:
    expected = tuple(model.input_shape[1:])
    given = tuple(data.x_train.shape[1:])
    if expected != given:
        noun = "images" if len(given) == 3 else "inputs"
        raise TrainingError(
            f"The model expects {noun} of {expected} but the data has {given}; rebuild the model for this data."
        )
    if task.kind == "classify":
        outputs = model.output_shape[-1]
        classes = getattr(data, "num_classes", None)
        if classes is None and len(data.y_train):  # plain `Data`: the largest label says how many classes at least
            classes = max(outputs, int(np.max(data.y_train)) + 1)
        if classes is not None and outputs != classes:
            raise TrainingError(f"The model has {outputs} outputs but the data has {classes} classes.")
    elif tuple(model.output_shape[1:]) != tuple(np.shape(data.y_train)[1:]):
        raise TrainingError(
            f"The model produces {tuple(model.output_shape[1:])} but the targets are {tuple(np.shape(data.y_train)[1:])}."
        )


class _Guard:
    """What every training shares: progress, Stop at the next batch, divergence detection, bounded snapshots."""

    def __init__(self, run: TrainingRun, batches: int, guessing_loss: float | None, hooks: Hooks) -> None:
        self.run, self.config, self.hooks = run, run.config, hooks
        self.batches = max(1, batches)
        self.guessing_loss = guessing_loss
        self.epoch = 0
        self.first_loss: float | None = None

    def after_batch(self, batch: int, loss: float) -> bool:
        """False when training must end now (diverged, or stopped by the user)."""
        loss = float(loss)
        if not math.isfinite(loss):
            return self.halt(
                f"the loss became {loss} at epoch {self.epoch + 1}, batch {batch + 1}: the learning rate "
                f"({self.config.learning_rate:g}) is probably too high; try one ten times smaller."
            )
        if self.first_loss is None:
            self.first_loss = loss
        elif loss > 1e4 * max(self.first_loss, 1e-3):
            return self.halt(
                f"the loss grew from {self.first_loss:.3g} to {loss:.3g}: training is diverging; the learning "
                "rate is probably too high."
            )
        if self.hooks.stop is not None and self.hooks.stop.is_set():
            return self.halt(STOPPED_BY_YOU)
        if self.hooks.on_batch is not None:
            self.hooks.on_batch(Progress(self.epoch, self.config.epochs, batch + 1, self.batches))
        return True

    def halt(self, reason: str) -> bool:
        if not self.run.stopped:
            self.run.stopped = reason
        return False

    def after_epoch(self, epoch: int, logs: dict[str, Any], weights: list[np.ndarray]) -> None:
        loss = float(logs.get("loss", 0.0))
        if self.guessing_loss is not None and loss > 3 * self.guessing_loss:
            # Keras clips probabilities, so a diverged softmax model often shows a huge but finite loss.
            self.halt(
                f"after epoch {epoch + 1} the loss ({loss:.3g}) is far worse than a model that learned nothing "
                f"({self.guessing_loss:.3g}): training diverged; the learning rate is probably too high."
            )
        if self.run.outcome == "diverged":
            return  # a diverged epoch's numbers are not worth keeping
        self.run.history.append({"epoch": epoch + 1, **{key: float(value) for key, value in logs.items()}})
        self.snapshot(epoch + 1, weights)
        if self.hooks.on_epoch is not None:
            self.hooks.on_epoch(self.run)

    def snapshot(self, epoch: int, weights: list[np.ndarray]) -> None:
        weights = [np.array(w, copy=True) for w in weights]
        run = self.run
        run.snapshots.append(weights)
        run.snapshot_epochs.append(epoch)
        size = sum(w.nbytes for w in weights)
        # Bounded memory: over either limit, drop every other snapshot, keeping the first and the last.
        while len(run.snapshots) > 2 and (
            len(run.snapshots) > self.config.snapshot_limit or size * len(run.snapshots) > MAX_SNAPSHOT_BYTES
        ):
            keep = [*range(0, len(run.snapshots) - 1, 2), len(run.snapshots) - 1]
            run.snapshots = [run.snapshots[i] for i in keep]
            run.snapshot_epochs = [run.snapshot_epochs[i] for i in keep]


def _keras_callback(guard: _Guard) -> Any:
    """A Keras callback that hands every batch and epoch to the guard (defined here: Keras loads lazily)."""

    class GuardCallback(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            guard.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if not guard.after_batch(batch, float((logs or {}).get("loss", 0.0))):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            guard.after_epoch(epoch, dict(logs or {}), self.model.get_weights())
            if guard.run.stopped:
                self.model.stop_training = True

    return GuardCallback()


def evaluate(model: Any, dataset: Any, batch_size: int = 256) -> Evaluation:
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

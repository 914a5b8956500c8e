"""Training in background threads, a few at a time per server, in a fair queue, so pages stay responsive.

A page starts a `TrainingJob`, keeps it in its own session state, and polls it: progress, the run so
far, and at the end the evaluation. Stop requests are honoured at the next batch. How many trainings
run at once comes from the machine (`runtime.training_slots`); the others wait, and when a place frees
the waiting job of the visitor with the fewest trainings running (then started) goes next, first come
first served among equals, so one visitor cannot crowd out the class.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dlviz import runtime
from dlviz.training import training

_condition = threading.Condition()
_waiting: list[TrainingJob] = []
_running: list[TrainingJob] = []
_arrivals = itertools.count()
_started_by: dict[str, int] = {}  # trainings each visitor has started, for fair turns

Work = Callable[[training.Hooks], training.TrainingRun]


@dataclass(eq=False)
class TrainingJob:
    """One training, running in its own thread once the queue lets it."""

    work: Work
    epochs: int
    evaluate: Callable[[training.TrainingRun], Any] | None = None
    owner: str = ""
    label: str = ""
    run: training.TrainingRun | None = None
    progress: float = 0.0
    status: str = "waiting"  # waiting, training, evaluating, done, failed
    error: str = ""
    evaluation: Any = None
    started: float = field(default_factory=time.perf_counter)
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    arrival: int = field(default_factory=lambda: next(_arrivals))

    @property
    def running(self) -> bool:
        return self.status in ("waiting", "training", "evaluating")

    def queue_position(self) -> int:
        """How many trainings are ahead of this one in the queue (0 when it is training)."""
        with _condition:
            order = _queue_order()
            return order.index(self) if self in order else 0

    def request_stop(self) -> None:
        self.stop_event.set()
        with _condition:
            _condition.notify_all()  # a waiting job that is cancelled leaves the queue at once

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (for tests and scripts); True if it did."""
        if self.thread is not None:
            self.thread.join(timeout)
        return not self.running

    def summary(self) -> str:
        """What the progress bar says: queued, training epoch k of n, or how the run ended."""
        if self.status == "waiting":
            return f"Waiting for a free place (position {self.queue_position() + 1} in the queue)"
        if self.status == "failed":
            return "Failed"
        finished = self.run.finished_epochs if self.run else 0
        if self.status == "training":
            return f"Training · epoch {min(finished + 1, self.epochs)} of {self.epochs}"
        if self.status == "evaluating":
            return "Evaluating on the test set"
        return self.run.summary() if self.run else "Done"

    # -- the job's own thread -------------------------------------------------------------------
    def _work(self) -> None:
        try:
            if not self._wait_for_a_place():
                self.status, self.error = "failed", "Cancelled before it started."
                return
            self.status = "training"
            self.run = self.work(training.Hooks(self._on_epoch, self._on_batch, self.stop_event))
            if self.evaluate is not None and self.run.finished_epochs:
                self.status = "evaluating"
                self.evaluation = self.evaluate(self.run)
            if self.run.outcome == "finished":
                self.progress = 1.0
            self.status = "done"
        except (training.TrainingError, runtime.TensorFlowUnavailable) as error:
            self.status, self.error = "failed", str(error)
        except Exception as error:  # a worker thread must never die silently; the page shows this
            self.status, self.error = "failed", f"Training failed: {type(error).__name__}: {str(error)[:300]}"
        finally:
            with _condition:
                for queue in (_waiting, _running):
                    if self in queue:
                        queue.remove(self)
                _condition.notify_all()

    def _wait_for_a_place(self) -> bool:
        with _condition:
            _waiting.append(self)
            while not self.stop_event.is_set():
                if len(_running) < runtime.training_slots() and _queue_order()[0] is self:
                    _waiting.remove(self)
                    _running.append(self)
                    _started_by[self.owner] = _started_by.get(self.owner, 0) + 1
                    _condition.notify_all()
                    return True
                _condition.wait(0.5)
            return False

    def _on_epoch(self, run: training.TrainingRun) -> None:
        self.run = run

    def _on_batch(self, progress: training.Progress) -> None:
        self.progress = progress.fraction


def _queue_order() -> list[TrainingJob]:
    """Waiting jobs in the order they will start: visitors with fewer trainings running, then fewer started, go
    first; among equals, first come first served. A job without an owner (a script) just queues by arrival."""
    busy: dict[str, int] = {}
    for job in _running:
        busy[job.owner] = busy.get(job.owner, 0) + 1

    def turn(job: TrainingJob) -> tuple[int, int, int]:
        if not job.owner:
            return (0, 0, job.arrival)
        return (busy.get(job.owner, 0), _started_by.get(job.owner, 0), job.arrival)

    return sorted(_waiting, key=turn)


def submit(work: Work, *, epochs: int, evaluate: Callable[[training.TrainingRun], Any] | None = None,
           owner: str = "", label: str = "") -> TrainingJob:
    """Run `work(hooks)` in the background when the queue allows; it must return a TrainingRun."""
    job = TrainingJob(work, epochs, evaluate, owner, label)
    job.thread = threading.Thread(target=job._work, name=f"dlviz-training-{label or job.arrival}", daemon=True)
    job.thread.start()
    return job


def start(model: Any, data: Any, config: training.TrainConfig, task: training.Task | None = None, *,
          owner: str = "", label: str = "",
          evaluate: Callable[[training.TrainingRun], Any] | None = None) -> TrainingJob:
    """Train a Keras `model` on `data` in the background; a classifier is then evaluated on the test set
    (or `evaluate(run)` is called instead, when given)."""
    config.check()
    task = task or training.classify(data.num_classes)

    def work(hooks: training.Hooks) -> training.TrainingRun:
        return training.train(model, data, config, task, on_epoch=hooks.on_epoch, on_batch=hooks.on_batch,
                              stop=hooks.stop)

    if evaluate is None and task.kind == "classify" and hasattr(data, "x_test"):
        evaluate = lambda run: training.evaluate(model, data)  # noqa: E731
    return submit(work, epochs=config.epochs, evaluate=evaluate, owner=owner, label=label)


def start_learner(learner: training.Learner, x_train: Any, config: training.TrainConfig, *, x_val: Any = None,
                  evaluate: Callable[[training.TrainingRun], Any] | None = None, owner: str = "",
                  label: str = "") -> TrainingJob:
    """Train a `Learner` (a model with its own training step) in the background."""
    config.check()

    def work(hooks: training.Hooks) -> training.TrainingRun:
        return training.train_learner(learner, x_train, config, x_val=x_val, on_epoch=hooks.on_epoch,
                                      on_batch=hooks.on_batch, stop=hooks.stop)

    return submit(work, epochs=config.epochs, evaluate=evaluate, owner=owner, label=label)

"""Training in a background thread, one at a time per server, so pages stay responsive.

A page starts a `TrainingJob`, keeps it in its own session state, and polls it: progress,
the run so far, and at the end the evaluation. Stop requests are honoured at the next batch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from dlviz.data.datasets import Dataset
from dlviz.training import training

TRAINING_SLOTS = 1  # 2 cores: one training at a time keeps every page responsive
_slots = threading.BoundedSemaphore(TRAINING_SLOTS)
_queue_lock = threading.Lock()
_queue: list[TrainingJob] = []


@dataclass
class TrainingJob:
    """One training of one model, running in its own thread."""

    model: Any
    dataset: Dataset
    config: training.TrainConfig
    run: training.TrainingRun | None = None
    progress: float = 0.0
    status: str = "waiting"  # waiting, training, evaluating, done, failed
    error: str = ""
    evaluation: training.Evaluation | None = None
    started: float = field(default_factory=time.perf_counter)
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.status in ("waiting", "training", "evaluating")

    def queue_position(self) -> int:
        """How many trainings are ahead of this one (0 when it is training)."""
        with _queue_lock:
            return _queue.index(self) if self in _queue else 0

    def request_stop(self) -> None:
        self.stop_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (for tests and scripts); True if it did."""
        if self.thread is not None:
            self.thread.join(timeout)
        return not self.running

    def _work(self) -> None:
        with _queue_lock:
            _queue.append(self)
        try:
            with _slots:
                with _queue_lock:
                    _queue.remove(self)
                if self.stop_event.is_set():
                    self.status, self.error = "failed", "Cancelled before it started."
                    return
                self.status = "training"
                self.run = training.TrainingRun(self.model, self.config)
                self.run = training.train(
                    self.model,
                    self.dataset,
                    self.config,
                    on_epoch=self._on_epoch,
                    on_batch=self._on_batch,
                    stop=self.stop_event,
                )
                self.status = "evaluating"
                self.evaluation = training.evaluate(self.model, self.dataset)
                self.progress = 1.0
                self.status = "done"
        except training.TrainingError as error:
            self.status, self.error = "failed", str(error)
        except Exception as error:  # a worker thread must never die silently; the page shows this
            self.status, self.error = "failed", f"Training failed: {type(error).__name__}: {str(error)[:300]}"
        finally:
            with _queue_lock:
                if self in _queue:
                    _queue.remove(self)

    def _on_epoch(self, run: training.TrainingRun) -> None:
        self.run = run

    def _on_batch(self, progress: training.Progress) -> None:
        self.progress = progress.fraction


def start(model: Any, dataset: Dataset, config: training.TrainConfig) -> TrainingJob:
    """Begin training `model` in the background; settings are checked before the thread starts."""
    config.check()
    job = TrainingJob(model, dataset, config)
    job.thread = threading.Thread(target=job._work, name="dlviz-training", daemon=True)
    job.thread.start()
    return job

"""A session's finished trainings, kept side by side so a teacher can compare settings run by run.

Every run keeps its name, settings, curves and result for good; the trained models themselves cost
memory, so only the newest few are kept (the oldest are dropped first, their curves stay).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlviz.training.training import TrainingRun

MAX_MODELS = 5
MAX_MODEL_BYTES = 256 * 1024 * 1024  # weights and snapshots of the kept models, together


@dataclass
class RunRecord:
    """One finished training: what it was, how it went, and (while memory allows) its model and run."""

    name: str
    settings: dict[str, Any]
    history: list[dict[str, float]]
    summary: str
    accuracy: float | None = None
    run: TrainingRun | None = None  # the model and its snapshots; None once dropped to save memory
    extra: dict[str, Any] = field(default_factory=dict)  # what a page needs to reuse the model (class names, data)

    @property
    def model(self) -> Any:
        return self.run.model if self.run is not None else None

    def size_bytes(self) -> int:
        if self.run is None:
            return 0
        weights = sum(int(getattr(w, "nbytes", 0)) for w in _weights(self.run.model))
        snapshots = sum(int(w.nbytes) for snapshot in self.run.snapshots for w in snapshot)
        return weights + snapshots


def _weights(model: Any) -> list[Any]:
    try:
        return list(model.get_weights())
    except (AttributeError, TypeError, ValueError):
        return []


@dataclass
class RunBook:
    """The runs of one session, oldest first."""

    records: list[RunRecord] = field(default_factory=list)
    max_models: int = MAX_MODELS
    max_bytes: int = MAX_MODEL_BYTES

    def add(self, record: RunRecord) -> list[str]:
        """Keep a run under a unique name; returns notices about models dropped to stay within memory."""
        names = {existing.name for existing in self.records}
        base, number = record.name, 2
        while record.name in names:
            record.name = f"{base} ({number})"
            number += 1
        self.records.append(record)
        return self._bound()

    def _bound(self) -> list[str]:
        notices = []
        kept = [record for record in self.records if record.run is not None]
        while len(kept) > 1 and (len(kept) > self.max_models or sum(r.size_bytes() for r in kept) > self.max_bytes):
            oldest = kept.pop(0)
            oldest.run = None
            notices.append(f"The model of '{oldest.name}' was let go to save memory; its curves and results are kept.")
        return notices

    def get(self, name: str) -> RunRecord | None:
        return next((record for record in self.records if record.name == name), None)

    def comparison_rows(self) -> list[dict[str, Any]]:
        """One row per run: its name, settings, result, epochs and whether its model is still kept."""
        rows = []
        for record in self.records:
            last = record.history[-1] if record.history else {}
            rows.append({
                "run": record.name,
                **record.settings,
                "epochs run": len(record.history),
                "how it ended": record.summary,
                "test accuracy": record.accuracy,
                "final val. accuracy": last.get("val_accuracy"),
                "final loss": last.get("loss"),
                "model kept": record.run is not None,
            })
        return rows

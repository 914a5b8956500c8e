"""The one importer of TensorFlow in this process: started once, waited on by everyone, retried after a failure.

Two threads importing TensorFlow at the same moment deadlock Python's per-module import locks and
leave TensorFlow half-registered ("Registering two gradient with name …") for every later visitor.
So no module of dlviz imports TensorFlow, Keras or scikit-learn at module level: code that needs them
reads `runtime.tf` / `runtime.keras` or calls `imported(name)`, which wait for this loader's single thread and
share one import lock with it.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

MODULES = ("tensorflow", "keras")  # what the loader imports, in this order
TRAINING_SLOTS_VARIABLE = "DLVIZ_TRAINING_SLOTS"
RETRY_AFTER = 5.0  # seconds after a failed load before a visit tries again (every click would otherwise re-import)
_PARTIAL_PREFIXES = ("tensorflow", "keras", "tf_keras", "tensorboard", "tensorflow_io")

_import_lock = threading.RLock()  # every heavy import in the process, the loader's included
_state_lock = threading.Lock()
_log = logging.getLogger(__name__)


class TensorFlowUnavailable(RuntimeError):
    """TensorFlow could not be imported in this process; the message says why."""


@dataclass(frozen=True)
class LoaderStatus:
    """Where the loader is: "not started", "loading", "ready" or "failed", and for how long."""

    state: str
    seconds: float = 0.0
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"


class _Attempt:
    """One try at importing TensorFlow, with its own event so waiters of a failed try are released."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.started = time.perf_counter()
        self.finished: float | None = None
        self.error = ""


_attempt: _Attempt | None = None
_warm_ups: list[Callable[[], object]] = []
_warmed: set[Callable[[], object]] = set()


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def training_slots() -> int:
    """How many trainings run at once: one per two cores (at least one), or DLVIZ_TRAINING_SLOTS."""
    raw = os.environ.get(TRAINING_SLOTS_VARIABLE, "")
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, cores() // 2)


def threads_per_training() -> int:
    """TensorFlow's thread pools are sized so the trainings that run at once share the cores, not fight for them."""
    return max(1, cores() // training_slots())


def start(warm_up: Callable[[], object] | None = None) -> LoaderStatus:
    """Begin importing TensorFlow in the background, once per process (again after a failure, RETRY_AFTER later).

    `warm_up`, if given, runs in the loader's thread once TensorFlow is ready (once per function), so
    shared resources such as the demo model are prepared before the first visitor asks for them."""
    global _attempt
    with _state_lock:
        if warm_up is not None and warm_up not in _warm_ups:
            _warm_ups.append(warm_up)
        failed = _attempt is not None and _attempt.done.is_set() and _attempt.error
        if _attempt is None or (failed and time.perf_counter() - (_attempt.finished or 0.0) >= RETRY_AFTER):
            _attempt = _Attempt()
            threading.Thread(target=_load, args=(_attempt,), name="dlviz-tensorflow-loader", daemon=True).start()
        elif _attempt.done.is_set() and not _attempt.error and warm_up is not None and warm_up not in _warmed:
            threading.Thread(target=_run_warm_ups, name="dlviz-warm-up", daemon=True).start()
    return status()


def status() -> LoaderStatus:
    """The loader's state now, without waiting."""
    attempt = _attempt
    if attempt is None:
        return LoaderStatus("not started")
    if not attempt.done.is_set():
        return LoaderStatus("loading", time.perf_counter() - attempt.started)
    seconds = (attempt.finished or attempt.started) - attempt.started
    return LoaderStatus("failed", seconds, attempt.error) if attempt.error else LoaderStatus("ready", seconds)


def wait(timeout: float | None = None) -> LoaderStatus:
    """Start the loader if needed and wait (up to `timeout` seconds) for it to finish."""
    start()
    attempt = _attempt
    attempt.done.wait(timeout)
    return status()


def require(timeout: float | None = None) -> None:
    """Wait for the one loader; raise `TensorFlowUnavailable` (with the reason) if TensorFlow is not there."""
    current = wait(timeout)
    if current.state == "failed":
        raise TensorFlowUnavailable(f"TensorFlow could not be loaded: {current.error}")
    if current.state != "ready":
        raise TensorFlowUnavailable(f"TensorFlow is still loading after {current.seconds:.0f} s.")


def imported(name: str) -> ModuleType:
    """Import a heavy module (scikit-learn, say) under the loader's lock, so two threads never import at once."""
    module = sys.modules.get(name)
    if module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False) is False:
        return module
    with _import_lock:
        return importlib.import_module(name)


class _LazyModule:
    """Stands for TensorFlow or Keras inside dlviz: the first attribute read waits for the one loader.

    `from dlviz.runtime import keras, tf` at the top of a module costs nothing at import time, and
    `keras.layers.Conv2D` inside a function then reads the real module, imported by the loader alone."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)  # copy, pickle and inspect probe these; never load TensorFlow for them
        if self._module is None:
            require()
            self._module = sys.modules[self._name]
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<{self._name}, imported by dlviz's loader: {status().state}>"


tf = _LazyModule("tensorflow")
keras = _LazyModule("keras")


def _load(attempt: _Attempt) -> None:
    try:
        with _import_lock:
            for name in MODULES:
                importlib.import_module(name)
            if "tensorflow" in sys.modules:
                _size_thread_pools(sys.modules["tensorflow"])
    except BaseException as error:  # noqa: BLE001 - any failure must release the waiters with a reason
        _forget_partial_imports()
        attempt.error = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        attempt.finished = time.perf_counter()
        attempt.done.set()
    if not attempt.error:
        _run_warm_ups()


def _size_thread_pools(tf: ModuleType) -> None:
    threads = threads_per_training()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, threads)))
    except RuntimeError:
        pass  # TensorFlow's runtime was already initialised (a test imported it first): keep its pools


def _forget_partial_imports() -> None:
    """Drop half-imported TensorFlow modules so the next attempt starts clean instead of finding them."""
    for name in [name for name in sys.modules if name.split(".")[0] in _PARTIAL_PREFIXES]:
        del sys.modules[name]


def _run_warm_ups() -> None:
    for warm_up in list(_warm_ups):
        with _state_lock:
            if warm_up in _warmed:
                continue
            _warmed.add(warm_up)
        try:
            warm_up()
        except Exception:  # a failed warm-up is retried when a page asks for the resource itself
            _log.exception("warm-up %s failed", getattr(warm_up, "__name__", warm_up))

"""Process-wide, read-only resources (shipped data, the demo model, built-in architectures, traced graphs).

Each is built once, under its own lock, by whichever thread asks first; the others wait for that one
build instead of starting their own. A build that fails stores nothing, so the next request tries again.
Only things no visitor can change belong here: a user's own models live in their session.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_registry_lock = threading.Lock()
_locks: dict[Hashable, threading.Lock] = {}
_values: dict[Hashable, object] = {}


def resource(key: Hashable, build: Callable[[], T]) -> T:
    """The resource named `key`, built by `build()` the first time anyone asks (never twice at once)."""
    if key in _values:
        return _values[key]  # type: ignore[return-value]
    with _registry_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _values:
            _values[key] = build()  # an exception leaves nothing behind
    return _values[key]  # type: ignore[return-value]


def ready(key: Hashable) -> bool:
    """Whether `key` is built already (a page can then skip its spinner)."""
    return key in _values


def building(key: Hashable) -> bool:
    """Whether some thread is building `key` right now."""
    lock = _locks.get(key)
    return lock is not None and lock.locked() and key not in _values


def forget(key: Hashable) -> None:
    """Drop a resource (tests use this to rebuild from scratch)."""
    with _registry_lock:
        _values.pop(key, None)


# -- building ahead, in the background ------------------------------------------------------------
_queue: list[tuple[Hashable, Callable[[], object]]] = []
_queue_lock = threading.Lock()
_worker: threading.Thread | None = None
_exit_handler: list = []
_log = logging.getLogger(__name__)


def prepare(key: Hashable, build: Callable[[], object]) -> None:
    """Build `key` ahead of need, in one background thread per process (one resource at a time, in the order
    asked, so a page's warm-up never takes both cores from the visitors); a no-op once it is built or queued.

    A build that fails is logged and left unbuilt: the visitor who asks for it later builds it and sees why."""
    global _worker
    with _queue_lock:
        if key in _values or any(queued == key for queued, _ in _queue):
            return
        _queue.append((key, build))
        if not _exit_handler:
            atexit.register(_stop_preparing)
            _exit_handler.append(_stop_preparing)
        if _worker is None:
            _worker = threading.Thread(target=_work, name="dlviz-shared-prepare", daemon=True)
            _worker.start()


def _stop_preparing(timeout: float = 120.0) -> None:
    """At exit, drop what is still queued and let the build under way finish: a thread stopped inside TensorFlow
    while Python shuts down aborts the process. Registered when the first worker starts, so it runs before the
    exit handlers of TensorFlow and Keras (imported earlier) take their state down."""
    with _queue_lock:
        del _queue[1:]
        worker = _worker
    if worker is not None:
        worker.join(timeout)


def pending() -> list[Hashable]:
    """The keys still waiting in the background queue (the one being built included)."""
    with _queue_lock:
        return [key for key, _ in _queue]


def _work() -> None:
    global _worker
    while True:
        with _queue_lock:
            if not _queue:
                _worker = None  # under the lock: a later `prepare` starts a new worker
                return
            key, build = _queue[0]
        try:
            resource(key, build)
        except Exception:  # noqa: BLE001 - logged; the next request builds it again and shows the reason
            _log.exception("building %r in the background failed", key)
        finally:
            with _queue_lock:
                _queue.pop(0)

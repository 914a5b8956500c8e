"""Process-wide, read-only resources (shipped data, the demo model, built-in architectures, traced graphs).

Each is built once, under its own lock, by whichever thread asks first; the others wait for that one
build instead of starting their own. A build that fails stores nothing, so the next request tries again.
Only things no visitor can change belong here: a user's own models live in their session.
"""

from __future__ import annotations

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

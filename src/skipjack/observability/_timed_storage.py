"""``TimedStorage``: a storage wrapper that times every call, by operation.

It forwards each ``BaseStorage`` method to the wrapped storage and records the call's latency
in a ``HistogramFamily`` labelled by operation (the method name: a bounded set). Attributes it
does not define (e.g. ``url``) are read from the wrapped storage. ``timed_storage`` returns a
wrapper that is also a ``BaseHeartbeat`` when the wrapped storage is one, so heartbeats keep
working.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from skipjack.observability._histogram import HistogramFamily
from skipjack.storages import BaseStorage
from skipjack.storages._heartbeat import BaseHeartbeat

__all__ = ["TimedStorage", "timed_storage", "TIMED_OPERATIONS"]

TIMED_OPERATIONS = tuple(
    name
    for name in dir(BaseStorage)
    if not name.startswith("_") and callable(getattr(BaseStorage, name))
    # the trial session is built from the wrapper's own (timed) calls: not forwarded (nor the
    # loop's hint of a next trial, which only a storage's own ``start_trial`` could take)
    and name not in ("remove_session", "start_trial", "open_trial", "prepare_next_trial")
) + ("record_heartbeat", "get_stale_trial_ids")


def _timed(name: str) -> Callable[..., Any]:
    def method(self: TimedStorage, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return getattr(self._inner, name)(*args, **kwargs)
        finally:
            self._children[name].observe(time.perf_counter() - start)

    method.__name__ = name
    method.__doc__ = f"Timed ``{name}`` of the wrapped storage."
    return method


class TimedStorage(BaseStorage):
    """Wrap ``inner`` and time each call into ``histogram`` (labels: operation).

    Args:
        inner: the storage to wrap.
        histogram: a family with the single label ``operation``.
    """

    def __init__(self, inner: BaseStorage, histogram: HistogramFamily) -> None:
        self._inner = inner
        self._histogram = histogram
        self._children = {name: histogram.labels(name) for name in TIMED_OPERATIONS}

    @property
    def inner(self) -> BaseStorage:
        """The wrapped storage."""
        return self._inner

    def remove_session(self) -> None:
        """Forwarded to the wrapped storage."""
        self._inner.remove_session()

    def __getattr__(self, name: str) -> Any:
        if name in ("_inner", "_histogram", "_children"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __getstate__(self) -> dict[str, Any]:
        return {"_inner": self._inner, "_histogram": None, "_children": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled (e.g. in another process) the wrapper is gone: use the storage directly.
        self.__dict__.update(state)
        self._histogram = HistogramFamily(
            "skipjack_storage_operation_duration_seconds", "unused", ["operation"]
        )
        self._children = {name: self._histogram.labels(name) for name in TIMED_OPERATIONS}


for _name in TIMED_OPERATIONS:
    if _name not in ("get_stale_trial_ids", "record_heartbeat"):
        setattr(TimedStorage, _name, _timed(_name))
TimedStorage.__abstractmethods__ = frozenset()


class _TimedHeartbeatStorage(TimedStorage, BaseHeartbeat):
    """``TimedStorage`` of a storage with heartbeats."""

    record_heartbeat = _timed("record_heartbeat")
    get_stale_trial_ids = _timed("get_stale_trial_ids")

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """Forwarded to the wrapped storage (untimed: ``get_stale_trial_ids`` is the timed call)."""
        return self._inner._get_stale_trial_ids(study_id)  # type: ignore[attr-defined,no-any-return]

    def get_heartbeat_interval(self) -> int | None:
        """Forwarded to the wrapped storage."""
        return self._inner.get_heartbeat_interval()  # type: ignore[attr-defined,no-any-return]

    def get_failed_trial_callback(self) -> Any:
        """Forwarded to the wrapped storage."""
        return self._inner.get_failed_trial_callback()  # type: ignore[attr-defined]


_TimedHeartbeatStorage.__abstractmethods__ = frozenset()


def timed_storage(inner: BaseStorage, histogram: HistogramFamily) -> TimedStorage:
    """Return a ``TimedStorage`` for ``inner`` (a heartbeat-capable one if ``inner`` is)."""
    if isinstance(inner, TimedStorage):
        return inner
    # Both classes are concrete: their storage methods are set at import time (the setattr loop
    # above), which a type checker cannot see, so it is told only that the class is a factory.
    make: Callable[[BaseStorage, HistogramFamily], TimedStorage] = (
        _TimedHeartbeatStorage if isinstance(inner, BaseHeartbeat) else TimedStorage
    )
    return make(inner, histogram)

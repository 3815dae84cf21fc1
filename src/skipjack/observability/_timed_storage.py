"""``TimedStorage``: a storage wrapper that times every call, by operation.

It forwards each ``BaseStorage`` method to the wrapped storage and records the call's latency
in a ``HistogramFamily`` labelled by operation (the method name: a bounded set). Attributes it
does not define (e.g. ``url``) are read from the wrapped storage. ``timed_storage`` returns a
wrapper that is also a ``BaseHeartbeat`` when the wrapped storage is one, so heartbeats keep
working.

The trial session is the wrapped storage's own: ``start_trial`` and ``open_trial`` are forwarded
(and timed under their names), and the session they return is wrapped in a ``_TimedSession``
that times each of its calls under the name of the storage method of the same meaning
(``set_param`` as ``set_trial_param``, ``finish`` as ``set_trial_state_values``, ...), so a
backend's fast session and the RDB storage's one commit per trial (``prepare_next_trial``,
forwarded untimed: it is the loop's hint) work the same with metrics on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from skipjack.observability._histogram import HistogramFamily
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.storages import BaseStorage
from skipjack.storages._base import TrialSession
from skipjack.storages._heartbeat import BaseHeartbeat

__all__ = ["TimedStorage", "timed_storage", "TIMED_OPERATIONS", "SESSION_OPERATIONS"]

# Forwarded untimed: the loop's hint of a next trial (no round trip of its own in the common
# case) and the release of pooled connections.
_UNTIMED = ("remove_session", "prepare_next_trial")

TIMED_OPERATIONS = tuple(
    name
    for name in dir(BaseStorage)
    if not name.startswith("_") and callable(getattr(BaseStorage, name)) and name not in _UNTIMED
) + ("record_heartbeat", "get_stale_trial_ids", "fail_stale_trial")

# The operation each ``TrialSession`` call is timed as: the storage method of the same meaning,
# so that the series are the same whether a write goes through a session or the storage.
SESSION_OPERATIONS: dict[str, str] = {
    "set_param": "set_trial_param",
    "set_intermediate_value": "set_trial_intermediate_value",
    "set_user_attr": "set_trial_user_attr",
    "set_system_attr": "set_trial_system_attr",
    "finish": "set_trial_state_values",
}
_SESSION_METHODS = sorted(
    name
    for name in dir(TrialSession)
    if not name.startswith("_") and callable(getattr(TrialSession, name))
)
if sorted(SESSION_OPERATIONS) != _SESSION_METHODS:  # a new session call must be timed too
    raise AssertionError(
        f"SESSION_OPERATIONS {sorted(SESSION_OPERATIONS)} does not name every TrialSession "
        f"method {_SESSION_METHODS}"
    )


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


class _TimedSession(TrialSession):
    """The wrapped storage's session, each call timed (see ``SESSION_OPERATIONS``).

    ``storage`` is the ``TimedStorage``; ``trial_id``, ``record`` and ``owned`` are the wrapped
    session's."""

    __slots__ = ("_session", "_children")

    def __init__(self, storage: TimedStorage, session: TrialSession) -> None:
        TrialSession.__init__(self, storage, session.trial_id, session.record, session.owned)
        self._session = session
        self._children = storage._children

    @property
    def inner(self) -> TrialSession:
        """The wrapped storage's session."""
        return self._session

    def set_param(
        self, name: str, internal: float, external: Any, distribution: BaseDistribution
    ) -> None:
        start = time.perf_counter()
        try:
            self._session.set_param(name, internal, external, distribution)
        finally:
            self._children["set_trial_param"].observe(time.perf_counter() - start)

    def set_intermediate_value(self, step: int, value: float) -> None:
        start = time.perf_counter()
        try:
            self._session.set_intermediate_value(step, value)
        finally:
            self._children["set_trial_intermediate_value"].observe(time.perf_counter() - start)

    def set_user_attr(self, key: str, value: Any) -> None:
        start = time.perf_counter()
        try:
            self._session.set_user_attr(key, value)
        finally:
            self._children["set_trial_user_attr"].observe(time.perf_counter() - start)

    def set_system_attr(self, key: str, value: Any) -> None:
        start = time.perf_counter()
        try:
            self._session.set_system_attr(key, value)
        finally:
            self._children["set_trial_system_attr"].observe(time.perf_counter() - start)

    def finish(self, state: TrialState, values: Sequence[float] | None = None) -> FrozenTrial:
        start = time.perf_counter()
        try:
            return self._session.finish(state, values)
        finally:
            self._children["set_trial_state_values"].observe(time.perf_counter() - start)


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

    def prepare_next_trial(self, study_id: int, after_trial_id: int | None) -> None:
        """Forwarded to the wrapped storage (untimed: the loop's hint)."""
        self._inner.prepare_next_trial(study_id, after_trial_id)

    def start_trial(self, study_id: int) -> TrialSession:
        """Timed ``start_trial`` of the wrapped storage; its session, each call timed."""
        start = time.perf_counter()
        try:
            session = self._inner.start_trial(study_id)
        finally:
            self._children["start_trial"].observe(time.perf_counter() - start)
        return _TimedSession(self, session)

    def open_trial(self, trial_id: int) -> TrialSession:
        """Timed ``open_trial`` of the wrapped storage; its session, each call timed."""
        start = time.perf_counter()
        try:
            session = self._inner.open_trial(trial_id)
        finally:
            self._children["open_trial"].observe(time.perf_counter() - start)
        return _TimedSession(self, session)

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
    if _name not in ("get_stale_trial_ids", "record_heartbeat", "fail_stale_trial", "start_trial",
                     "open_trial"):
        setattr(TimedStorage, _name, _timed(_name))
TimedStorage.__abstractmethods__ = frozenset()


class _TimedHeartbeatStorage(TimedStorage, BaseHeartbeat):
    """``TimedStorage`` of a storage with heartbeats."""

    record_heartbeat = _timed("record_heartbeat")
    get_stale_trial_ids = _timed("get_stale_trial_ids")
    fail_stale_trial = _timed("fail_stale_trial")  # the storage's own (atomic on RDB)

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

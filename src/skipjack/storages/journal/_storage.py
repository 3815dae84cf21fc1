"""``JournalStorage``: a storage that is an append-only log of operations, replayed in memory.

Every write appends one operation (Optuna's journal format) to a backend (a file, Redis); every
process replays the log, in order, into the same in-memory state, so all agree on every id, number
and state. Races resolve by log order: of two operations that conflict (two workers taking one
WAITING trial, a late COMPLETE after a stale-trial FAIL, two studies with one name) the first in
the log wins and the other has no effect, for every reader.

Round trips per trial (random sampler, no enqueued trials): one append and one read to create
the trial (its id comes from the replay), one append for the parameters, reports and attributes
together, one append and one read to finish it, and a read (an ``open``/``fstat`` of the file, one
Redis call) before each read method.

Design note: writes whose result nobody waits for (parameters, intermediate values, trial
attributes) are buffered and appended together, by the next call of this storage or, at the
latest, ``FLUSH_DELAY`` seconds later by a background thread (and at interpreter exit), so that a
trial with ten parameters costs one append, not ten, and yet a long-running trial's parameters
reach the log (and other workers) almost at once. A worker killed within ``FLUSH_DELAY`` of a
``suggest`` loses those buffered operations, as if it had been killed just before.
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import os
import threading
import uuid
import weakref
from collections.abc import Callable, Container, Sequence
from typing import Any

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from skipjack.exceptions import DuplicatedStudyError, StorageInternalError
from skipjack.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from skipjack.storages._heartbeat import BaseHeartbeat
from skipjack.storages.journal._base import (
    BaseJournalBackend,
    JournalHeartbeatSupport,
    JournalSnapshotSupport,
)
from skipjack.storages.journal._ops import OpCode, encode_datetime, now_utc_iso, worker_id
from skipjack.storages.journal._replay import Rejected, ReplayState
from skipjack.storages.journal._snapshot import dump_snapshot, load_snapshot, no_gc

__all__ = ["JournalStorage"]

_logger = logging.getLogger("skipjack.storages.journal")
_RUNNING = TrialState.RUNNING
_WAITING = TrialState.WAITING

FLUSH_DELAY = 0.01


def _flusher(ref: weakref.ReferenceType[JournalStorage], event: threading.Event) -> None:
    """Append a storage's buffered operations shortly after they were buffered."""
    while True:
        woke = event.wait(timeout=1.0)
        storage = ref()
        if storage is None:
            return
        if not woke:
            del storage
            continue
        event.clear()
        del storage
        threading.Event().wait(FLUSH_DELAY)
        storage = ref()
        if storage is None:
            return
        storage._flush_quietly()
        del storage


_LIVE: weakref.WeakSet[JournalStorage] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # another thread of the parent may have held a storage's lock at fork time: start afresh
    for storage in list(_LIVE):
        storage._lock = threading.RLock()
        storage._awaiting = set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _flush_at_exit(ref: weakref.ReferenceType[JournalStorage]) -> None:
    storage = ref()
    if storage is not None:
        storage._flush_quietly()


class JournalStorage(BaseStorage, BaseHeartbeat):
    """A storage on an append-only journal (Optuna's ``JournalStorage``, same log format).

    Journals written by Optuna 4/5 open here and the other way round. Process safe: any number of
    processes, on any number of hosts, may share one backend.

    Args:
        log_storage: where the log lives, e.g. ``JournalFileBackend("study.log")`` or
            ``JournalRedisBackend("redis://localhost:6379")``.
        heartbeat_interval: seconds between heartbeats of a running trial (None: no heartbeats).
            A skipjack keyword: Optuna has heartbeats on RDB storages only.
        grace_period: seconds without heartbeat after which a RUNNING trial is failed by
            ``fail_stale_trials`` (default: twice ``heartbeat_interval``).
        failed_trial_callback: called as ``callback(study, trial)`` for each trial failed that
            way, e.g. ``RetryFailedTrialCallback()``.
        snapshot_interval: write a snapshot of the replayed state when this many operations (and
            at least as many as the last snapshot covers: the interval doubles as the log grows,
            so snapshots cost O(1) per operation) were added since the last one, so that opening
            a long journal replays at most half of it (None: never). About four operations make
            a trial. Needs a backend with snapshot support (both built-in backends have it).
    """

    def __init__(
        self,
        log_storage: BaseJournalBackend,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        failed_trial_callback: Callable[[Any, FrozenTrial], None] | None = None,
        snapshot_interval: int | None = 50_000,
    ) -> None:
        if not isinstance(log_storage, BaseJournalBackend):
            raise TypeError(
                "The 'log_storage' argument of JournalStorage must be a journal backend such as "
                f"JournalFileBackend('study.log'). Got {type(log_storage).__name__}."
            )
        if heartbeat_interval is not None:
            if not isinstance(heartbeat_interval, (int, float)) or heartbeat_interval <= 0:
                raise ValueError(
                    "The 'heartbeat_interval' argument of JournalStorage must be > 0. "
                    f"Got {heartbeat_interval!r}."
                )
            if not isinstance(log_storage, JournalHeartbeatSupport):
                raise ValueError(
                    f"{type(log_storage).__name__} does not support heartbeats: use "
                    "JournalFileBackend or JournalRedisBackend, or heartbeat_interval=None."
                )
        if grace_period is not None:
            if heartbeat_interval is None:
                raise ValueError(
                    "The 'grace_period' argument of JournalStorage needs heartbeat_interval: "
                    "pass heartbeat_interval=<seconds> too."
                )
            if not isinstance(grace_period, (int, float)) or grace_period <= 0:
                raise ValueError(
                    "The 'grace_period' argument of JournalStorage must be > 0. "
                    f"Got {grace_period!r}."
                )
        if snapshot_interval is not None and snapshot_interval <= 0:
            raise ValueError(
                "The 'snapshot_interval' argument of JournalStorage must be > 0 or None. "
                f"Got {snapshot_interval!r}."
            )
        self._backend = log_storage
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = (
            grace_period
            if grace_period is not None or heartbeat_interval is None
            else 2 * heartbeat_interval
        )
        self.failed_trial_callback = failed_trial_callback
        self.snapshot_interval = snapshot_interval
        self._open()

    def _open(self) -> None:
        self._lock = threading.RLock()
        self._pending: list[dict[str, Any]] = []
        self._awaiting: set[str] = set()
        self._results: dict[str, tuple[bool, Any]] = {}
        self._uid = uuid.uuid4().hex
        self._flusher_pid = -1
        self._flush_event = threading.Event()
        self._replay = ReplayState()
        self._snapshot_base = 0
        _LIVE.add(self)
        backend = self._backend
        if self.snapshot_interval is not None and isinstance(backend, JournalSnapshotSupport):
            self._load_snapshot(backend)
        with self._lock:
            self._sync()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            self._flush()
        keep = ("_backend", "heartbeat_interval", "grace_period", "failed_trial_callback",
                "snapshot_interval")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._open()

    # --- log machinery ----------------------------------------------------------------------------

    def _load_snapshot(self, backend: JournalSnapshotSupport) -> None:
        try:
            loaded = backend.load_replay_snapshot()
            if loaded is None:
                return
            log_number, data = loaded
            replay = load_snapshot(data)
            if replay.n_ops != log_number:
                raise ValueError(f"snapshot of {replay.n_ops} ops filed as {log_number}")
        except Exception as e:  # a bad snapshot costs a full replay, never wrong data
            _logger.warning(f"Ignoring the journal snapshot ({e}); replaying the whole log.")
            return
        self._replay = replay
        self._snapshot_base = log_number

    def _sync(self, append: list[dict[str, Any]] | None = None) -> None:
        """Replay the operations appended since the last sync (lock held).

        ``append``: operations to append first (in the same round trip where the backend can).
        """
        replay = self._replay
        backend = self._backend
        if append:
            combined = getattr(backend, "append_and_read_logs", None)
            if combined is not None:
                logs = combined(append, replay.n_ops)
            else:
                backend.append_logs(append)
                logs = backend.read_logs(replay.n_ops)
        else:
            logs = backend.read_logs(replay.n_ops)
        if not isinstance(logs, list):
            logs = list(logs)
        if len(logs) > 5000:
            with no_gc():
                self._apply_logs(logs)
        else:
            self._apply_logs(logs)
        interval = self.snapshot_interval
        if interval is not None and replay.n_ops - self._snapshot_base >= max(
            interval, self._snapshot_base
        ):
            self._maybe_snapshot()

    def _apply_logs(self, logs: list[dict[str, Any]]) -> None:
        awaiting = self._awaiting
        results = self._results
        apply = self._replay.apply
        for log in logs:
            if awaiting and log.get("worker_id") in awaiting:
                try:
                    results[log["worker_id"]] = (True, apply(log))
                except Exception as e:  # noqa: BLE001 - the writer re-raises it
                    results[log["worker_id"]] = (False, e)
                continue
            try:
                apply(log)
            except Exception:  # rejected: no effect, for every reader alike
                pass

    def _maybe_snapshot(self) -> None:
        backend = self._backend
        if not isinstance(backend, JournalSnapshotSupport):
            self.snapshot_interval = None
            return
        try:
            theirs = backend.snapshot_log_number()
            if theirs > self._snapshot_base:
                self._snapshot_base = theirs  # another process wrote one: wait for the next
                return
            backend.save_replay_snapshot(self._replay.n_ops, dump_snapshot(self._replay))
            self._snapshot_base = self._replay.n_ops
        except Exception as e:  # noqa: BLE001 - snapshots are an optimisation only
            _logger.warning(f"Could not write a journal snapshot: {e}")
            self._snapshot_base = self._replay.n_ops

    def _flush(self) -> None:
        """Append the buffered operations of this process, and sync (lock held)."""
        if self._pending:
            pending = self._pending
            self._pending = []
            self._sync(pending)

    def _flush_quietly(self) -> None:
        try:
            with self._lock:
                self._flush()
        except Exception as e:  # noqa: BLE001 - the next call of the storage retries
            _logger.warning(f"Could not append buffered journal operations: {e}")

    def _read(self) -> ReplayState:
        """Flush, sync, and return the replayed state (lock held)."""
        pending = self._pending
        self._pending = []
        self._sync(pending)
        return self._replay

    def _buffer(self, op: dict[str, Any]) -> None:
        op["worker_id"] = worker_id()
        self._pending.append(op)
        if len(self._pending) == 1:
            if self._flusher_pid != os.getpid():  # first buffer in this process
                self._flusher_pid = os.getpid()
                self._flush_event = threading.Event()
                ref = weakref.ref(self)
                threading.Thread(
                    target=_flusher,
                    args=(ref, self._flush_event),
                    daemon=True,
                    name="skipjack-journal-flush",
                ).start()
                atexit.register(_flush_at_exit, ref)
            self._flush_event.set()

    def _write(self, op: dict[str, Any]) -> Any:
        """Append ``op`` (after the buffered ones), replay it, return its result (lock held).

        Raises:
            The exception replay raised for ``op`` (e.g. DuplicatedStudyError, Rejected).
        """
        wid = worker_id()
        op["worker_id"] = wid
        self._pending.append(op)
        self._awaiting.add(wid)
        try:
            pending = self._pending
            self._pending = []
            self._sync(pending)
            try:
                ok, value = self._results.pop(wid)
            except KeyError:
                raise StorageInternalError(
                    f"The operation just appended to {self._backend!r} was not read back: the "
                    "backend's read_logs does not return its own appends."
                ) from None
        finally:
            self._awaiting.discard(wid)
        if not ok:
            raise value
        return value

    def _known_trial(self, trial_id: int) -> ReplayState:
        """The replay state, synced if ``trial_id`` is not known yet (lock held)."""
        replay = self._replay
        if not replay.has_trial(trial_id):
            replay = self._read()
            replay._trial(trial_id)  # raises KeyError naming the id
        return replay

    def _updatable(self, trial_id: int) -> ReplayState:
        replay = self._known_trial(trial_id)
        replay._updatable(trial_id)  # raises UpdateFinishedTrialError
        return replay

    # --- studies ----------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        with self._lock:
            if study_name in self._read()._name_to_id:
                raise DuplicatedStudyError(
                    f"Another study with name '{study_name}' already exists. Pass "
                    "load_if_exists=True to load it, or choose another name."
                )
            op = {
                "op_code": OpCode.CREATE_STUDY,
                "study_name": study_name,
                "directions": [int(d) for d in directions],
            }
            study_id = self._write(op)
        _logger.info(f"A new study created in Journal with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            self._read()._study(study_id)
            self._write({"op_code": OpCode.DELETE_STUDY, "study_id": study_id})

    def _set_study_attr(self, study_id: int, code: OpCode, field: str, key: str, value: Any) -> None:
        op = {"op_code": code, "study_id": study_id, field: {key: value}}
        _check_json(op, key, value)
        with self._lock:
            if not self._replay.has_study(study_id):
                self._read()._study(study_id)
            self._write(op)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, OpCode.SET_STUDY_USER_ATTR, "user_attr", key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, OpCode.SET_STUDY_SYSTEM_ATTR, "system_attr", key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            return self._read().get_study_id_from_name(study_name)

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._lock:
            return self._read().get_study_name_from_id(study_id)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            return self._read().get_study_directions(study_id)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return self._read().get_study_user_attrs(study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return self._read().get_study_system_attrs(study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._lock:
            return self._read().get_all_studies()

    # --- trials: writes ---------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        if template_trial is None:
            op: dict[str, Any] = {
                "op_code": OpCode.CREATE_TRIAL,
                "study_id": study_id,
                "datetime_start": now_utc_iso(),
            }
        else:
            op = _template_op(study_id, template_trial)
        with self._lock:
            replay = self._replay
            if not replay.has_study(study_id):
                replay = self._read()
                replay._study(study_id)  # KeyError naming the id
            if template_trial is not None:
                known = replay._study(study_id).param_distribution
                for name, dist in template_trial.distributions.items():
                    if name in known:
                        check_distribution_compatibility(known[name], dist)
            return self._write(op)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        with self._lock:
            replay = self._updatable(trial_id)
            replay.check_param_compatible(trial_id, param_name, distribution)
            self._buffer(
                {
                    "op_code": OpCode.SET_TRIAL_PARAM,
                    "trial_id": trial_id,
                    "param_name": param_name,
                    "param_value_internal": param_value_internal,
                    "distribution": _distribution_json(distribution),
                }
            )

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        op: dict[str, Any] = {
            "op_code": OpCode.SET_TRIAL_STATE_VALUES,
            "trial_id": trial_id,
            "state": int(state),
            "values": None if values is None else [float(v) for v in values],
        }
        if state == _RUNNING:
            op["datetime_start"] = now_utc_iso()
        elif state.is_finished():
            op["datetime_complete"] = now_utc_iso()
        with self._lock:
            replay = self._known_trial(trial_id)
            if state == _RUNNING and replay.trial_state(trial_id) is not _WAITING:
                replay = self._read()
                if replay.trial_state(trial_id) is not _WAITING:
                    return False
            replay._updatable(trial_id)
            try:
                self._write(op)
            except Rejected:
                return False
        if state.is_finished() and self.heartbeat_interval is not None:
            self._clear_heartbeat(trial_id)
        return True

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._lock:
            self._updatable(trial_id)
            self._buffer(
                {
                    "op_code": OpCode.SET_TRIAL_INTERMEDIATE_VALUE,
                    "trial_id": trial_id,
                    "step": step,
                    "intermediate_value": intermediate_value,
                }
            )

    def _set_trial_attr(self, trial_id: int, code: OpCode, field: str, key: str, value: Any) -> None:
        op = {"op_code": code, "trial_id": trial_id, field: {key: value}}
        _check_json(op, key, value)
        with self._lock:
            self._updatable(trial_id)
            self._buffer(copy.deepcopy(op))

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(trial_id, OpCode.SET_TRIAL_USER_ATTR, "user_attr", key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(trial_id, OpCode.SET_TRIAL_SYSTEM_ATTR, "system_attr", key, value)

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        with self._lock:
            while True:
                candidates = self._read().oldest_waiting(study_id)
                if not candidates:
                    return None
                for trial_id in candidates:
                    op = {
                        "op_code": OpCode.SET_TRIAL_STATE_VALUES,
                        "trial_id": trial_id,
                        "state": int(_RUNNING),
                        "values": None,
                        "datetime_start": now_utc_iso(),
                    }
                    try:
                        self._write(op)
                        return trial_id
                    except Exception:  # somebody else took it first: try the next one
                        continue

    # --- trials: reads ----------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            return self._read().get_trial(trial_id)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            trials = self._read().get_all_trials(study_id, deepcopy=False, states=states)
        if deepcopy:
            return [copy.deepcopy(t) for t in trials]
        return trials

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        with self._lock:
            replay = self._read()
            since = None
            if isinstance(watermark, tuple) and len(watermark) == 2 and watermark[0] == self._uid:
                since = watermark[1]
            trials, seq = replay.get_trials_since(study_id, since)
            return trials, (self._uid, seq)

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        with self._lock:
            return self._read().get_n_trials(study_id, state)

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        with self._lock:
            return self._read().get_best_trial(study_id)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            return self._read().get_trial_id_from_study_id_trial_number(study_id, trial_number)

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._lock:
            replay = self._replay
            if not replay.has_trial(trial_id):
                replay = self._read()
            return replay.get_trial_number_from_id(trial_id)

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        with self._lock:
            return self._read().get_trial_param(trial_id, param_name)

    # --- heartbeats -------------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        backend = self._backend
        assert isinstance(backend, JournalHeartbeatSupport)
        backend.record_heartbeat(trial_id)

    def _clear_heartbeat(self, trial_id: int) -> None:
        backend = self._backend
        if isinstance(backend, JournalHeartbeatSupport):
            try:
                backend.clear_heartbeat(trial_id)
            except Exception:  # noqa: BLE001 - a leftover beat of a finished trial is harmless
                pass

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        backend = self._backend
        if self.heartbeat_interval is None or not isinstance(backend, JournalHeartbeatSupport):
            return []
        with self._lock:
            running = self._read().running_trial_ids(study_id)
        assert self.grace_period is not None
        ages = backend.get_heartbeat_ages(running)
        return [t for t in running if ages.get(t, 0.0) > self.grace_period]

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval  # type: ignore[return-value]

    def get_failed_trial_callback(self) -> Callable[[Any, FrozenTrial], None] | None:
        return self.failed_trial_callback


_DIST_JSON: dict[tuple[type, BaseDistribution], str] = {}


def _distribution_json(distribution: BaseDistribution) -> str:
    """``distribution_to_json``, memoised (distributions are immutable and hashable)."""
    key = (type(distribution), distribution)
    encoded = _DIST_JSON.get(key)
    if encoded is None:
        encoded = distribution_to_json(distribution)
        if len(_DIST_JSON) < 4096:
            _DIST_JSON[key] = encoded
    return encoded


def _check_json(op: dict[str, Any], key: str, value: Any) -> None:
    try:
        json.dumps(op)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"The value of attribute {key!r} must be JSON serialisable to be stored in a "
            f"journal. Got {value!r} ({e})."
        ) from None


def _template_op(study_id: int, t: FrozenTrial) -> dict[str, Any]:
    op: dict[str, Any] = {
        "op_code": OpCode.CREATE_TRIAL,
        "study_id": study_id,
        "datetime_start": encode_datetime(t.datetime_start),
    }
    if t.datetime_complete is not None:  # Optuna reads the key only when it holds a time
        op["datetime_complete"] = encode_datetime(t.datetime_complete)
    op.update({
        "state": int(t.state),
        "value": None,
        "values": None if t.values is None else [float(v) for v in t.values],
        "distributions": {n: distribution_to_json(d) for n, d in t.distributions.items()},
        "params": dict(t.params),
        "user_attrs": t.user_attrs,
        "system_attrs": t.system_attrs,
        "intermediate_values": {str(k): v for k, v in t.intermediate_values.items()},
    })
    return op

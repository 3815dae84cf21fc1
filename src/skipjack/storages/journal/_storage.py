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

Writes whose result nobody waits for are buffered (see ``_log.py``).
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable, Container, Sequence
from typing import Any

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution, check_distribution_compatibility
from skipjack.exceptions import DuplicatedStudyError
from skipjack.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from skipjack.storages._heartbeat import BaseHeartbeat
from skipjack.storages.journal._base import BaseJournalBackend, JournalHeartbeatSupport
from skipjack.storages.journal._log import JournalLog
from skipjack.storages.journal._ops import (
    OpCode,
    check_json,
    distribution_json,
    now_utc_iso,
    template_op,
)
from skipjack.storages.journal._replay import Rejected

__all__ = ["JournalStorage"]

_logger = logging.getLogger("skipjack.storages.journal")
_RUNNING = TrialState.RUNNING
_WAITING = TrialState.WAITING


class JournalStorage(JournalLog, BaseStorage, BaseHeartbeat):
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
        heartbeat_stale_trial_callback: called as ``callback(study, trial)`` for each trial
            failed that way, e.g. ``RetryHeartbeatStaleTrialCallback()``.
        failed_trial_callback: Optuna 4's name of ``heartbeat_stale_trial_callback``.
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
        heartbeat_stale_trial_callback: Callable[[Any, FrozenTrial], None] | None = None,
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
        if failed_trial_callback is not None and heartbeat_stale_trial_callback is not None:
            raise ValueError(
                "Pass either 'heartbeat_stale_trial_callback' or its older name "
                "'failed_trial_callback' to JournalStorage, not both."
            )
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback or failed_trial_callback
        self.snapshot_interval = snapshot_interval
        self._open()

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
            study_id: int = self._write(op)
        _logger.info(f"A new study created in Journal with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            self._read()._study(study_id)
            self._write({"op_code": OpCode.DELETE_STUDY, "study_id": study_id})

    def _set_study_attr(self, study_id: int, code: OpCode, field: str, key: str, value: Any) -> None:
        op = {"op_code": code, "study_id": study_id, field: {key: value}}
        check_json(op, key, value)
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
            op = template_op(study_id, template_trial)
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
            trial_id: int = self._write(op)
            return trial_id

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
                    "distribution": distribution_json(distribution),
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
                    replay._updatable(trial_id)  # a finished trial: UpdateFinishedTrialError
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
        check_json(op, key, value)
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
        return self.heartbeat_interval

    def get_heartbeat_ages(self, study_id: int) -> dict[int, float]:
        """Seconds since the last heartbeat of each RUNNING trial (by trial id), on the file
        server's or the Redis server's clock; {} for a backend without heartbeats."""
        backend = self._backend
        if not isinstance(backend, JournalHeartbeatSupport):
            return {}
        with self._lock:
            running = self._read().running_trial_ids(study_id)
        return backend.get_heartbeat_ages(running) if running else {}

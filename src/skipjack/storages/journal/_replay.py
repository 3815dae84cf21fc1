"""Replaying the journal: apply logged operations, in log order, to an in-memory state.

Design note: the replayed state *is* an ``InMemoryStorage``: its id assignment (the next study or
trial id on each accepted creation), its checks (finished trials cannot change, a WAITING trial is
taken once, distributions stay compatible) and its change tracking (for ``get_trials_since``) are
exactly the journal's semantics. Applying an operation calls the matching method; an operation that
the method rejects has no effect, for every reader alike, which is how concurrent writers resolve
races: the first operation in the log wins. Only the times come from the log instead of the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import check_distribution_compatibility, json_to_distribution
from skipjack.storages._in_memory import InMemoryStorage
from skipjack.storages.journal._ops import OpCode, decode_datetime

__all__ = ["ReplayState", "Rejected"]

_logger = logging.getLogger("skipjack.storages.journal")
_WARNED: set[str] = set()  # unknown op codes already reported by this process

_RUNNING = TrialState.RUNNING
_STATES = {s.value: s for s in TrialState}
_DIRECTIONS = {d.value: d for d in StudyDirection}


class Rejected(Exception):
    """An operation that replay did not accept (e.g. RUNNING on a trial somebody else took)."""


class ReplayState(InMemoryStorage):
    """The state built by replaying a journal. ``apply`` returns an operation's result."""

    _log_new_study = False  # replaying a study is not creating one

    def __init__(self) -> None:
        super().__init__()
        self.n_ops = 0  # operations read from the log so far (accepted or not)
        # study id -> ids of its RUNNING trials (an ordered set), for the stale-trial check
        self.running: dict[int, dict[int, None]] = {}

    def apply(self, op: dict[str, Any]) -> Any:
        """Apply one operation; return its result or raise why it was rejected."""
        self.n_ops += 1
        handler = _HANDLERS.get(op.get("op_code"))  # type: ignore[arg-type]
        if handler is None:
            code = op.get("op_code")
            if repr(code) not in _WARNED:
                _WARNED.add(repr(code))
                _logger.warning(
                    f"Ignoring journal operation #{self.n_ops - 1} with unknown op_code {code!r} "
                    f"(keys {sorted(op)[:8]}): written by a newer Optuna or skipjack, or damaged. "
                    "The operations after it are read; this warning is shown once per op_code."
                )
            raise Rejected(f"unknown op_code {code!r}")
        return handler(self, op)

    # --- studies ----------------------------------------------------------------------------------

    def _create_study(self, op: dict[str, Any]) -> int:
        directions = [_DIRECTIONS[int(d)] for d in op["directions"]]
        return self.create_new_study(directions, op["study_name"])

    def _delete_study(self, op: dict[str, Any]) -> None:
        self.delete_study(op["study_id"])
        self.running.pop(op["study_id"], None)

    def _track(self, trial_id: int) -> None:
        study, trial = self._trial_index[trial_id]
        if trial.state is _RUNNING:
            self.running.setdefault(study.study_id, {})[trial_id] = None
        else:
            self.running.get(study.study_id, {}).pop(trial_id, None)

    def _set_study_user_attr(self, op: dict[str, Any]) -> None:
        for key, value in op["user_attr"].items():
            self.set_study_user_attr(op["study_id"], key, value)

    def _set_study_system_attr(self, op: dict[str, Any]) -> None:
        for key, value in op["system_attr"].items():
            self.set_study_system_attr(op["study_id"], key, value)

    # --- trials -----------------------------------------------------------------------------------

    def _create_trial(self, op: dict[str, Any]) -> int:
        study_id = op["study_id"]
        start = decode_datetime(op.get("datetime_start"))
        if "state" not in op:
            trial_id = self.create_new_trial(study_id)
            trial = self._trial_index[trial_id][1]
            if start is not None:
                trial.datetime_start = start
            self.running.setdefault(study_id, {})[trial_id] = None
            return trial_id
        values = op.get("values")
        if values is None and op.get("value") is not None:
            values = [op["value"]]
        distributions = {
            name: json_to_distribution(d) for name, d in (op.get("distributions") or {}).items()
        }
        template = FrozenTrial._make(
            -1,
            _STATES[int(op["state"])],
            None if values is None else [float(v) for v in values],
            start,
            decode_datetime(op.get("datetime_complete")),
            dict(op.get("params") or {}),
            distributions,
            dict(op.get("user_attrs") or {}),
            dict(op.get("system_attrs") or {}),
            {int(k): v for k, v in (op.get("intermediate_values") or {}).items()},
            -1,
        )
        # validate before creating, so that a rejected operation consumes no trial id
        if set(template.params) != set(distributions):
            raise Rejected("params and distributions differ")
        known = self._study(study_id).param_distribution
        for name, dist in distributions.items():
            dist.to_internal_repr(template.params[name])
            if name in known:
                check_distribution_compatibility(known[name], dist)
        trial_id = self.create_new_trial(study_id, template_trial=template)
        self._track(trial_id)
        return trial_id

    def _set_param(self, op: dict[str, Any]) -> None:
        self.set_trial_param(
            op["trial_id"],
            op["param_name"],
            op["param_value_internal"],
            json_to_distribution(op["distribution"]),
        )

    def _set_state(self, op: dict[str, Any]) -> bool:
        trial_id = op["trial_id"]
        state = _STATES[int(op["state"])]
        values = op.get("values")
        if not self.set_trial_state_values(trial_id, state, values):
            raise Rejected(f"trial {trial_id} is not WAITING: somebody else took it")
        trial = self._trial_index[trial_id][1]
        if state is _RUNNING:
            when = decode_datetime(op.get("datetime_start"))
            if when is not None:
                trial.datetime_start = when
        elif state.is_finished():
            when = decode_datetime(op.get("datetime_complete"))
            if when is not None:
                trial.datetime_complete = when
        trial.snapshot = None
        self._track(trial_id)
        return True

    def _set_intermediate(self, op: dict[str, Any]) -> None:
        self.set_trial_intermediate_value(op["trial_id"], op["step"], op["intermediate_value"])

    def _set_trial_user_attr(self, op: dict[str, Any]) -> None:
        for key, value in op["user_attr"].items():
            self.set_trial_user_attr(op["trial_id"], key, value)

    def _set_trial_system_attr(self, op: dict[str, Any]) -> None:
        for key, value in op["system_attr"].items():
            self.set_trial_system_attr(op["trial_id"], key, value)

    # --- helpers for the storage ------------------------------------------------------------------

    def has_study(self, study_id: int) -> bool:
        return study_id in self._studies

    def has_trial(self, trial_id: int) -> bool:
        return trial_id in self._trial_index

    def trial_state(self, trial_id: int) -> TrialState | None:
        entry = self._trial_index.get(trial_id)
        return None if entry is None else entry[1].state

    def oldest_waiting(self, study_id: int) -> list[int]:
        """Ids of the study's WAITING trials, oldest first."""
        study = self._study(study_id)
        waiting = study.waiting
        while waiting and self._trial_index[waiting[0]][1].state is not TrialState.WAITING:
            waiting.popleft()
        return list(waiting)

    def running_trial_ids(self, study_id: int) -> list[int]:
        self._study(study_id)
        return list(self.running.get(study_id, ()))

    def check_param_compatible(self, trial_id: int, name: str, distribution: Any) -> None:
        study = self._trial(trial_id)[0]
        known = study.param_distribution.get(name)
        if known is not None and known is not distribution:
            check_distribution_compatibility(known, distribution)


_HANDLERS: dict[int, Callable[[ReplayState, dict[str, Any]], Any]] = {
    OpCode.CREATE_STUDY: ReplayState._create_study,
    OpCode.DELETE_STUDY: ReplayState._delete_study,
    OpCode.SET_STUDY_USER_ATTR: ReplayState._set_study_user_attr,
    OpCode.SET_STUDY_SYSTEM_ATTR: ReplayState._set_study_system_attr,
    OpCode.CREATE_TRIAL: ReplayState._create_trial,
    OpCode.SET_TRIAL_PARAM: ReplayState._set_param,
    OpCode.SET_TRIAL_STATE_VALUES: ReplayState._set_state,
    OpCode.SET_TRIAL_INTERMEDIATE_VALUE: ReplayState._set_intermediate,
    OpCode.SET_TRIAL_USER_ATTR: ReplayState._set_trial_user_attr,
    OpCode.SET_TRIAL_SYSTEM_ATTR: ReplayState._set_trial_system_attr,
}

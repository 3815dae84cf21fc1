"""The running trials of this process, as this process last wrote them (``LiveTrials``).

Every write reaches the database before the call that made it returns (write-through: one small
statement per parameter, report or attribute), so a process killed at any point loses nothing it
reported. What this part adds is speed for the process running the trial: it reads its own running
trials from memory, without a round trip, since it wrote every row of them itself. Another
process's writes to the trial (a stale-trial FAIL, for instance) show up when the trial finishes:
the finish is conditional on the database row, not on this copy.

A live trial is named by id, study, number and start time, not by id alone: SQLite reuses the ids
of deleted rows and a recreated database starts its ids again, so a write of a trial whose study
was deleted meanwhile must not land on the new trial that took over its id (the writer puts the
whole identity in the ``WHERE`` clause of its statements).
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
from typing import Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution

__all__ = ["LiveTrial", "LiveTrials"]


class LiveTrial:
    """One RUNNING trial of this process: its identity and what was written to it."""

    __slots__ = ("trial_id", "study_id", "number", "datetime_start", "params", "dists", "user",
                 "system", "intermediate", "snapshot", "lock")

    def __init__(self, base: FrozenTrial, study_id: int) -> None:
        self.trial_id: int = base._trial_id
        self.study_id = study_id
        self.number = base.number
        self.datetime_start: datetime.datetime | None = base.datetime_start
        self.params: dict[str, Any] = dict(base.params)
        self.dists: dict[str, BaseDistribution] = dict(base.distributions)
        self.user: dict[str, Any] = copy.deepcopy(base.user_attrs)
        self.system: dict[str, Any] = copy.deepcopy(base.system_attrs)
        self.intermediate: dict[int, float] = dict(base.intermediate_values)
        self.snapshot: FrozenTrial | None = base
        self.lock = threading.Lock()  # one writer at a time; readers take ``record()``

    def identity(self) -> dict[str, Any]:
        """The bound values of the writer's identity clauses."""
        out: dict[str, Any] = {"p_tid": self.trial_id, "p_sid": self.study_id,
                               "p_num": self.number}
        if self.datetime_start is not None:
            out["p_start"] = self.datetime_start
        return out

    def param_written(self, name: str, internal: float, dist: BaseDistribution) -> None:
        self.params[name] = dist.to_external_repr(internal)
        self.dists[name] = dist
        self.snapshot = None

    def intermediate_written(self, step: int, value: float) -> None:
        self.intermediate[step] = value
        self.snapshot = None

    def attr_written(self, system: bool, key: str, value_json: str) -> None:
        (self.system if system else self.user)[key] = json.loads(value_json)
        self.snapshot = None

    def record(self) -> FrozenTrial:
        """The trial as written so far (an immutable snapshot, kept until the next write)."""
        snap = self.snapshot
        if snap is None:
            snap = FrozenTrial._make(
                self.number, TrialState.RUNNING, None, self.datetime_start, None,
                dict(self.params), dict(self.dists),
                copy.deepcopy(self.user) if self.user else {},
                copy.deepcopy(self.system) if self.system else {},
                dict(self.intermediate), self.trial_id,
            )
            self.snapshot = snap
        return snap


class LiveTrials:
    """The registry of this storage object's running trials (its own lock)."""

    def __init__(self) -> None:
        self._trials: dict[int, LiveTrial] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._trials)

    def get(self, trial_id: int) -> LiveTrial | None:
        return self._trials.get(trial_id)

    def add(self, live: LiveTrial) -> None:
        with self._lock:
            self._trials[live.trial_id] = live

    def discard(self, trial_id: int) -> None:
        with self._lock:
            self._trials.pop(trial_id, None)

    def forget_study(self, study_id: int) -> None:
        with self._lock:
            for trial_id in [k for k, v in self._trials.items() if v.study_id == study_id]:
                del self._trials[trial_id]

    def overlay(self, trial: FrozenTrial) -> FrozenTrial:
        """``trial`` as read from the database, or this process's copy while it runs here."""
        live = self._trials.get(trial._trial_id)
        if live is None or trial.state.is_finished():
            return trial
        return live.record()

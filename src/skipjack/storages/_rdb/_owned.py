"""Write-behind for the trials this process runs.

Design note: a commit costs a disk flush on PostgreSQL and MySQL (several milliseconds), far more
than the statement itself. A trial this process created (or took from the queue) is written by
this process only, so its parameters, attributes and intermediate values are kept here and
written in one transaction: at ``tell`` (together with the state and values: one commit for the
whole trial, and other workers never see half a trial), or earlier by the background flusher, so
that other workers see a running trial's parameters within about a second
(``WRITE_BEHIND_SECONDS``). Reads by this process see its own writes at once: ``get_trial`` and
the study sync return the local record for these trials.

A trial that another worker failed meanwhile (stale heartbeat) is noticed at the next flush: the
write is refused with ``UpdateFinishedTrialError``, as a direct write would have been.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution

__all__ = ["OwnedTrial", "WRITE_BEHIND_SECONDS", "PARAMS", "INTERMEDIATE", "USER", "SYSTEM"]

WRITE_BEHIND_SECONDS = 1.0

PARAMS, INTERMEDIATE, USER, SYSTEM = "params", "intermediate", "user", "system"


class OwnedTrial:
    """A RUNNING trial of this process, with the writes not yet sent to the database."""

    __slots__ = ("trial_id", "study_id", "number", "datetime_start", "params", "dists",
                 "internal", "user", "system", "intermediate", "encoded", "dirty", "stored",
                 "since", "snapshot", "lock")

    def __init__(self, base: FrozenTrial, study_id: int) -> None:
        self.trial_id = base._trial_id
        self.study_id = study_id
        self.number = base.number
        self.datetime_start = base.datetime_start
        self.params: dict[str, Any] = dict(base.params)
        self.dists: dict[str, BaseDistribution] = dict(base.distributions)
        self.internal: dict[str, float] = {
            n: d.to_internal_repr(base.params[n]) for n, d in base.distributions.items()
        }
        self.user: dict[str, Any] = copy.deepcopy(base.user_attrs)
        self.system: dict[str, Any] = copy.deepcopy(base.system_attrs)
        self.intermediate: dict[int, float] = dict(base.intermediate_values)
        self.encoded: dict[tuple[str, Any], str] = {}  # (USER/SYSTEM, key) -> value JSON
        self.dirty: dict[str, set[Any]] = {PARAMS: set(), INTERMEDIATE: set(), USER: set(),
                                           SYSTEM: set()}
        self.stored: dict[str, set[Any]] = {
            PARAMS: set(self.params), INTERMEDIATE: set(self.intermediate),
            USER: set(self.user), SYSTEM: set(self.system),
        }
        self.since: float | None = None
        self.snapshot: FrozenTrial | None = base
        self.lock = threading.Lock()

    def _touch(self, table: str, key: Any) -> None:
        self.dirty[table].add(key)
        self.snapshot = None
        if self.since is None:
            self.since = time.monotonic()

    def set_param(self, name: str, internal: float, dist: BaseDistribution) -> None:
        self.params[name] = dist.to_external_repr(internal)
        self.internal[name] = internal
        self.dists[name] = dist
        self._touch(PARAMS, name)

    def set_intermediate(self, step: int, value: float) -> None:
        self.intermediate[step] = value
        self._touch(INTERMEDIATE, step)

    def set_attr(self, table: str, key: str, value: Any) -> None:
        text = json.dumps(value)
        target = self.user if table == USER else self.system
        target[key] = json.loads(text)
        self.encoded[(table, key)] = text
        self._touch(table, key)

    def has_pending(self) -> bool:
        return self.since is not None

    def overdue(self, now: float) -> bool:
        return self.since is not None and now - self.since >= WRITE_BEHIND_SECONDS

    def record(self) -> FrozenTrial:
        """The trial as this process sees it (an immutable snapshot, cached until the next write)."""
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

    def pending(self) -> dict[str, tuple[list[Any], list[Any]]]:
        """Per table: (keys to insert, keys to update)."""
        out = {}
        for table, keys in self.dirty.items():
            if keys:
                stored = self.stored[table]
                out[table] = ([k for k in keys if k not in stored],
                              [k for k in keys if k in stored])
        return out

    def mark_flushed(self) -> None:
        for table, keys in self.dirty.items():
            self.stored[table] |= keys
            keys.clear()
        self.since = None

    def attr_json(self, table: str, key: str) -> str:
        return self.encoded[(table, key)]

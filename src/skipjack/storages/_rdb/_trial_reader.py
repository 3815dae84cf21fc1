"""Reading trials (``TrialReader``): one trial, a study's history, and the per-process caches.

Finished trials never change (every write is conditional on the trial being unfinished), so they
are cached for good: by id (``get_trial``) and per study in a ``StudyCache`` kept in step by
incremental syncs (see ``_cache``). The reader owns those caches and its lock; the lock is never
held across a round trip: a sync takes the watermark under the lock, reads without it, and merges
under it again (the merge keeps a finished trial over an older unfinished copy, so overlapping syncs
of several threads are harmless). This process's running trials come from ``LiveTrials``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._cache import StudyCache
from skipjack.storages._rdb._engine import Database
from skipjack.storages._rdb._live import LiveTrials
from skipjack.storages._rdb._reader import TrialQueries, rows_to_trials
from skipjack.storages._rdb._studies import StudyStore

__all__ = ["TrialReader"]

_t = m.trials
_v = m.trial_values
_FINISHED_CACHE_LIMIT = 100_000


class TrialReader:
    """The read part of ``RDBStorage``."""

    def __init__(self, db: Database, studies: StudyStore, live: LiveTrials) -> None:
        self._db = db
        self._studies = studies
        self._live = live
        self._queries = TrialQueries(db.dialect)
        self._lock = threading.Lock()
        self._caches: dict[int, StudyCache] = {}
        self._finished: dict[int, FrozenTrial] = {}
        self._owner: dict[int, tuple[int, int]] = {}  # trial_id -> (study_id, number)
        self._forget_hooks: list[Callable[[int], None]] = []

    def on_forget(self, hook: Callable[[int], None]) -> None:
        """Call ``hook(study_id)`` whenever a study is found gone (other parts' caches)."""
        self._forget_hooks.append(hook)

    # --- which trial is which -----------------------------------------------------------------

    def remember(self, trial_id: int, study_id: int, number: int) -> None:
        with self._lock:
            self._owner[trial_id] = (study_id, number)

    def owner(self, trial_id: int) -> tuple[int, int]:
        """``(study_id, number)`` of a trial (cached: neither ever changes)."""
        found = self._owner.get(trial_id)
        if found is not None:
            return found

        def work(conn: Connection) -> tuple[int, int]:
            row = conn.execute(
                sa.select(_t.c.study_id, _t.c.number).where(_t.c.trial_id == trial_id)
            ).first()
            if row is None:
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            return int(row[0]), int(row[1])

        found = self._db.run("get_trial_owner", work)
        with self._lock:
            self._owner[trial_id] = found
        return found

    def id_from_number(self, study_id: int, trial_number: int) -> int:
        def work(conn: Connection) -> int:
            trial_id = conn.execute(
                sa.select(_t.c.trial_id).where(_t.c.study_id == study_id,
                                               _t.c.number == trial_number)
            ).scalar()
            if trial_id is None:
                raise KeyError(
                    f"No trial with trial number {trial_number} exists in study with study_id "
                    f"{study_id}."
                )
            return int(trial_id)

        return self._db.run("get_trial_id_from_study_id_trial_number", work)

    def forget_study(self, study_id: int) -> None:
        """Drop every cache entry of a study that no longer exists."""
        self._studies.forget(study_id)
        self._live.forget_study(study_id)
        for hook in self._forget_hooks:
            hook(study_id)
        with self._lock:
            self._caches.pop(study_id, None)
            for trial_id in [k for k, v in self._owner.items() if v[0] == study_id]:
                del self._owner[trial_id]
                self._finished.pop(trial_id, None)

    # --- one trial ----------------------------------------------------------------------------

    def finished(self, trial: FrozenTrial) -> None:
        """Cache a trial this process just finished (the writer calls it)."""
        with self._lock:
            if len(self._finished) < _FINISHED_CACHE_LIMIT:
                self._finished[trial._trial_id] = trial

    def get_trial(self, trial_id: int) -> FrozenTrial:
        found = self._finished.get(trial_id)
        if found is not None:
            return found
        live = self._live.get(trial_id)
        if live is not None:
            return live.record()
        return self.read_trial(trial_id)

    def read_trial_on(self, conn: Connection, trial_id: int) -> FrozenTrial:
        """The trial as ``conn`` sees it (inside the caller's transaction, if any)."""
        trials, _ = rows_to_trials(conn.execute(self._queries.by_trial_id, {"trial_id": trial_id}))
        if not trials:
            raise KeyError(f"No trial with trial_id {trial_id} exists.")
        return trials[0]

    def read_trial(self, trial_id: int) -> FrozenTrial:
        """The trial as the database has it (one round trip)."""
        trial = self._db.run("get_trial", lambda conn: self.read_trial_on(conn, trial_id))
        if trial.state.is_finished():
            self.finished(trial)
        return trial

    # --- a study's history --------------------------------------------------------------------

    def _fetch_since(
        self, study_id: int, max_number: int, unfinished: list[int]
    ) -> list[FrozenTrial]:
        stmt = self._queries.sync
        params = {"study_id": study_id, "max_number": max_number, "unfinished": unfinished}

        def work(conn: Connection) -> list[FrozenTrial]:
            trials, study_seen = rows_to_trials(conn.execute(stmt, params))
            if not study_seen:
                raise KeyError(f"No study with study_id {study_id} exists.")
            return trials

        try:
            trials = self._db.run("sync trials", work)
        except KeyError:
            self.forget_study(study_id)
            raise
        if self._live:
            trials = [self._live.overlay(t) for t in trials]
        return trials

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        max_number, unfinished = (-1, ()) if watermark is None else watermark
        trials = self._fetch_since(study_id, max_number, list(unfinished))
        open_numbers = set(unfinished)
        for trial in trials:
            max_number = max(max_number, trial.number)
            if trial.state.is_finished():
                open_numbers.discard(trial.number)
            else:
                open_numbers.add(trial.number)
        return trials, (max_number, tuple(sorted(open_numbers)))

    def _sync(self, study_id: int) -> StudyCache:
        directions = self._studies.get_study_directions(study_id)
        with self._lock:
            cache = self._caches.get(study_id)
            if cache is None:
                cache = self._caches[study_id] = StudyCache(directions)
            max_number, unfinished = cache.watermark()
        changed = self._fetch_since(study_id, max_number, unfinished)  # no lock held
        with self._lock:
            cache.merge(changed)
            if len(self._finished) < _FINISHED_CACHE_LIMIT:
                for trial in changed:
                    if trial.state.is_finished():
                        self._finished[trial._trial_id] = trial
        return cache

    def get_all_trials(
        self, study_id: int, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        cache = self._sync(study_id)
        with self._lock:
            return cache.select(states)

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        cache = self._sync(study_id)
        if len(cache.directions) > 1:
            raise RuntimeError(
                "Best trial can be obtained only for single-objective optimization: "
                "use `best_trials`."
            )
        best = cache.best
        if best is None:
            raise ValueError("No trials are completed yet.")
        return best

    # --- a study at a glance (SQL aggregates, no trial read) ----------------------------------

    def get_trials_by_number(self, study_id: int, numbers: list[int]) -> list[FrozenTrial]:
        """The trials of the study with those numbers (those that exist), in number order.

        One round trip, whatever the study's size (the (study_id, number) index).
        """
        if not numbers:
            return []
        stmt = self._queries.by_numbers
        params = {"study_id": study_id, "numbers": sorted(set(int(n) for n in numbers))}

        def work(conn: Connection) -> list[FrozenTrial]:
            return rows_to_trials(conn.execute(stmt, params))[0]

        trials = self._db.run("get_trials_by_number", work)
        if self._live:
            trials = [self._live.overlay(t) for t in trials]
        return trials

    def get_study_overview(self, study_id: int) -> dict[str, Any]:
        """Counts by state, the highest number, first start, last activity and the best trial.

        Computed by the database (``GROUP BY``, ``MAX``, an ordered one-row select), so it costs
        a few index reads at any size. ``best`` (single objective only) is ``(number, value)``
        of the COMPLETE trial Optuna's ``best_trial`` picks, or None.
        """
        directions = self._studies.get_study_directions(study_id)

        def work(conn: Connection) -> dict[str, Any]:
            states = {s.name: 0 for s in TrialState}
            for state, count in conn.execute(
                sa.select(_t.c.state, sa.func.count()).where(_t.c.study_id == study_id)
                .group_by(_t.c.state)
            ):
                states[str(getattr(state, "name", state))] = int(count)
            top = conn.execute(  # an index lookup of (study_id, number)
                sa.select(sa.func.max(_t.c.number)).where(_t.c.study_id == study_id)
            ).scalar()
            last = conn.execute(
                sa.select(sa.func.max(sa.func.coalesce(_t.c.datetime_complete,
                                                       _t.c.datetime_start)))
                .where(_t.c.study_id == study_id)
            ).scalar()
            first = conn.execute(
                sa.select(_t.c.datetime_start).where(_t.c.study_id == study_id)
                .order_by(_t.c.number).limit(1)
            ).scalar()
            best = None
            if len(directions) == 1:
                best = self._best_row(conn, study_id, directions[0])
            return {"n_trials": sum(states.values()), "states": states,
                    "max_number": None if top is None else int(top),
                    "first_start": first, "last_activity": last, "best": best}

        return self._db.run("get_study_overview", work)

    def _best_row(self, conn: Connection, study_id: int,
                  direction: StudyDirection) -> tuple[int, float] | None:
        from skipjack.storages._rdb._reader import decode_value

        maximize = direction == StudyDirection.MAXIMIZE
        # -inf < finite < +inf; ties go to the lowest number (as get_best_trial).
        rank = sa.case((_v.c.value_type == "INF_NEG", 0), (_v.c.value_type == "FINITE", 1),
                       else_=2)
        order = ([rank.desc(), _v.c.value.desc()] if maximize else [rank, _v.c.value])
        row = conn.execute(
            sa.select(_t.c.number, _v.c.value, _v.c.value_type)
            .join(_v, _v.c.trial_id == _t.c.trial_id)
            .where(_t.c.study_id == study_id, _t.c.state == "COMPLETE", _v.c.objective == 0)
            .order_by(*order, _t.c.number).limit(1)
        ).first()
        if row is None:
            return None
        kind = getattr(row[2], "name", row[2])
        return int(row[0]), decode_value(row[1], str(kind))

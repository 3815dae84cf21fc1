"""What every route shares: the storage, the study views, the artifact store, the mode.

All reads go through ``Views`` (incremental); the few writes (notes, telling a trial, the pruning
pause switch) go through the storage's public API and are refused in read-only mode.
"""

from __future__ import annotations

import datetime
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.dashboard._cache import StudyView, Views
from skipjack.dashboard._serialize import NOTE_KEY, jsonable, number, trial_note_key

if TYPE_CHECKING:
    from skipjack.artifacts import ArtifactStore
    from skipjack.storages import BaseStorage

__all__ = ["Dashboard", "ReadOnly"]

METRIC_NAMES_KEY = "study:metric_names"
BUDGET_KEY = "skipjack:budget"
COLD_WAIT = 0.1  # seconds a page waits for a study's first read before answering without it
OVERVIEW_TTL = 5.0  # seconds the storage's aggregates of a study not read yet are reused


class ReadOnly(PermissionError):
    """A write asked of a dashboard started with ``read_only=True``."""


@dataclass
class Dashboard:
    storage: BaseStorage
    views: Views
    artifact_store: ArtifactStore | None = None
    read_only: bool = False
    _summaries: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _overviews: dict[int, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _overview_lock: threading.Lock = field(default_factory=threading.Lock)

    def prewarm(self) -> None:
        """Read every study once (from a background thread at start), so first pages are fast:
        first the storage's aggregates of each (for pages asked before its first read ends),
        then each study's trials."""
        views = []
        for study_id in list(self.views.studies(fresh=True)):
            try:
                view = self.views.get(study_id)
                if hasattr(self.storage, "get_study_overview"):
                    self.overview(view)
                views.append(view)
            except Exception:  # noqa: BLE001 - a study deleted meanwhile; pages will say so
                continue
        for view in views:  # one after the other (each read runs in the view's loader)
            view.wait_loaded(0.0)
            view.join_loader()

    def overview(self, view: StudyView) -> dict[str, Any]:
        """The storage's aggregates of the study (``get_study_overview``), kept ``OVERVIEW_TTL`` s
        (they are asked only while the study's first read runs)."""
        import time

        kept = self._overviews.get(view.study_id)
        if kept is not None and time.monotonic() - kept[0] < OVERVIEW_TTL:
            return kept[1]
        with self._overview_lock:  # the page's parallel reads compute it once
            kept = self._overviews.get(view.study_id)
            if kept is not None and time.monotonic() - kept[0] < OVERVIEW_TTL:
                return kept[1]
            overview: dict[str, Any] = self.storage.get_study_overview(  # type: ignore[attr-defined]
                view.study_id)
            self._overviews[view.study_id] = (time.monotonic(), overview)
            return overview

    def check_writable(self) -> None:
        if self.read_only:
            raise ReadOnly("This dashboard is read-only (started with --read-only): "
                           "writes are refused.")

    # --- studies --------------------------------------------------------------------------------

    def summary(self, view: StudyView, trials: list[FrozenTrial] | None = None) -> dict[str, Any]:
        """The study's summary (kept per change sequence: recomputed only when trials changed)."""
        view.refresh()
        seq = view.seq
        kept = self._summaries.get(view.study_id)
        if kept is not None and kept[0] == seq:
            return dict(kept[1])
        out = self._summary(view, view.trials() if trials is None else trials)
        self._summaries[view.study_id] = (seq, out)
        return dict(out)

    def _summary(self, view: StudyView, trials: list[FrozenTrial]) -> dict[str, Any]:
        directions = view.directions
        system = self.storage.get_study_system_attrs(view.study_id)
        out: dict[str, Any] = {
            "id": view.study_id, "name": view.name,
            "directions": [d.name.lower() for d in directions],
            "metric_names": system.get(METRIC_NAMES_KEY),
            "n_trials": len(trials), "states": {},
            "best_value": None, "best_values": None, "best_trial": None, "n_best_trials": None,
        }
        out["states"] = dict(view.counts)
        if len(directions) == 1:
            best = view.best
            if best is not None:
                out["best_value"] = number(best.values[0])  # type: ignore[index]
                out["best_values"] = [out["best_value"]]
                out["best_trial"] = best.number
        else:
            out["n_best_trials"] = len(view.front)  # kept in place by the view
        first = trials[0].datetime_start if trials else None
        out["datetime_start"] = None if first is None else first.isoformat()
        out["last_activity"] = (None if view.last_activity is None else
                                datetime.datetime.fromtimestamp(view.last_activity).isoformat())
        return out

    def note(self, view: StudyView, trial_number: int | None = None) -> dict[str, Any]:
        key = NOTE_KEY if trial_number is None else trial_note_key(trial_number)
        stored = self.storage.get_study_system_attrs(view.study_id).get(key)
        if not isinstance(stored, dict):
            return {"body": "", "version": 0, "updated": None}
        return {"body": str(stored.get("body", "")), "version": int(stored.get("version", 0)),
                "updated": stored.get("updated")}

    def set_note(self, view: StudyView, trial_number: int | None, body: str,
                 version: int) -> dict[str, Any]:
        """Save a note; ``version`` must be the current one (else ``ConflictError``)."""
        self.check_writable()
        current = self.note(view, trial_number)
        if current["version"] != version:
            raise Conflict("The note was changed by someone else meanwhile: reload it, then edit.")
        note = {"body": body, "version": version + 1,
                "updated": datetime.datetime.now().isoformat(timespec="seconds")}
        key = NOTE_KEY if trial_number is None else trial_note_key(trial_number)
        self.storage.set_study_system_attr(view.study_id, key, note)
        return note

    def budget(self, view: StudyView, trials: list[FrozenTrial]) -> dict[str, Any]:
        """Spending so far against the study user attribute ``skipjack:budget`` (if set)."""
        finished = [t for t in trials if t.state.is_finished()]
        seconds = sum((t.datetime_complete - t.datetime_start).total_seconds()
                      for t in finished
                      if t.datetime_complete is not None and t.datetime_start is not None)
        costs = [float(t.user_attrs["cost"]) for t in finished
                 if isinstance(t.user_attrs.get("cost"), (int, float))
                 and not isinstance(t.user_attrs.get("cost"), bool)]
        limits = self.storage.get_study_user_attrs(view.study_id).get(BUDGET_KEY)
        limits = limits if isinstance(limits, dict) else {}
        used = {"trials": len(finished), "trial_seconds": seconds,
                "cost": sum(costs) if costs else None}
        out: dict[str, Any] = {"used": used, "limits": jsonable(limits), "burn": {}}
        for key, value in limits.items():
            spent = used.get(key)
            if isinstance(value, (int, float)) and value > 0 and isinstance(spent, (int, float)):
                out["burn"][key] = spent / value
        stop = self.storage.get_study_system_attrs(view.study_id).get("skipjack:stop_reason")
        out["stop_reason"] = jsonable(stop) if stop is not None else None
        return out

    # --- a study not read yet (its first read still running) -----------------------------------

    def cold(self, view: StudyView, wait: float = COLD_WAIT) -> bool:
        """True when the study's first read is still running after ``wait`` seconds and the
        storage computes summaries itself (``get_study_overview``: the RDB storage); pages then
        come from SQL aggregates and indexed page reads instead of waiting for the first read."""
        if view.loaded or not hasattr(self.storage, "get_study_overview"):
            return False
        return not view.wait_loaded(wait)

    def cold_summary(self, view: StudyView) -> dict[str, Any]:
        """The summary from the storage's aggregates (no trial read; ``n_best_trials`` of a
        multi-objective study is None until the first read ends)."""
        overview = self.overview(view)
        system = self.storage.get_study_system_attrs(view.study_id)
        best = overview["best"]
        first, last = overview["first_start"], overview["last_activity"]
        return {
            "id": view.study_id, "name": view.name,
            "directions": [d.name.lower() for d in view.directions],
            "metric_names": system.get(METRIC_NAMES_KEY),
            "n_trials": overview["n_trials"], "states": dict(overview["states"]),
            "best_value": None if best is None else number(best[1]),
            "best_values": None if best is None else [number(best[1])],
            "best_trial": None if best is None else best[0], "n_best_trials": None,
            "datetime_start": None if first is None else first.isoformat(),
            "last_activity": None if last is None else last.isoformat(),
            "loading": True,
        }

    def cold_page(self, view: StudyView, order: str, offset: int,
                  limit: int) -> tuple[int, list[FrozenTrial]]:
        """(total, one page in number order) read by number (trial numbers are dense)."""
        overview = self.overview(view)
        top = overview["max_number"]
        if top is None:
            return overview["n_trials"], []
        if order == "desc":
            numbers = list(range(top - offset, max(top - offset - limit, -1), -1))
        else:
            numbers = list(range(offset, min(offset + limit, top + 1)))
        page = self.storage.get_trials_by_number(view.study_id, numbers)  # type: ignore[attr-defined]
        return overview["n_trials"], page[::-1] if order == "desc" else page

    def cold_latest(self, view: StudyView, n: int) -> list[FrozenTrial]:
        """The ``n`` trials with the highest numbers (their parameter and attribute names)."""
        return self.cold_page(view, "desc", 0, n)[1]

    # --- trials ---------------------------------------------------------------------------------

    def heartbeat_ages(self, view: StudyView, trials: list[FrozenTrial]) -> dict[int, float]:
        """Seconds since the last heartbeat of each RUNNING trial (by number), from the
        storage's ``get_heartbeat_ages`` ({} where the storage records no heartbeats)."""
        running = {t.trial_id: t.number for t in trials if t.state == TrialState.RUNNING}
        if not running:
            return {}
        try:
            ages = self.storage.get_heartbeat_ages(view.study_id)
        except Exception:  # noqa: BLE001 - a heartbeat read must not break the page
            return {}
        return {running[i]: float(a) for i, a in ages.items() if i in running}

    def artifacts(self, trial: FrozenTrial) -> list[dict[str, Any]]:
        from skipjack.artifacts import get_all_artifact_meta

        return [{"artifact_id": a.artifact_id, "filename": a.filename, "mimetype": a.mimetype,
                 "encoding": a.encoding} for a in get_all_artifact_meta(trial)]


class Conflict(RuntimeError):
    """A write that lost a race (a note edited meanwhile, a trial already finished)."""

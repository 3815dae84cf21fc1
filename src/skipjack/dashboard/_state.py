"""What every route shares: the storage, the study views, the artifact store, the mode.

All reads go through ``Views`` (incremental); the few writes (notes, telling a trial, the pruning
pause switch) go through the storage's public API and are refused in read-only mode.
"""

from __future__ import annotations

import datetime
import math
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


class ReadOnly(PermissionError):
    """A write asked of a dashboard started with ``read_only=True``."""


@dataclass
class Dashboard:
    storage: BaseStorage
    views: Views
    artifact_store: ArtifactStore | None = None
    read_only: bool = False
    _summaries: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def prewarm(self) -> None:
        """Read every study once (from a background thread at start), so first pages are fast."""
        for study_id in list(self.views.studies(fresh=True)):
            try:
                self.summary(self.views.get(study_id))
            except Exception:  # noqa: BLE001 - a study deleted meanwhile; pages will say so
                continue

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
            from skipjack._mo import pareto_front_trials

            complete = [t for t in trials if t.state == TrialState.COMPLETE and t.values]
            out["n_best_trials"] = len(pareto_front_trials(complete, directions,
                                                           consider_constraints=False))
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

    # --- trials ---------------------------------------------------------------------------------

    def heartbeat_ages(self, view: StudyView, trials: list[FrozenTrial]) -> dict[int, float]:
        """Seconds since the last heartbeat of each RUNNING trial, where the storage tells."""
        running = [t for t in trials if t.state == TrialState.RUNNING]
        if not running:
            return {}
        backend = getattr(self.storage, "_backend", None)  # journal storages
        reader = getattr(backend, "get_heartbeat_ages", None)
        if reader is None:
            return {}
        try:
            ages = reader([t.trial_id for t in running])
        except Exception:  # noqa: BLE001 - a heartbeat read must not break the page
            return {}
        by_id = {t.trial_id: t.number for t in running}
        return {by_id[i]: float(a) for i, a in ages.items() if i in by_id}

    def artifacts(self, trial: FrozenTrial) -> list[dict[str, Any]]:
        from skipjack.artifacts import get_all_artifact_meta

        return [{"artifact_id": a.artifact_id, "filename": a.filename, "mimetype": a.mimetype,
                 "encoding": a.encoding} for a in get_all_artifact_meta(trial)]


class Conflict(RuntimeError):
    """A write that lost a race (a note edited meanwhile, a trial already finished)."""

"""Operations routes: the on-call view, the health panel, pruning debug, study comparison."""

from __future__ import annotations

import datetime
import time
from typing import Any

from fastapi import APIRouter, Query, Request

from skipjack._records import TrialState
from skipjack.dashboard._api_read import dash, view_of
from skipjack.dashboard._plots import history
from skipjack.dashboard._serialize import jsonable, number
from skipjack.dashboard._wire import Problem

__all__ = ["router"]

router = APIRouter(prefix="/api", responses={404: {"model": Problem}})

MAX_COMPARED = 8
_CAUSE_EXAMPLES = 3


@router.get("/studies/{study_id}/ops", response_model=None)
def ops(request: Request, study_id: int) -> dict[str, Any]:
    """On-call view: running trials (age, heartbeat, worker), stale trials, failures by cause,
    trials per minute over the last hour, storage latency, budget burn."""
    from skipjack.study._budgets import failure_cause

    d = dash(request)
    view = view_of(request, study_id)
    trials = view.trials()
    now = datetime.datetime.now()
    ages = d.heartbeat_ages(view, trials)
    grace = _grace_period(d.storage)
    running = []
    for t in trials:
        if t.state != TrialState.RUNNING:
            continue
        age = ages.get(t.number)
        running.append({
            "number": t.number,
            "running_for": None if t.datetime_start is None else
            (now - t.datetime_start).total_seconds(),
            "heartbeat_age": age,
            "stale": age is not None and grace is not None and age > grace,
            "worker": jsonable(t.system_attrs.get("skipjack:worker")
                               or t.user_attrs.get("worker")),
            "params": jsonable(t.params)})
    causes: dict[str, dict[str, Any]] = {}
    for t in trials:
        if t.state != TrialState.FAIL:
            continue
        cause = failure_cause(t)
        entry = causes.setdefault(cause, {"cause": cause, "count": 0, "trials": [],
                                          "examples": []})
        entry["count"] += 1
        entry["trials"].append(t.number)
        if len(entry["examples"]) < _CAUSE_EXAMPLES:
            entry["examples"].append({"number": t.number,
                                      "reason": str(t.system_attrs.get("fail_reason") or "")})
    for entry in causes.values():
        entry["trials"] = entry["trials"][-50:]
    per_minute = [0] * 60
    for t in trials:
        if t.datetime_complete is not None:
            minutes = int((now - t.datetime_complete).total_seconds() // 60)
            if 0 <= minutes < 60:
                per_minute[59 - minutes] += 1
    return {
        "running": running,
        "stale": [r["number"] for r in running if r["stale"]],
        "heartbeat": {"interval": _heartbeat_interval(d.storage), "grace_period": grace,
                      "supported": bool(ages) or _heartbeat_interval(d.storage) is not None},
        "failures": sorted(causes.values(), key=lambda e: -e["count"]),
        "trials_per_minute": per_minute,
        "storage_latency_ms": _latency_ms(d.storage, study_id),
        "budget": d.budget(view, trials),
    }


def _heartbeat_interval(storage: Any) -> int | None:
    getter = getattr(storage, "get_heartbeat_interval", None)
    return getter() if getter is not None else None


def _grace_period(storage: Any) -> float | None:
    getter = getattr(storage, "get_grace_period", None)
    if getter is not None:
        value = getter()
        return None if value is None else float(value)
    grace = getattr(storage, "grace_period", None)
    interval = _heartbeat_interval(storage)
    if grace is not None:
        return float(grace)
    return None if interval is None else 2.0 * interval


def _latency_ms(storage: Any, study_id: int) -> float:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        storage.get_study_directions(study_id)
        timings.append((time.perf_counter() - start) * 1000.0)
    return sorted(timings)[1]


@router.get("/studies/{study_id}/health", response_model=None)
def health(request: Request, study_id: int) -> dict[str, Any]:
    """The study's health report (``skipjack.report.study_health``)."""
    from skipjack.report import study_health
    from skipjack.study import load_study

    d = dash(request)
    view = view_of(request, study_id)
    report = study_health(load_study(study_name=view.name, storage=d.storage))
    return jsonable(report.to_dict())  # type: ignore[no-any-return]


@router.get("/studies/{study_id}/pruning", response_model=None)
def pruning(request: Request, study_id: int) -> dict[str, Any]:
    """Pruning debug: the pause switch, decisions per step (prune / continue by rule), and the
    last decision of the latest trials that logged any."""
    from skipjack.pruners import decision_log

    d = dash(request)
    view = view_of(request, study_id)
    per_step: dict[int, dict[str, int]] = {}
    rules: dict[str, int] = {}
    latest = []
    for t in view.trials():
        if not any(k.startswith("skipjack:pruning_log") for k in t.system_attrs):
            continue
        try:
            log = decision_log(t)
        except Exception:  # noqa: BLE001 - a malformed log is skipped, not fatal
            continue
        for dec in log:
            entry = per_step.setdefault(-1 if dec.step is None else dec.step, {"prune": 0, "continue": 0})
            entry["prune" if dec.prune else "continue"] += 1
            rules[dec.rule] = rules.get(dec.rule, 0) + 1
        if log:
            last = log[-1]
            latest.append({"number": t.number, "state": t.state.name, **jsonable(last.to_dict())})
    paused = bool(d.storage.get_study_user_attrs(study_id).get("skipjack:pruning_paused", False))
    return {"paused": paused, "rules": rules,
            "per_step": [{"step": s, **c} for s, c in sorted(per_step.items())],
            "latest": latest[-200:]}


@router.get("/compare", response_model=None)
def compare(request: Request, ids: str = Query(..., description="comma-separated study ids"),
            objective: int = 0) -> dict[str, Any]:
    """Two or more studies side by side: summaries and best-so-far curves."""
    from skipjack._records import StudyDirection
    from skipjack.dashboard._query import BadQuery

    try:
        wanted = [int(i) for i in ids.split(",") if i.strip()]
    except ValueError:
        raise BadQuery("The 'ids' argument must be comma-separated study ids, e.g. 1,2.") from None
    if not 1 <= len(wanted) <= MAX_COMPARED:
        raise BadQuery(f"The 'ids' argument must name 1..{MAX_COMPARED} studies.")
    d = dash(request)
    out = []
    for study_id in wanted:
        view = view_of(request, study_id)
        trials = view.trials()
        index = min(objective, len(view.directions) - 1)
        maximize = view.directions[index] == StudyDirection.MAXIMIZE
        h = history(trials, index, maximize)
        out.append({"summary": d.summary(view, trials), "objective": index,
                    "best_x": h["best_x"], "best_y": h["best_y"],
                    "best": number(h["best_y"][-1]) if h["best_y"] else None})
    return {"studies": out}

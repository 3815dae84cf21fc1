"""Operations routes: the on-call view, the health panel, pruning debug, study comparison."""

from __future__ import annotations

import datetime
from typing import Any

from fastapi import APIRouter, Query, Request

from skipjack._records import TrialState
from skipjack.dashboard._api_read import dash, view_of
from skipjack.dashboard._plots import history
from skipjack.dashboard._serialize import jsonable, number
from skipjack.dashboard._wire import Problem
from skipjack.study._optimize import TRACEBACK_KEY, WORKER_KEY

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
            "worker": jsonable(t.system_attrs.get(WORKER_KEY) or t.user_attrs.get("worker")),
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
            traceback = t.system_attrs.get(TRACEBACK_KEY) or t.system_attrs.get("fail_traceback")
            entry["examples"].append({"number": t.number,
                                      "reason": str(t.system_attrs.get("fail_reason") or ""),
                                      "traceback": None if traceback is None else str(traceback),
                                      "worker": jsonable(t.system_attrs.get(WORKER_KEY))})
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
        "storage_operations": [{k: v for k, v in r.items() if k != "_counts"}
                               for r in storage_latency()[:12]],
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


def _latency_ms(storage: Any, study_id: int) -> float | None:
    """Median latency (ms) of the dashboard's storage calls, from the metrics layer."""
    rows = storage_latency()
    total = sum(r["count"] for r in rows)
    if not total:
        return None
    everything = [0] * (len(_bounds()) + 1)
    for r in rows:
        for i, n in enumerate(r["_counts"]):
            everything[i] += n
    return _quantile(everything, 0.5)


def _bounds() -> tuple[float, ...]:
    from skipjack.observability._metrics import worker_metrics

    return worker_metrics().storage.bounds


def _quantile(counts: list[int], q: float) -> float | None:
    """The upper bound (ms) of the bucket holding quantile ``q`` (the last bucket: its lower
    bound), the usual estimate from a histogram."""
    bounds = _bounds()
    total = sum(counts)
    if not total:
        return None
    rank, seen = q * total, 0
    for i, n in enumerate(counts):
        seen += n
        if seen >= rank and n:
            return 1000.0 * (bounds[i] if i < len(bounds) else bounds[-1])
    return 1000.0 * bounds[-1]


def storage_latency() -> list[dict[str, Any]]:
    """Per storage operation of this dashboard: calls, mean, p50 and p95 (ms), read from the
    metrics layer's ``skipjack_storage_operation_duration_seconds`` histogram (the dashboard's
    storage is wrapped in ``TimedStorage``)."""
    from skipjack.observability._metrics import worker_metrics

    out: list[dict[str, Any]] = []
    for (operation,), counts, total in worker_metrics().storage.bucket_counts():
        n = sum(counts)
        if not n:
            continue
        out.append({"operation": operation, "count": n, "mean_ms": 1000.0 * total / n,
                    "p50_ms": _quantile(counts, 0.5), "p95_ms": _quantile(counts, 0.95),
                    "_counts": counts})
    out.sort(key=lambda r: -r["count"])
    return out


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

"""Read routes: studies, trials (paged table, one trial, artifacts), plots, live events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from skipjack._records import TrialState
from skipjack.dashboard._cache import StudyView
from skipjack.dashboard._plots import PLOTS, plot_data
from skipjack.dashboard._query import TrialQuery
from skipjack.dashboard._serialize import jsonable, trial_detail, trial_row
from skipjack.dashboard._state import Dashboard
from skipjack.dashboard._wire import Meta, Problem, StudyDetail, StudyList, TrialDetail, TrialPage

__all__ = ["router", "EVENT_LIMIT"]

router = APIRouter(prefix="/api", responses={404: {"model": Problem}})

EVENT_LIMIT = 500  # trials per live update; more than that and the client reloads its page
EVENT_INTERVAL = 0.05  # seconds between two looks at the storage for a live client
_SORTS = ("name", "n_trials", "best_value", "last_activity", "id")


def dash(request: Request) -> Dashboard:
    state: Dashboard = request.app.state.dashboard
    return state


def view_of(request: Request, study_id: int) -> StudyView:
    return dash(request).views.get(study_id)


@router.get("/meta", response_model=None, responses={200: {"model": Meta}})
def meta(request: Request) -> dict[str, Any]:
    """The dashboard's mode: read-only or not, the version, whether plots and artifacts work."""
    from skipjack.dashboard._static import plotly_js_path
    from skipjack.version import __version__

    d = dash(request)
    return {"read_only": d.read_only, "version": __version__,
            "plotly": plotly_js_path() is not None, "artifacts": d.artifact_store is not None}


@router.get("/studies", response_model=None, responses={200: {"model": StudyList}})
def studies(request: Request, q: str = "", sort: str = "id", order: str = "asc") -> dict[str, Any]:
    """Every study (name contains ``q``, case-insensitive), with counts by state and best value."""
    from skipjack.dashboard._query import BadQuery

    if sort not in _SORTS:
        raise BadQuery(f"The 'sort' argument must be one of {list(_SORTS)}. Got {sort!r}.")
    if order not in ("asc", "desc"):
        raise BadQuery(f"The 'order' argument must be 'asc' or 'desc'. Got {order!r}.")
    from skipjack.dashboard._state import COLD_WAIT

    d = dash(request)
    out = []
    names = {i: n for i, n in sorted(d.views.studies(fresh=True).items())
             if not q or q.lower() in n.lower()}
    for study_id in names:  # start every first read at once; wait COLD_WAIT in all
        try:
            d.views.get(study_id).wait_loaded(0.0)
        except LookupError:  # deleted meanwhile
            pass
    deadline = time.monotonic() + COLD_WAIT
    for study_id in names:
        try:
            view = d.views.get(study_id)
            cold = d.cold(view, max(0.0, deadline - time.monotonic()))
            out.append(d.cold_summary(view) if cold else d.summary(view))
        except LookupError:  # deleted meanwhile
            d.views.forget(study_id)
    present = [s for s in out if s[sort] is not None and not isinstance(s[sort], str)
               or sort in ("name", "last_activity") and s[sort] is not None]
    missing = [s for s in out if s not in present]
    present.sort(key=lambda s: s[sort], reverse=order == "desc")
    return {"studies": present + missing}


@router.get("/studies/{study_id}", response_model=None, responses={200: {"model": StudyDetail}})
def study(request: Request, study_id: int) -> dict[str, Any]:
    """One study: its summary, attributes, note, parameter and attribute names."""
    d = dash(request)
    view = view_of(request, study_id)
    if d.cold(view):  # first read still running: SQL aggregates and the latest trials
        out = d.cold_summary(view)
        trials = d.cold_latest(view, 100)
    else:
        trials = view.trials()
        out = d.summary(view, trials)
    params: dict[str, None] = {}
    attrs: dict[str, None] = {}
    for t in trials[-2000:]:
        params.update(dict.fromkeys(t.params))
        attrs.update(dict.fromkeys(t.user_attrs))
    system = d.storage.get_study_system_attrs(study_id)
    out.update(
        user_attrs=jsonable(d.storage.get_study_user_attrs(study_id)),
        system_attrs=jsonable({k: v for k, v in system.items() if not k.startswith("skipjack:note")}),
        param_names=sorted(params), attr_names=sorted(attrs), note=d.note(view), seq=view.seq)
    return out


@router.get("/studies/{study_id}/trials", response_model=None,
            responses={200: {"model": TrialPage}, 400: {"model": Problem}})
def trials(
    request: Request, study_id: int,
    state: str = Query("", description="comma-separated states, e.g. COMPLETE,PRUNED"),
    param: list[str] = Query([], description="parameter filters NAME OP VALUE, e.g. lr<0.01"),
    attr: list[str] = Query([], description="user attribute filters NAME OP VALUE"),
    sort: str = "number", order: str = "asc", offset: int = 0, limit: int = 50,
) -> dict[str, Any]:
    """One page of the study's trials, filtered and sorted on the server."""
    view = view_of(request, study_id)
    query = TrialQuery(states=[s for s in state.split(",") if s] or None, params=param,
                       attrs=attr, sort=sort, order=order, offset=offset, limit=limit)
    query.check()
    d = dash(request)
    if sort == "number" and not query.states and not param and not attr and d.cold(view):
        total, page = d.cold_page(view, order, offset, limit)  # first read still running
    else:
        total, page = query.run(view.trials())
    return {"total": total, "offset": offset, "limit": limit, "seq": view.seq,
            "trials": [trial_row(t) for t in page]}


@router.get("/studies/{study_id}/trials/{number}", response_model=None,
            responses={200: {"model": TrialDetail}})
def trial(request: Request, study_id: int, number: int) -> dict[str, Any]:
    """Everything about one trial."""
    d = dash(request)
    view = view_of(request, study_id)
    t = view.trial(number)
    out = trial_detail(t, view.directions)
    out["heartbeat_age"] = d.heartbeat_ages(view, [t]).get(t.number)
    out["running_for"] = None
    if t.state == TrialState.RUNNING and t.datetime_start is not None:
        import datetime

        out["running_for"] = (datetime.datetime.now() - t.datetime_start).total_seconds()
    out["note"] = d.note(view, number)
    out["artifacts"] = d.artifacts(t)
    return out


@router.get("/studies/{study_id}/trials/{number}/artifacts/{artifact_id}",
            response_class=StreamingResponse)
def artifact(request: Request, study_id: int, number: int, artifact_id: str) -> StreamingResponse:
    """Download an artifact of the trial (only ids the trial's metadata lists)."""
    from skipjack.artifacts import ArtifactNotFound
    from skipjack.dashboard._cache import TrialNotFound

    d = dash(request)
    t = view_of(request, study_id).trial(number)
    metas = {a["artifact_id"]: a for a in d.artifacts(t)}
    meta = metas.get(artifact_id)
    if meta is None or d.artifact_store is None:
        raise TrialNotFound("The trial has no artifact with that id in this dashboard's store.")
    try:
        reader = d.artifact_store.open_reader(artifact_id)
    except (ArtifactNotFound, ValueError):
        raise TrialNotFound("The artifact's file is missing from the artifact store.") from None
    filename = "".join(c for c in str(meta["filename"]) if c.isalnum() or c in "._- ")[:200]

    def chunks() -> Iterator[bytes]:
        with reader:
            yield from iter(lambda: reader.read(1 << 16), b"")

    return StreamingResponse(
        chunks(), media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{filename or "artifact"}"'})


@router.get("/studies/{study_id}/plots/{kind}", response_model=None)
def plot(request: Request, study_id: int, kind: str, objective: int = 0,
         x: str | None = None, y: str | None = None) -> dict[str, Any]:
    """The data of one plot (aggregated and downsampled: its size does not grow with trials).

    ``kind``: history, intermediate, slice, contour, parallel, rank, edf, importance, timeline,
    pareto. ``objective``: which objective (multi-objective studies). ``x``/``y``: the two
    parameters of a contour, the two objective indices of a Pareto front.
    """
    from skipjack.dashboard._cache import TrialNotFound
    from skipjack.dashboard._query import BadQuery

    view = view_of(request, study_id)
    if kind not in PLOTS:
        raise TrialNotFound(f"No such plot; plots are {', '.join(PLOTS)}.")
    if not 0 <= objective < len(view.directions):
        raise BadQuery(f"The 'objective' argument must be in 0..{len(view.directions) - 1}.")
    if kind == "pareto" and len(view.directions) < 2:
        raise BadQuery("A Pareto front needs a study with two or more objectives.")
    cache = request.app.state.plot_cache
    key = (study_id, kind, objective, x, y)
    view.refresh()
    hit = cache.get(key)
    if hit is not None and hit[0] == view.seq:
        return hit[1]  # type: ignore[no-any-return]
    seq = view.seq
    data = plot_data(kind, view.trials(), view.directions, objective, x, y)
    data["seq"] = seq
    cache[key] = (seq, data)
    if len(cache) > 256:
        cache.pop(next(iter(cache)))
    return data


@router.get("/studies/{study_id}/events")
async def events(request: Request, study_id: int, since: int = 0) -> StreamingResponse:
    """Server-sent events: one ``update`` event per change of the study.

    Each carries ``seq`` (send it back as ``since`` when reconnecting), the counts by state, the
    best value, and the trials that changed since the last event (``trials``), or
    ``"reload": true`` when more than 500 changed at once. Read from the storage's incremental
    read; a comment line every 15 s keeps idle connections open.
    """
    d = dash(request)
    view = view_of(request, study_id)

    async def stream() -> AsyncIterator[bytes]:
        seen = since
        quiet = time.monotonic()
        yield b"retry: 2000\n\n"
        while not await request.is_disconnected():
            seq, changed = await asyncio.to_thread(view.changed_since, seen, EVENT_LIMIT)
            if seq != seen:
                summary = await asyncio.to_thread(d.summary, view)
                payload = {"seq": seq, "summary": summary,
                           "reload": changed is None,
                           "trials": [trial_row(t) for t in changed or []]}
                seen = seq
                quiet = time.monotonic()
                yield f"id: {seq}\nevent: update\ndata: {json.dumps(payload)}\n\n".encode()
            elif time.monotonic() - quiet > 15:
                quiet = time.monotonic()
                yield b": keep-alive\n\n"
            await asyncio.sleep(EVENT_INTERVAL)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})

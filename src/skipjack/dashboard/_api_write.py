"""Write routes (human in the loop): notes, telling a trial, the pruning pause switch.

Each goes through the storage's public API, is refused in read-only mode (403), and needs the
CSRF token from a browser (checked by ``_security.Guard`` before the route runs).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from skipjack._records import TrialState
from skipjack.dashboard._api_read import dash, view_of
from skipjack.dashboard._serialize import trial_row
from skipjack.dashboard._state import Conflict
from skipjack.dashboard._wire import Note, NoteIn, PauseIn, Problem, TellIn, TrialRow

__all__ = ["router"]

router = APIRouter(prefix="/api", responses={403: {"model": Problem}, 404: {"model": Problem},
                                             409: {"model": Problem}})


@router.put("/studies/{study_id}/note", response_model=None, responses={200: {"model": Note}})
def put_study_note(request: Request, study_id: int, note: NoteIn) -> dict[str, Any]:
    """Replace the study's note (``version``: the version it was edited from)."""
    d = dash(request)
    d.check_writable()
    return d.set_note(view_of(request, study_id), None, note.body, note.version)


@router.put("/studies/{study_id}/trials/{number}/note", response_model=None,
            responses={200: {"model": Note}})
def put_trial_note(request: Request, study_id: int, number: int, note: NoteIn) -> dict[str, Any]:
    """Replace a trial's note."""
    d = dash(request)
    d.check_writable()
    view = view_of(request, study_id)
    view.trial(number)  # 404 for an unknown trial
    return d.set_note(view, number, note.body, note.version)


@router.post("/studies/{study_id}/trials/{number}/tell", response_model=None,
             responses={200: {"model": TrialRow}})
def tell(request: Request, study_id: int, number: int, body: TellIn) -> dict[str, Any]:
    """Finish a WAITING or RUNNING trial with the given state and values (human in the loop).

    A WAITING trial is first claimed (WAITING -> RUNNING, atomic in the storage), so a worker
    cannot start it at the same time.
    """
    import math

    d = dash(request)
    d.check_writable()
    view = view_of(request, study_id)
    t = view.trial(number)
    n_obj = len(view.directions)
    values = body.values
    if body.state == "COMPLETE":
        if values is None or len(values) != n_obj or not all(math.isfinite(v) for v in values):
            from skipjack.dashboard._query import BadQuery

            raise BadQuery(f"The 'values' argument must be {n_obj} finite number(s) to COMPLETE "
                           "a trial of this study.")
    elif values is not None and len(values) != n_obj:
        from skipjack.dashboard._query import BadQuery

        raise BadQuery(f"The 'values' argument must be omitted or have {n_obj} number(s).")
    storage = d.storage
    trial_id = t.trial_id
    current = storage.get_trial(trial_id)
    if current.state == TrialState.WAITING:
        if not storage.set_trial_state_values(trial_id, state=TrialState.RUNNING):
            raise Conflict("A worker started this trial meanwhile; reload and tell it again.")
    elif current.state != TrialState.RUNNING:
        raise Conflict(f"The trial is {current.state.name}: only WAITING and RUNNING trials can "
                       "be told a value.")
    from skipjack.exceptions import UpdateFinishedTrialError

    try:
        storage.set_trial_state_values(trial_id, state=TrialState[body.state],
                                       values=values if body.state != "FAIL" else None)
    except UpdateFinishedTrialError:
        raise Conflict("The trial finished meanwhile (a worker told it first).") from None
    view.refresh(force=True)
    return trial_row(storage.get_trial(trial_id))


@router.put("/studies/{study_id}/pruning/pause", response_model=None)
def pause(request: Request, study_id: int, body: PauseIn) -> dict[str, Any]:
    """Pause (or resume) pruning for every worker of the study."""
    d = dash(request)
    d.check_writable()
    view = view_of(request, study_id)
    d.storage.set_study_user_attr(view.study_id, "skipjack:pruning_paused", body.paused)
    return {"paused": body.paused}

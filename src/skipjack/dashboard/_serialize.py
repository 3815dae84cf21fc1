"""Records to JSON-ready values: the dashboard's wire format (one place, tested on its own).

Non-finite floats become the strings ``"inf"``, ``"-inf"`` and ``"nan"`` (JSON has no such
numbers); other values that JSON cannot hold become their ``repr``. Strings are sent as they are:
the front-end only ever inserts them as text (``textContent``), never as markup.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import distribution_to_json

__all__ = ["number", "jsonable", "iso", "trial_row", "trial_detail", "NOTE_KEY",
           "trial_note_key", "FAIL_REASON_KEYS"]

NOTE_KEY = "skipjack:note"  # study system attribute holding the study's note
FAIL_REASON_KEYS = ("fail_reason", "fail_traceback", "skipjack:fail_traceback")


def trial_note_key(number: int) -> str:
    """The study system attribute that holds trial ``number``'s note.

    Design note: notes on trials live in the study's system attributes (as optuna-dashboard does),
    because a finished trial refuses every write.
    """
    return f"{NOTE_KEY}:trial:{number}"


def number(value: float | None) -> float | str | None:
    if value is None:
        return None
    value = float(value)
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def jsonable(value: Any) -> Any:
    """``value`` as something ``json.dumps`` accepts without loss of meaning."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def duration(t: FrozenTrial) -> float | None:
    if t.datetime_start is None or t.datetime_complete is None:
        return None
    return (t.datetime_complete - t.datetime_start).total_seconds()


def trial_row(t: FrozenTrial) -> dict[str, Any]:
    """The compact form of a trial: one row of the trials table, one live update."""
    return {
        "number": t.number,
        "state": t.state.name,
        "values": None if t.values is None else [number(v) for v in t.values],
        "params": {k: jsonable(v) for k, v in t.params.items()},
        "user_attrs": {k: jsonable(v) for k, v in t.user_attrs.items()},
        "datetime_start": iso(t.datetime_start),
        "datetime_complete": iso(t.datetime_complete),
        "duration": duration(t),
        "n_steps": len(t.intermediate_values),
    }


def trial_detail(t: FrozenTrial, directions: list[StudyDirection]) -> dict[str, Any]:
    """Everything about one trial, for its page."""
    from skipjack.pruners import decision_log

    row = trial_row(t)
    row.update(
        trial_id=t.trial_id,
        distributions={k: json.loads(distribution_to_json(d)) for k, d in t.distributions.items()},
        intermediate_values=[[step, number(v)] for step, v in
                             sorted(t.intermediate_values.items())],
        system_attrs={k: jsonable(v) for k, v in t.system_attrs.items()
                      if not k.startswith("skipjack:pruning_log")},
        fail_reason=None,
        fail_traceback=None,
        directions=[d.name.lower() for d in directions],
    )
    if t.state == TrialState.FAIL:
        row["fail_reason"] = t.system_attrs.get("fail_reason")
        for key in FAIL_REASON_KEYS[1:]:
            if t.system_attrs.get(key):
                row["fail_traceback"] = str(t.system_attrs[key])
    try:
        row["pruning"] = [jsonable(d.to_dict()) for d in decision_log(t)]
    except Exception:  # noqa: BLE001 - a malformed log must not hide the trial
        row["pruning"] = []
    return row

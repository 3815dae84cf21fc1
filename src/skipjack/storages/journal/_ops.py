"""The journal's operations: op codes and the encoding of their fields.

The log is Optuna's journal format: one JSON object per operation, each with an ``op_code``
(below), the ``worker_id`` of the thread that wrote it, and the operation's fields. Ids are not
written: a study gets the next study id and a trial the next trial id when its creation is replayed
and accepted, so every reader assigns the same ids. Times are ISO 8601 strings in UTC with an
offset (as Optuna 5 writes them); naive strings (older Optuna) are read as local time.
"""

from __future__ import annotations

import datetime
import enum
import json
import os
import threading
import uuid
from typing import Any

from skipjack._records import FrozenTrial
from skipjack.distributions import BaseDistribution, distribution_to_json

__all__ = [
    "OpCode",
    "check_json",
    "decode_datetime",
    "distribution_json",
    "encode_datetime",
    "now_utc_iso",
    "template_op",
    "worker_id",
]


class OpCode(enum.IntEnum):
    """The operation codes of Optuna's journal format."""

    CREATE_STUDY = 0
    DELETE_STUDY = 1
    SET_STUDY_USER_ATTR = 2
    SET_STUDY_SYSTEM_ATTR = 3
    CREATE_TRIAL = 4
    SET_TRIAL_PARAM = 5
    SET_TRIAL_STATE_VALUES = 6
    SET_TRIAL_INTERMEDIATE_VALUE = 7
    SET_TRIAL_USER_ATTR = 8
    SET_TRIAL_SYSTEM_ATTR = 9


_UTC = datetime.timezone.utc


# Local UTC offsets by hour: converting with ``astimezone`` costs microseconds per call, which
# dominates replaying and snapshotting long journals. Offsets change only on whole hours.
_TO_UTC: dict[tuple[int, int, int, int], datetime.timedelta] = {}
_TO_LOCAL: dict[str, datetime.timedelta] = {}


def encode_datetime(value: datetime.datetime | None) -> str | None:
    """A naive local (or aware) datetime as an ISO string in UTC, e.g. ``...T01:02:03+00:00``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(_UTC).isoformat()
    key = (value.year, value.month, value.day, value.hour)
    offset = _TO_UTC.get(key)
    if offset is None:
        offset = value.astimezone(_UTC).replace(tzinfo=None) - value
        if len(_TO_UTC) < 100_000:
            _TO_UTC[key] = offset
    return (value + offset).isoformat() + "+00:00"


def now_utc_iso() -> str:
    """The current time as written in the log."""
    return datetime.datetime.now(_UTC).isoformat()


def decode_datetime(value: Any) -> datetime.datetime | None:
    """An ISO string from the log as a naive local datetime (None stays None)."""
    if value is None:
        return None
    if value.endswith("+00:00"):
        naive = datetime.datetime.fromisoformat(value[:-6])
        key = value[:13]
        offset = _TO_LOCAL.get(key)
        if offset is None:
            offset = naive.replace(tzinfo=_UTC).astimezone().replace(tzinfo=None) - naive
            if len(_TO_LOCAL) < 100_000:
                _TO_LOCAL[key] = offset
        return naive + offset
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone().replace(tzinfo=None)
    return parsed


class _WorkerIds:
    """``<process uuid>-<thread id>``: the id written with each operation (Optuna's form).

    A new uuid is drawn in a forked child, so parent and child never share worker ids.
    """

    def __init__(self) -> None:
        self._pid = -1
        self._prefix = ""

    def get(self) -> str:
        pid = os.getpid()
        if pid != self._pid:
            self._prefix = str(uuid.uuid4())
            self._pid = pid
        return f"{self._prefix}-{threading.get_ident()}"


_worker_ids = _WorkerIds()


def worker_id() -> str:
    """The worker id of the calling thread."""
    return _worker_ids.get()


_DIST_JSON: dict[tuple[type, BaseDistribution], str] = {}


def distribution_json(distribution: BaseDistribution) -> str:
    """``distribution_to_json``, memoised (distributions are immutable and hashable)."""
    key = (type(distribution), distribution)
    encoded = _DIST_JSON.get(key)
    if encoded is None:
        encoded = distribution_to_json(distribution)
        if len(_DIST_JSON) < 4096:
            _DIST_JSON[key] = encoded
    return encoded


def check_json(op: dict[str, Any], key: str, value: Any) -> None:
    try:
        json.dumps(op)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"The value of attribute {key!r} must be JSON serialisable to be stored in a "
            f"journal. Got {value!r} ({e})."
        ) from None


def template_op(study_id: int, t: FrozenTrial) -> dict[str, Any]:
    op: dict[str, Any] = {
        "op_code": OpCode.CREATE_TRIAL,
        "study_id": study_id,
        "datetime_start": encode_datetime(t.datetime_start),
    }
    if t.datetime_complete is not None:  # Optuna reads the key only when it holds a time
        op["datetime_complete"] = encode_datetime(t.datetime_complete)
    op.update({
        "state": int(t.state),
        "value": None,
        "values": None if t.values is None else [float(v) for v in t.values],
        "distributions": {n: distribution_to_json(d) for n, d in t.distributions.items()},
        "params": dict(t.params),
        "user_attrs": t.user_attrs,
        "system_attrs": t.system_attrs,
        "intermediate_values": {str(k): v for k, v in t.intermediate_values.items()},
    })
    return op

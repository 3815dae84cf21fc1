"""Reading trials in one round trip: one ``UNION ALL`` over the trial tables.

A trial lives in six tables (the trial row, parameters, values, intermediate values, user and system
attributes). Instead of one query per table, the reader sends one statement that selects from all
six with a common column layout and rebuilds ``FrozenTrial`` records from the rows:

==== ============== ================= ============== =============== ========== ==========
kind i              s                 f              t               d1, d2     o (order)
==== ============== ================= ============== =============== ========== ==========
0    number         state             -              -               start, end number
1    -              param name        internal value distribution    -          param_id
2    objective      value type        value          -               -          row id
3    step           value type        value          -               -          row id
4    -              key               -              value JSON      -          row id
5    -              key               -              value JSON      -          row id
==== ============== ================= ============== =============== ========== ==========

The trials read are chosen by a condition on the ``trials`` table (one trial id, or "number above
the watermark or among the unfinished numbers" for an incremental sync). A study sync adds a row of
kind -1 when the study exists, so that a deleted study is noticed in the same round trip.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution, json_to_distribution
from skipjack.storages._rdb import models as m

__all__ = [
    "TrialQueries",
    "rows_to_trials",
    "encode_value",
    "decode_value",
    "encode_intermediate",
    "decode_intermediate",
    "STATE_NAMES",
    "STATE_BY_NAME",
]

STATE_NAMES = {s: s.name for s in TrialState}
STATE_BY_NAME = {s.name: s for s in TrialState}
_INF = float("inf")


def encode_value(value: float) -> tuple[float | None, str]:
    """Optuna's encoding of an objective value: (column value, value_type)."""
    value = float(value)
    if value == _INF:
        return None, "INF_POS"
    if value == -_INF:
        return None, "INF_NEG"
    if math.isnan(value):
        raise ValueError(f"An objective value stored in an RDB must not be NaN. Got {value}.")
    return value, "FINITE"


def decode_value(value: float | None, value_type: str) -> float:
    """Inverse of ``encode_value``."""
    if value_type == "FINITE":
        return float(value)  # type: ignore[arg-type]
    if value_type == "INF_POS":
        return _INF
    if value_type == "INF_NEG":
        return -_INF
    return float("nan")


def encode_intermediate(value: float) -> tuple[float | None, str]:
    """Optuna's encoding of an intermediate value (NaN allowed)."""
    value = float(value)
    if math.isnan(value):
        return None, "NAN"
    return encode_value(value)


decode_intermediate = decode_value


class TrialQueries:
    """The statements that read trials, built once per dialect."""

    def __init__(self, dialect: str) -> None:
        self._dialect = dialect
        t = m.trials
        self.by_trial_id = self._build(t.c.trial_id == sa.bindparam("trial_id"), with_study=False)
        # Design note: "number above the watermark OR among the unfinished numbers" as one
        # condition on ``trials`` made SQLite (and MariaDB) walk every trial of the study through
        # the study_id index, six times (about 50 ms at 100 000 trials, even when nothing
        # changed). As two index range reads of (study_id, number) joined by UNION ALL, the
        # cost is proportional to the trials read: the new ones and the unfinished ones.
        changed_ids = sa.union_all(
            sa.select(t.c.trial_id).where(t.c.study_id == sa.bindparam("study_id"),
                                          t.c.number > sa.bindparam("max_number")),
            sa.select(t.c.trial_id).where(
                t.c.study_id == sa.bindparam("study_id"),
                t.c.number.in_(sa.bindparam("unfinished", expanding=True))),
        )
        self.sync = self._build(t.c.trial_id.in_(changed_ids), with_study=True)
        self.by_numbers = self._build(
            sa.and_(t.c.study_id == sa.bindparam("study_id"),
                    t.c.number.in_(sa.bindparam("numbers", expanding=True))),
            with_study=False)

    def _null(self, type_: Any) -> Any:
        # MySQL/MariaDB cannot CAST to every type (e.g. FLOAT); a bare NULL unions fine there.
        if self._dialect in ("mysql", "mariadb"):
            return sa.null()
        return sa.cast(sa.null(), type_)

    def _build(self, cond: Any, with_study: bool) -> sa.CompoundSelect[Any]:
        t = m.trials
        ids = sa.select(t.c.trial_id).where(cond).scalar_subquery()
        n = self._null
        integer, string, flt, text, dt = sa.Integer, sa.String(512), m.trial_values.c.value.type, \
            sa.Text, sa.DateTime

        def cols(kind: int, trial_id: Any, i: Any, s: Any, f: Any, tx: Any, d1: Any, d2: Any,
                 o: Any) -> list[Any]:
            return [
                sa.literal_column(str(kind), integer).label("kind"),
                trial_id.label("trial_id"),
                i.label("i"),
                s.label("s"),
                f.label("f"),
                tx.label("t"),
                d1.label("d1"),
                d2.label("d2"),
                o.label("o"),
            ]

        selects = [
            sa.select(*cols(0, t.c.trial_id, t.c.number, sa.cast(t.c.state, string), n(flt),
                            n(text), t.c.datetime_start, t.c.datetime_complete, t.c.number))
            .where(cond)
        ]
        p = m.trial_params
        selects.append(
            sa.select(*cols(1, p.c.trial_id, n(integer), p.c.param_name, p.c.param_value,
                            p.c.distribution_json, n(dt), n(dt), p.c.param_id))
            .where(p.c.trial_id.in_(ids))
        )
        v = m.trial_values
        selects.append(
            sa.select(*cols(2, v.c.trial_id, v.c.objective, sa.cast(v.c.value_type, string),
                            v.c.value, n(text), n(dt), n(dt), v.c.trial_value_id))
            .where(v.c.trial_id.in_(ids))
        )
        iv = m.trial_intermediate_values
        selects.append(
            sa.select(*cols(3, iv.c.trial_id, iv.c.step, sa.cast(iv.c.intermediate_value_type,
                            string), iv.c.intermediate_value, n(text), n(dt), n(dt),
                            iv.c.trial_intermediate_value_id))
            .where(iv.c.trial_id.in_(ids))
        )
        for kind, table, pk in ((4, m.trial_user_attributes, "trial_user_attribute_id"),
                                (5, m.trial_system_attributes, "trial_system_attribute_id")):
            selects.append(
                sa.select(*cols(kind, table.c.trial_id, n(integer), table.c.key, n(flt),
                                table.c.value_json, n(dt), n(dt), table.c[pk]))
                .where(table.c.trial_id.in_(ids))
            )
        if with_study:
            s = m.studies
            selects.append(
                sa.select(*cols(-1, s.c.study_id, n(integer), n(string), n(flt), n(text), n(dt),
                                n(dt), s.c.study_id))
                .where(s.c.study_id == sa.bindparam("study_id"))
            )
        return sa.union_all(*selects).order_by(sa.literal_column("kind"), sa.literal_column("o"))


class _Builder:
    __slots__ = ("number", "state", "start", "complete", "values", "params", "dists", "user",
                 "system", "intermediate")

    def __init__(self, number: int, state: TrialState, start: Any, complete: Any) -> None:
        self.number = number
        self.state = state
        self.start = start
        self.complete = complete
        self.values: list[tuple[int, float]] = []
        self.params: dict[str, Any] = {}
        self.dists: dict[str, BaseDistribution] = {}
        self.user: dict[str, Any] = {}
        self.system: dict[str, Any] = {}
        self.intermediate: dict[int, float] = {}


def rows_to_trials(rows: Iterable[Sequence[Any]]) -> tuple[list[FrozenTrial], bool]:
    """Rebuild records from the reader's rows; also say whether a study row (kind -1) was seen."""
    builders: dict[int, _Builder] = {}
    study_seen = False
    loads = json.loads
    for kind, trial_id, i, s, f, t, d1, d2, _ in rows:
        if kind == 0:
            builders[trial_id] = _Builder(i, STATE_BY_NAME[s], d1, d2)
            continue
        if kind == -1:
            study_seen = True
            continue
        b = builders.get(trial_id)
        if b is None:  # a row of a trial created between the sub-selects: read at next sync
            continue
        if kind == 1:
            dist = json_to_distribution(t)
            b.dists[s] = dist
            b.params[s] = dist.to_external_repr(f)
        elif kind == 2:
            b.values.append((i, decode_value(f, s)))
        elif kind == 3:
            b.intermediate[i] = decode_intermediate(f, s)
        elif kind == 4:
            b.user[s] = loads(t)
        elif kind == 5:
            b.system[s] = loads(t)
    result = []
    for trial_id, b in builders.items():
        values = [v for _, v in sorted(b.values)] if b.values else None
        result.append(
            FrozenTrial._make(b.number, b.state, values, b.start, b.complete, b.params, b.dists,
                              b.user, b.system, b.intermediate, trial_id)
        )
    result.sort(key=lambda tr: tr.number)
    return result, study_seen

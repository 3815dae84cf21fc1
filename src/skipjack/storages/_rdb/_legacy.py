"""Upgrading a SQLite database of an older Optuna schema (revisions ``v0.9.0.a`` to ``v3.0.0.d``).

Optuna's schema changed in nine steps before ``v3.2.0.a`` (the one skipjack uses). What each step
changed was read off databases those Optuna versions created (the differences of their
``.schema``), not off Optuna's migration code:

- ``v0.9.0.a``: no ``alembic_version`` table; one ``direction`` per study; ``trials.value``;
  ``trial_values(step, value)`` holds the *intermediate* values; no trial ``number``.
- ``v1.2.0.a``: ``alembic_version``; ``v1.3.0.a``: ``trials.number``.
- ``v2.4.0.a``: ``study_directions``; ``trial_values(objective, value)``;
  ``trial_intermediate_values(step, intermediate_value)``; ``trials.value`` gone.
- ``v2.6.0.a``: JSON columns become TEXT; ``trial_heartbeats``.
- ``v3.0.0.a``: distributions stored as ``FloatDistribution`` / ``IntDistribution`` (the old
  ``Uniform``, ``LogUniform``, ``DiscreteUniform``, ``IntUniform``, ``IntLogUniform`` names go).
- ``v3.0.0.b``/``c``: nullable intermediate values with an ``intermediate_value_type``;
  ``v3.0.0.d``: nullable objective values with a ``value_type`` (infinities and NaN).
- ``v3.2.0.a``: an index on ``trials.study_id``.

Rather than one migration per step, the upgrade reads every row, converts it to the current form,
and rewrites the database with the current tables, in one SQLite transaction: a failure leaves the
database as it was. Only SQLite is supported (its DDL is transactional and it is what such old
files are); a PostgreSQL or MySQL database of a pre-3.2 schema is upgraded once with
``optuna storage upgrade`` (the error message says so).
"""

from __future__ import annotations

import json
import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._reader import encode_intermediate, encode_value
from skipjack.version import __version__

__all__ = ["LEGACY_REVISIONS", "ALL_REVISIONS", "legacy_revision", "migrate_legacy"]

# Oldest first.
LEGACY_REVISIONS = ["v0.9.0.a", "v1.2.0.a", "v1.3.0.a", "v2.4.0.a", "v2.6.0.a", "v3.0.0.a",
                    "v3.0.0.b", "v3.0.0.c", "v3.0.0.d"]
# Newest first, as Optuna's ``get_all_versions`` lists them.
ALL_REVISIONS = [m.ALEMBIC_HEAD, *reversed(LEGACY_REVISIONS)]


def legacy_revision(conn: Connection) -> str | None:
    """``v0.9.0.a`` for a database of that schema (it predates ``alembic_version``), else None."""
    inspector = sa.inspect(conn)
    if inspector.has_table("alembic_version") or not inspector.has_table("version_info"):
        return None
    return "v0.9.0.a" if inspector.has_table("trials") else None


def _modern_distribution(text: str) -> str:
    loaded = json.loads(text)
    name, attrs = loaded.get("name"), dict(loaded.get("attributes", {}))
    if name == "UniformDistribution":
        name, attrs = "FloatDistribution", {"low": attrs["low"], "high": attrs["high"],
                                            "log": False, "step": None}
    elif name == "LogUniformDistribution":
        name, attrs = "FloatDistribution", {"low": attrs["low"], "high": attrs["high"],
                                            "log": True, "step": None}
    elif name == "DiscreteUniformDistribution":
        name, attrs = "FloatDistribution", {"low": attrs["low"], "high": attrs["high"],
                                            "log": False, "step": attrs["q"]}
    elif name == "IntUniformDistribution":
        name, attrs = "IntDistribution", {"low": attrs["low"], "high": attrs["high"],
                                          "log": False, "step": attrs.get("step", 1)}
    elif name == "IntLogUniformDistribution":
        name, attrs = "IntDistribution", {"low": attrs["low"], "high": attrs["high"],
                                          "log": True, "step": 1}
    else:
        return text
    return json.dumps({"name": name, "attributes": attrs})


def _rows(conn: Connection, tables: dict[str, sa.Table], name: str) -> list[dict[str, Any]]:
    table = tables.get(name)
    if table is None:
        return []
    return [dict(row._mapping) for row in conn.execute(sa.select(table))]


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def migrate_legacy(engine: Engine) -> None:
    """Rewrite a SQLite database of a pre-3.2 Optuna schema in the current schema."""
    from skipjack.storages._rdb._schema import SchemaMismatchError, alembic_version

    if engine.dialect.name != "sqlite":
        raise SchemaMismatchError(
            f"The database {engine.url.render_as_string(hide_password=True)} has an Optuna schema "
            "older than v3.2.0.a. skipjack upgrades such schemas on SQLite only: upgrade it once "
            "with `optuna storage upgrade --storage URL` (Optuna 3.2 or later), then open it."
        )
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            old = sa.MetaData()
            old.reflect(conn)
            tables = dict(old.tables)
            studies = _rows(conn, tables, "studies")
            trials = _rows(conn, tables, "trials")
            old_values = _rows(conn, tables, "trial_values")
            converted = _convert(conn, tables, studies, trials, old_values)
            old.drop_all(conn)
            m.metadata.create_all(conn)
            alembic_version.create(conn, checkfirst=True)
            for table, rows in converted:
                if rows:
                    conn.execute(table.insert(), rows)
            conn.execute(m.version_info.insert().values(
                version_info_id=1, schema_version=m.SCHEMA_VERSION, library_version=__version__))
            conn.execute(alembic_version.insert().values(version_num=m.ALEMBIC_HEAD))
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


def _convert(
    conn: Connection, tables: dict[str, sa.Table], studies: list[dict[str, Any]],
    trials: list[dict[str, Any]], old_values: list[dict[str, Any]],
) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    out: list[tuple[sa.Table, list[dict[str, Any]]]] = []
    out.append((m.studies, [{"study_id": s["study_id"], "study_name": s["study_name"]}
                            for s in studies]))
    if "study_directions" in tables:
        directions = [{"study_id": d["study_id"], "objective": d["objective"],
                       "direction": "MAXIMIZE" if d["direction"] == "MAXIMIZE" else "MINIMIZE"}
                      for d in _rows(conn, tables, "study_directions")]
    else:
        directions = [{"study_id": s["study_id"], "objective": 0,
                       "direction": "MAXIMIZE" if s.get("direction") == "MAXIMIZE"
                       else "MINIMIZE"} for s in studies]
    out.append((m.study_directions, directions))
    for name, table in (("study_user_attributes", m.study_user_attributes),
                        ("study_system_attributes", m.study_system_attributes)):
        out.append((table, [{"study_id": r["study_id"], "key": r["key"],
                             "value_json": r["value_json"]} for r in _rows(conn, tables, name)]))

    # Trial numbers: 0, 1, ... per study in id order where the schema had none.
    next_number: dict[int, int] = {}
    trial_rows = []
    for t in sorted(trials, key=lambda r: r["trial_id"]):
        number = t.get("number")
        if number is None:
            number = next_number.get(t["study_id"], 0)
        next_number[t["study_id"]] = max(next_number.get(t["study_id"], 0), number + 1)
        trial_rows.append({"trial_id": t["trial_id"], "number": number,
                           "study_id": t["study_id"], "state": t["state"],
                           "datetime_start": t["datetime_start"],
                           "datetime_complete": t["datetime_complete"]})
    out.append((m.trials, trial_rows))

    values: list[dict[str, Any]] = []
    intermediate: list[dict[str, Any]] = []
    if "trial_intermediate_values" in tables:  # v2.4.0.a and later
        for r in old_values:
            if "value_type" in r and r["value_type"] is not None:
                value, vtype = r["value"], r["value_type"]
            else:
                try:
                    value, vtype = encode_value(_float(r["value"]))
                except ValueError:  # NaN: no objective value (as Optuna's 3.0.0.d reads it)
                    continue
            values.append({"trial_id": r["trial_id"], "objective": r["objective"],
                           "value": value, "value_type": vtype})
        for r in _rows(conn, tables, "trial_intermediate_values"):
            if r.get("intermediate_value_type") is not None:
                iv, itype = r["intermediate_value"], r["intermediate_value_type"]
            else:
                iv, itype = encode_intermediate(_float(r["intermediate_value"]))
            intermediate.append({"trial_id": r["trial_id"], "step": r["step"],
                                 "intermediate_value": iv, "intermediate_value_type": itype})
    else:  # the single-objective schema: trials.value, and trial_values are reports
        for t in trials:
            if t.get("value") is not None and not math.isnan(float(t["value"])):
                value, vtype = encode_value(float(t["value"]))
                values.append({"trial_id": t["trial_id"], "objective": 0, "value": value,
                               "value_type": vtype})
        for r in old_values:
            iv, itype = encode_intermediate(_float(r["value"]))
            intermediate.append({"trial_id": r["trial_id"], "step": r["step"],
                                 "intermediate_value": iv, "intermediate_value_type": itype})
    out.append((m.trial_values, values))
    out.append((m.trial_intermediate_values, intermediate))
    out.append((m.trial_params, [
        {"param_id": r["param_id"], "trial_id": r["trial_id"], "param_name": r["param_name"],
         "param_value": r["param_value"],
         "distribution_json": _modern_distribution(r["distribution_json"])}
        for r in _rows(conn, tables, "trial_params")]))
    for name, table in (("trial_user_attributes", m.trial_user_attributes),
                        ("trial_system_attributes", m.trial_system_attributes)):
        out.append((table, [{"trial_id": r["trial_id"], "key": r["key"],
                             "value_json": r["value_json"]} for r in _rows(conn, tables, name)]))
    out.append((m.trial_heartbeats, [{"trial_id": r["trial_id"], "heartbeat": r["heartbeat"]}
                                     for r in _rows(conn, tables, "trial_heartbeats")]))
    return out

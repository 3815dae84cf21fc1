"""The tables: Optuna's relational schema, version 12 (Alembic revision ``v3.2.0.a``).

Table names, column names and types, enum type names and constraint columns are Optuna's, so that
Optuna 5, optuna-dashboard and Rustuna open a database skipjack created and the other way round.
The schema was taken from a database created by Optuna 5.0 (``sqlite3 .schema``, ``pg_dump -s``,
``mysqldump --no-data``), not from Optuna's source.

Design note: two indexes beyond Optuna's are created with new databases (and by
``skipjack storage upgrade``): ``(study_id, number)`` unique, which makes ``MAX(number)`` an index
lookup and guards trial numbers against duplicates, and ``(study_id, state, number)``, which makes
taking the oldest WAITING trial and listing RUNNING trials independent of the study's size (without
``number`` in it, SQLite walks the number index to avoid a sort). Optuna ignores them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

__all__ = [
    "SCHEMA_VERSION",
    "ALEMBIC_HEAD",
    "metadata",
    "studies",
    "study_directions",
    "study_user_attributes",
    "study_system_attributes",
    "trials",
    "trial_params",
    "trial_values",
    "trial_intermediate_values",
    "trial_user_attributes",
    "trial_system_attributes",
    "trial_heartbeats",
    "version_info",
    "EXTRA_INDEXES",
    "MAX_STRING_LENGTH",
]

SCHEMA_VERSION = 12
ALEMBIC_HEAD = "v3.2.0.a"
MAX_STRING_LENGTH = 512

# Float(53) is a double precision column on every backend (MySQL's plain FLOAT is single precision).
_FLOAT = sa.Float(precision=53)
# Design note: Optuna's MySQL columns are DATETIME (whole seconds). skipjack creates DATETIME(6)
# on MySQL/MariaDB so that start and end times keep microseconds like on the other backends;
# Optuna reads them as ordinary DATETIME values.
_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_STATE = sa.Enum("RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING", name="trialstate")
_DIRECTION = sa.Enum("NOT_SET", "MINIMIZE", "MAXIMIZE", name="studydirection")
_VALUE_TYPE = sa.Enum("FINITE", "INF_POS", "INF_NEG", name="trialvaluetype")
_INTERMEDIATE_TYPE = sa.Enum(
    "FINITE", "INF_POS", "INF_NEG", "NAN", name="trialintermediatevaluetype"
)

metadata = sa.MetaData()

studies = sa.Table(
    "studies",
    metadata,
    sa.Column("study_id", sa.Integer, primary_key=True),
    sa.Column("study_name", sa.String(MAX_STRING_LENGTH), nullable=False),
    sa.Index("ix_studies_study_name", "study_name", unique=True),
)

version_info = sa.Table(
    "version_info",
    metadata,
    sa.Column("version_info_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("schema_version", sa.Integer),
    sa.Column("library_version", sa.String(256)),
    sa.CheckConstraint("version_info_id=1"),
)

study_directions = sa.Table(
    "study_directions",
    metadata,
    sa.Column("study_direction_id", sa.Integer, primary_key=True),
    sa.Column("direction", _DIRECTION, nullable=False),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id"), nullable=False),
    sa.Column("objective", sa.Integer, nullable=False),
    sa.UniqueConstraint("study_id", "objective"),
)


def _attribute_table(name: str, owner: str) -> sa.Table:
    owner_id = f"{owner}_id"
    owner_table = "studies" if owner == "study" else "trials"
    return sa.Table(
        name,
        metadata,
        sa.Column(f"{name[:-len('s')]}_id", sa.Integer, primary_key=True),
        sa.Column(owner_id, sa.Integer, sa.ForeignKey(f"{owner_table}.{owner_id}")),
        sa.Column("key", sa.String(MAX_STRING_LENGTH)),
        sa.Column("value_json", sa.Text),
        sa.UniqueConstraint(owner_id, "key"),
    )


study_user_attributes = _attribute_table("study_user_attributes", "study")
study_system_attributes = _attribute_table("study_system_attributes", "study")

trials = sa.Table(
    "trials",
    metadata,
    sa.Column("trial_id", sa.Integer, primary_key=True),
    sa.Column("number", sa.Integer),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id")),
    sa.Column("state", _STATE, nullable=False),
    sa.Column("datetime_start", _DATETIME),
    sa.Column("datetime_complete", _DATETIME),
    sa.Index("ix_trials_study_id", "study_id"),
)

trial_user_attributes = _attribute_table("trial_user_attributes", "trial")
trial_system_attributes = _attribute_table("trial_system_attributes", "trial")

trial_params = sa.Table(
    "trial_params",
    metadata,
    sa.Column("param_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id")),
    sa.Column("param_name", sa.String(MAX_STRING_LENGTH)),
    sa.Column("param_value", _FLOAT),
    sa.Column("distribution_json", sa.Text),
    sa.UniqueConstraint("trial_id", "param_name"),
)

trial_values = sa.Table(
    "trial_values",
    metadata,
    sa.Column("trial_value_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("objective", sa.Integer, nullable=False),
    sa.Column("value", _FLOAT),
    sa.Column("value_type", _VALUE_TYPE, nullable=False),
    sa.UniqueConstraint("trial_id", "objective"),
)

trial_intermediate_values = sa.Table(
    "trial_intermediate_values",
    metadata,
    sa.Column("trial_intermediate_value_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("intermediate_value", _FLOAT),
    sa.Column("intermediate_value_type", _INTERMEDIATE_TYPE, nullable=False),
    sa.UniqueConstraint("trial_id", "step"),
)

trial_heartbeats = sa.Table(
    "trial_heartbeats",
    metadata,
    sa.Column("trial_heartbeat_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("heartbeat", sa.DateTime, nullable=False),
    sa.UniqueConstraint("trial_id"),
)

# Not part of Optuna's metadata: created by create_all on new databases and by the upgrade command.
EXTRA_INDEXES = (
    sa.Index("ix_skipjack_trials_study_number", trials.c.study_id, trials.c.number, unique=True),
    sa.Index("ix_skipjack_trials_study_state", trials.c.study_id, trials.c.state, trials.c.number),
)

"""Upgrading SQLite databases of Optuna's schemas older than v3.2.0.a.

The old databases are built here from the table layouts those Optuna versions used (oldest:
v0.9.0.a, without ``alembic_version``, single objective, trial reports in ``trial_values``;
a v3.0.0.c one, multi-objective, with typed intermediate values but untyped objective values).
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

import skipjack
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.exceptions import StorageInternalError
from skipjack.storages import RDBStorage
from skipjack.trial import TrialState

_V090 = """
CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL,
    direction VARCHAR(8) NOT NULL, PRIMARY KEY (study_id));
CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);
CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER,
    library_version VARCHAR(256), PRIMARY KEY (version_info_id), CHECK (version_info_id=1));
CREATE TABLE study_user_attributes (study_user_attribute_id INTEGER NOT NULL, study_id INTEGER,
    "key" VARCHAR(512), value_json VARCHAR(2048), PRIMARY KEY (study_user_attribute_id),
    UNIQUE (study_id, "key"), FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE study_system_attributes (study_system_attribute_id INTEGER NOT NULL,
    study_id INTEGER, "key" VARCHAR(512), value_json VARCHAR(2048),
    PRIMARY KEY (study_system_attribute_id), UNIQUE (study_id, "key"),
    FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE trials (trial_id INTEGER NOT NULL, study_id INTEGER, state VARCHAR(8) NOT NULL,
    value FLOAT, datetime_start DATETIME, datetime_complete DATETIME, PRIMARY KEY (trial_id),
    FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE trial_user_attributes (trial_user_attribute_id INTEGER NOT NULL, trial_id INTEGER,
    "key" VARCHAR(512), value_json VARCHAR(2048), PRIMARY KEY (trial_user_attribute_id),
    UNIQUE (trial_id, "key"), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_system_attributes (trial_system_attribute_id INTEGER NOT NULL,
    trial_id INTEGER, "key" VARCHAR(512), value_json VARCHAR(2048),
    PRIMARY KEY (trial_system_attribute_id), UNIQUE (trial_id, "key"),
    FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, param_name VARCHAR(512),
    param_value FLOAT, distribution_json VARCHAR(2048), PRIMARY KEY (param_id),
    UNIQUE (trial_id, param_name), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER, step INTEGER,
    value FLOAT, PRIMARY KEY (trial_value_id), UNIQUE (trial_id, step),
    FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
INSERT INTO version_info VALUES (1, 12, '0.9.0');
INSERT INTO studies VALUES (1, 'empty', 'MINIMIZE'), (2, 'single', 'MAXIMIZE');
INSERT INTO study_user_attributes VALUES (1, 2, 'd', '3');
INSERT INTO trials VALUES (1, 2, 'COMPLETE', 38.5, '2019-05-01 10:00:00.000001',
    '2019-05-01 10:00:01.000002'), (2, 2, 'PRUNED', NULL, '2019-05-01 10:00:02', NULL);
INSERT INTO trial_params VALUES
    (1, 1, 'x', -3.25, '{"name": "UniformDistribution", "attributes": {"low": -5, "high": 5}}'),
    (2, 1, 'y', 2.0,
     '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 10, "step": 1}}'),
    (3, 1, 'z', 0.0, '{"name": "CategoricalDistribution", "attributes": {"choices": [-5, 0, 5]}}'),
    (4, 1, 'lr', 0.001,
     '{"name": "LogUniformDistribution", "attributes": {"low": 1e-05, "high": 0.1}}'),
    (5, 1, 'q', 4.0,
     '{"name": "DiscreteUniformDistribution", "attributes": {"low": -6, "high": 6, "q": 2}}'),
    (6, 1, 'n', 8.0,
     '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 20, "step": 1}}');
INSERT INTO trial_values VALUES (1, 1, 0, 0.5), (2, 1, 1, 1e309), (3, 2, 0, 7.0);
INSERT INTO trial_user_attributes VALUES (1, 1, 'b', '1');
"""

_V300C = """
CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL,
    PRIMARY KEY (study_id));
CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);
CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER,
    library_version VARCHAR(256), PRIMARY KEY (version_info_id), CHECK (version_info_id=1));
CREATE TABLE study_directions (study_direction_id INTEGER NOT NULL, direction VARCHAR(8) NOT NULL,
    study_id INTEGER NOT NULL, objective INTEGER NOT NULL, PRIMARY KEY (study_direction_id),
    UNIQUE (study_id, objective), FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE trials (trial_id INTEGER NOT NULL, number INTEGER, study_id INTEGER,
    state VARCHAR(8) NOT NULL, datetime_start DATETIME, datetime_complete DATETIME,
    PRIMARY KEY (trial_id), FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, param_name VARCHAR(512),
    param_value FLOAT, distribution_json TEXT, PRIMARY KEY (param_id),
    UNIQUE (trial_id, param_name), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL,
    objective INTEGER NOT NULL, value FLOAT NOT NULL, PRIMARY KEY (trial_value_id),
    UNIQUE (trial_id, objective), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_intermediate_values (trial_intermediate_value_id INTEGER NOT NULL,
    trial_id INTEGER NOT NULL, step INTEGER NOT NULL, intermediate_value FLOAT,
    intermediate_value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_intermediate_value_id),
    UNIQUE (trial_id, step), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_heartbeats (trial_heartbeat_id INTEGER NOT NULL, trial_id INTEGER NOT NULL,
    heartbeat DATETIME NOT NULL, PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id),
    FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('v3.0.0.c');
INSERT INTO version_info VALUES (1, 12, '3.0.0');
INSERT INTO studies VALUES (1, 'multi');
INSERT INTO study_directions VALUES (1, 'MINIMIZE', 1, 0), (2, 'MAXIMIZE', 1, 1);
INSERT INTO trials VALUES (1, 0, 1, 'COMPLETE', '2022-08-01 10:00:00', '2022-08-01 10:00:01'),
    (2, 1, 1, 'RUNNING', '2022-08-01 10:00:02', NULL);
INSERT INTO trial_params VALUES (1, 1, 'x', 1.5, '{"name": "FloatDistribution",
    "attributes": {"low": -5.0, "high": 5.0, "log": false, "step": null}}');
INSERT INTO trial_values VALUES (1, 1, 0, 1.5), (2, 1, 1, 1e309);
INSERT INTO trial_intermediate_values VALUES (1, 1, 0, NULL, 'NAN'), (2, 1, 1, 0.25, 'FINITE');
INSERT INTO trial_heartbeats VALUES (1, 2, '2022-08-01 10:00:03');
"""


def _make(path: Path, script: str) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    return f"sqlite:///{path}"


def test_upgrade_the_oldest_schema(tmp_path):
    url = _make(tmp_path / "v090.db", _V090)
    with pytest.raises(StorageInternalError, match="v0.9.0.a.*skipjack storage upgrade"):
        RDBStorage(url)
    storage = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    assert storage.get_current_version() == "v0.9.0.a"
    assert storage.get_all_versions()[0] == storage.get_head_version() == "v3.2.0.a"
    assert "v0.9.0.a" in storage.get_all_versions()
    storage.upgrade()
    assert storage.get_current_version() == "v3.2.0.a"

    reopened = RDBStorage(url)  # the check passes now
    study = skipjack.load_study(study_name="single", storage=reopened)
    assert study.direction == skipjack.study.StudyDirection.MAXIMIZE
    assert study.user_attrs == {"d": 3}
    done, pruned = study.trials
    assert (done.number, done.state, done.value) == (0, TrialState.COMPLETE, 38.5)
    assert done.params == {"x": -3.25, "y": 2, "z": -5, "lr": 0.001, "q": 4.0, "n": 8}
    assert done.distributions == {
        "x": FloatDistribution(-5, 5), "y": IntDistribution(0, 10),
        "z": CategoricalDistribution([-5, 0, 5]), "lr": FloatDistribution(1e-5, 0.1, log=True),
        "q": FloatDistribution(-6, 6, step=2), "n": IntDistribution(1, 20, log=True)}
    assert done.intermediate_values == {0: 0.5, 1: math.inf}
    assert done.user_attrs == {"b": 1}
    assert done.datetime_start.microsecond == 1
    assert (pruned.number, pruned.state, pruned.value) == (1, TrialState.PRUNED, None)
    assert pruned.intermediate_values == {0: 7.0}
    # The study goes on, with the old distributions.
    study.optimize(lambda t: t.suggest_float("x", -5, 5) + t.suggest_int("y", 0, 10), n_trials=2)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    empty = skipjack.load_study(study_name="empty", storage=reopened)
    assert empty.trials == [] and empty.direction == skipjack.study.StudyDirection.MINIMIZE


def test_upgrade_a_multi_objective_schema(tmp_path):
    url = _make(tmp_path / "v300c.db", _V300C)
    storage = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    assert storage.get_current_version() == "v3.0.0.c"
    storage.upgrade()
    study = skipjack.load_study(study_name="multi", storage=RDBStorage(url))
    done, running = study.trials
    assert done.values == [1.5, math.inf]
    assert math.isnan(done.intermediate_values[0]) and done.intermediate_values[1] == 0.25
    assert running.state == TrialState.RUNNING and running.number == 1
    study.optimize(lambda t: (t.suggest_float("x", -5, 5), 1.0), n_trials=1)
    assert len(study.trials) == 3


def test_upgrade_identity_and_idempotence(tmp_path):
    storage = RDBStorage(f"sqlite:///{tmp_path / 'new.db'}")
    before = storage.get_current_version()
    storage.upgrade()
    storage.upgrade()
    assert before == storage.get_current_version() == "v3.2.0.a"

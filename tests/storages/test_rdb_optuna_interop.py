"""Optuna reads skipjack's RDB databases and skipjack reads Optuna's (SQLite and PostgreSQL).

Deliberate differences from a database Optuna creates (Optuna ignores all of them):

- two extra indexes on ``trials``: ``(study_id, number)`` unique and ``(study_id, state)``;
- on MySQL/MariaDB, ``trials.datetime_start``/``datetime_complete`` are ``DATETIME(6)`` (Optuna:
  ``DATETIME``), so that times keep their microseconds;
- ``version_info.library_version`` holds skipjack's version.
"""

from __future__ import annotations

import json
import math
import warnings

import pytest

import skipjack
from skipjack.distributions import distribution_to_json
from skipjack.trial import TrialState
from tests.storages._rdb_servers import reset_database, server_url

optuna = pytest.importorskip("optuna", reason="optuna is a test-only dependency (test extra)")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'interop.db'}"
    url = server_url("postgresql")
    reset_database(url)
    return url


def _objective(trial):
    x = trial.suggest_float("x", -2, 2)
    n = trial.suggest_int("n", 1, 64, log=True)
    c = trial.suggest_categorical("c", ["a", None, 1.5])
    trial.set_user_attr("tag", {"n": n})
    trial.report(x, 0)
    trial.report(float("nan"), 1)
    if trial.number == 2:
        raise ValueError("boom")
    return float("inf") if trial.number == 1 else x * x + n + (0 if c is None else 1)


def _mo_objective(trial):
    x = trial.suggest_float("x", -2, 2)
    return x, float("-inf") if trial.number == 0 else -x


def _same(a, b):
    assert a.number == b.number
    assert a.state.name == b.state.name
    assert a.values == b.values
    assert a.params == b.params
    assert {k: json.loads(distribution_to_json(v)) for k, v in a.distributions.items()} == {
        k: json.loads(optuna.distributions.distribution_to_json(v))
        for k, v in b.distributions.items()
    }
    assert a.user_attrs == b.user_attrs
    assert a.system_attrs == b.system_attrs
    assert a.intermediate_values.keys() == b.intermediate_values.keys()
    for k, v in a.intermediate_values.items():
        w = b.intermediate_values[k]
        assert (math.isnan(v) and math.isnan(w)) or v == w
    assert a.datetime_start == b.datetime_start
    assert a.datetime_complete == b.datetime_complete


def test_skipjack_reads_optuna_database(url):
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ostudy = optuna.create_study(storage=url, study_name="from-optuna")
        ostudy.set_user_attr("owner", "optuna")
        ostudy.optimize(_objective, n_trials=4, catch=(ValueError,))
        ostudy.enqueue_trial({"x": 0.5})
        mo = optuna.create_study(storage=url, study_name="mo", directions=["minimize", "maximize"])
        mo.optimize(_mo_objective, n_trials=2)
    smo = skipjack.load_study(study_name="mo", storage=url)
    assert [d.name for d in smo.directions] == ["MINIMIZE", "MAXIMIZE"]
    for a, b in zip(smo.get_trials(), mo.get_trials()):
        _same(a, b)
    study = skipjack.load_study(study_name="from-optuna", storage=url)
    assert study.user_attrs == {"owner": "optuna"}
    ours = study.get_trials()
    theirs = ostudy.get_trials()
    assert len(ours) == 5
    for a, b in zip(ours, theirs):
        _same(a, b)
    assert ours[2].state == TrialState.FAIL and ours[4].state == TrialState.WAITING
    # skipjack continues the Optuna study: takes the enqueued trial first
    study.optimize(lambda t: t.suggest_float("x", -2, 2), n_trials=2)
    assert study.get_trials()[4].params == {"x": 0.5}
    assert len(optuna.load_study(study_name="from-optuna", storage=url).trials) == 6


def test_optuna_reads_skipjack_database(url):
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(storage=url, study_name="from-skipjack")
    study.set_user_attr("owner", "skipjack")
    study.set_metric_names(["loss"])
    mo = skipjack.create_study(storage=url, study_name="mo", directions=["minimize", "maximize"])
    mo.optimize(_mo_objective, n_trials=2)
    study.optimize(_objective, n_trials=4, catch=(ValueError,))
    study.enqueue_trial({"x": 0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ostudy = optuna.load_study(study_name="from-skipjack", storage=url)
        assert ostudy.user_attrs == {"owner": "skipjack"}
        assert ostudy.metric_names == ["loss"]
        omo = optuna.load_study(study_name="mo", storage=url)
        assert omo.directions == [optuna.study.StudyDirection.MINIMIZE,
                                  optuna.study.StudyDirection.MAXIMIZE]
        for a, b in zip(mo.get_trials(), omo.get_trials()):
            _same(a, b)
        theirs = ostudy.get_trials()
        ours = study.get_trials()
        assert len(theirs) == 5
        for a, b in zip(ours, theirs):
            _same(a, b)
        # Optuna continues the skipjack study (the extra indexes do not get in its way)
        ostudy.optimize(lambda t: t.suggest_float("x", -2, 2), n_trials=3)
    trials = study.get_trials()
    assert [t.number for t in trials] == list(range(7))  # the enqueued trial was taken
    assert trials[4].params == {"x": 0.5} and trials[4].state == TrialState.COMPLETE
    summaries = optuna.get_all_study_summaries(url)
    assert [s.study_name for s in summaries] == ["from-skipjack", "mo"]

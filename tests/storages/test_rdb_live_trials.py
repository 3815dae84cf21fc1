"""RDBStorage: writes of a running trial are named by its whole identity, so they never land on
another trial that took over its id (SQLite reuses deleted ids; a recreated database restarts them).
"""

from __future__ import annotations

import pytest

import skipjack
from skipjack.distributions import FloatDistribution
from skipjack.storages import RDBStorage
from skipjack.trial import TrialState
from tests.storages._rdb_servers import reset_database, server_url

_DIST = FloatDistribution(0, 1)


@pytest.mark.parametrize("old_action", ["param", "report", "attr", "finish"])
def test_writes_of_a_deleted_trial_do_not_land_on_its_successor(tmp_path, old_action):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    old = RDBStorage(url)
    old_study = old.create_new_study([skipjack.study.StudyDirection.MINIMIZE], "old")
    old_trial = old.create_new_trial(old_study)
    old.set_trial_param(old_trial, "x", 0.25, _DIST)
    RDBStorage(url).delete_study(old_study)  # by another process

    new = RDBStorage(url)
    study = skipjack.create_study(storage=new, study_name="new")
    trial = study.ask()
    assert trial._trial_id == old_trial  # the precondition of the hazard
    trial.suggest_float("x", 0, 1)
    with pytest.raises(KeyError, match="no longer exists"):
        if old_action == "param":
            old.set_trial_param(old_trial, "y", 0.5, _DIST)
        elif old_action == "report":
            old.set_trial_intermediate_value(old_trial, 0, 9.0)
        elif old_action == "attr":
            old.set_trial_user_attr(old_trial, "stale", True)
        else:
            old.set_trial_state_values(old_trial, TrialState.COMPLETE, [0.0])
    study.tell(trial, 1.0)

    (done,) = study.get_trials()
    assert done.params["x"] != 0.25 and "y" not in done.params
    assert done.intermediate_values == {} and "stale" not in done.user_attrs
    assert done.values == [1.0]


def test_reset_database_old_storage_cannot_write_into_new_trials():
    url = server_url("postgresql")
    reset_database(url)
    old = RDBStorage(url)
    old_trial = old.create_new_trial(
        old.create_new_study([skipjack.study.StudyDirection.MINIMIZE], "old"))
    old.set_trial_param(old_trial, "x", 0.25, _DIST)
    reset_database(url)  # ids restart: the old trial id names the next trial

    study = skipjack.create_study(storage=RDBStorage(url), study_name="new")
    trial = study.ask()
    assert trial._trial_id == old_trial
    trial.suggest_float("x", 0, 1)
    with pytest.raises(KeyError, match="no longer exists"):
        old.set_trial_param(old_trial, "x", 0.75, _DIST)
    study.tell(trial, 1.0)
    assert study.get_trials()[0].params["x"] not in (0.25, 0.75)


def test_own_writes_are_visible_at_once_and_in_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'own.db'}"
    storage = RDBStorage(url)
    study = skipjack.create_study(storage=storage)
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    trial.report(0.5, 3)
    trial.set_user_attr("u", [1, 2])
    mine = storage.get_trial(trial._trial_id)
    theirs = RDBStorage(url).get_trial(trial._trial_id)  # another process's view
    for seen in (mine, theirs):
        assert seen.params == {"x": x} and seen.intermediate_values == {3: 0.5}
        assert seen.user_attrs == {"u": [1, 2]} and seen.state == TrialState.RUNNING


def test_trial_failed_elsewhere_refuses_later_writes(tmp_path):
    url = f"sqlite:///{tmp_path / 'fail.db'}"
    storage = RDBStorage(url)
    study = skipjack.create_study(storage=storage)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    RDBStorage(url).set_trial_state_values(trial._trial_id, TrialState.FAIL)
    with pytest.raises(skipjack.exceptions.UpdateFinishedTrialError):
        trial.report(1.0, 1)
    with pytest.raises(skipjack.exceptions.UpdateFinishedTrialError):
        storage.set_trial_state_values(trial._trial_id, TrialState.COMPLETE, [1.0])
    (seen,) = RDBStorage(url).get_all_trials(study._study_id)
    assert seen.state == TrialState.FAIL and seen.intermediate_values == {}

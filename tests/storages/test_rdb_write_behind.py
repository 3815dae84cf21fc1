"""RDBStorage write-behind: buffered writes of a running trial never land on another trial."""

from __future__ import annotations

import pytest

import skipjack
from skipjack.distributions import FloatDistribution
from skipjack.storages import RDBStorage
from tests.storages._rdb_servers import reset_database, server_url

_DIST = FloatDistribution(0, 1)


@pytest.mark.parametrize("old_action", ["flush", "finish"])
def test_buffered_writes_of_a_deleted_trial_do_not_land_on_its_successor(tmp_path, old_action):
    # SQLite reuses the ids of deleted rows, so a trial id of a study another process deleted may
    # name a trial of the next study.
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    old = RDBStorage(url)
    old_study = old.create_new_study([skipjack.study.StudyDirection.MINIMIZE], "old")
    old_trial = old.create_new_trial(old_study)
    old.set_trial_param(old_trial, "x", 0.25, _DIST)  # buffered, not yet written
    RDBStorage(url).delete_study(old_study)  # by another process

    new = RDBStorage(url)
    study = skipjack.create_study(storage=new, study_name="new")
    trial = study.ask()
    assert trial._trial_id == old_trial  # the precondition of the hazard
    trial.suggest_float("x", 0, 1)
    # Neither the background flush nor the old process's tell may write x=0.25 into it.
    if old_action == "flush":
        old.flush()
    else:
        with pytest.raises(KeyError, match="no longer exists"):
            old.set_trial_state_values(old_trial, skipjack.trial.TrialState.COMPLETE, [0.0])
    study.tell(trial, 1.0)

    (done,) = study.get_trials()
    assert done.params["x"] != 0.25 and done.values == [1.0]


def test_reset_database_abandons_the_buffers_of_the_old_tables():
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
    old.flush()  # the background flusher of the old storage object, while the new trial runs
    study.tell(trial, 1.0)
    assert study.get_trials()[0].params["x"] != 0.25

"""A worker whose trial was finished by another worker (failed after a missed heartbeat) keeps
going: its ``tell`` is refused, the loss is logged and counted, the next trials run."""

from __future__ import annotations

import logging

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.storages import get_storage
from skipjack.study._optimize import lost_tells


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize("where", ["tell", "report"])
def test_optimize_goes_on_after_another_worker_failed_its_trial(tmp_path, caplog, backend, where):
    storage = (skipjack.storages.InMemoryStorage() if backend == "memory"
               else get_storage(f"sqlite:///{tmp_path / 'lost.db'}"))
    name = f"lost-{backend}-{where}"
    study = skipjack.create_study(storage=storage, study_name=name)
    other = study._storage  # what another worker's fail_stale_trials does, on the same study

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            other.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            if where == "report":
                trial.report(x, 0)  # refused too: the objective raises, the loop goes on
        return x

    before = lost_tells().get(name, 0)
    with caplog.at_level(logging.WARNING, logger="skipjack"):
        study.optimize(objective, n_trials=5)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 2 + [TrialState.FAIL] + [TrialState.COMPLETE] * 2
    assert study.trials[2].values is None
    assert lost_tells()[name] == before + 1
    assert any("finished by another worker" in r.getMessage() and "Trial 2" in r.getMessage()
               for r in caplog.records)


def test_an_error_of_the_objective_still_stops_optimize(tmp_path):
    study = skipjack.create_study(storage=f"sqlite:///{tmp_path / 'err.db'}")

    def objective(trial):
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        raise KeyError("user bug")

    with pytest.raises(KeyError, match="user bug"):
        study.optimize(objective, n_trials=3)
    assert len(study.trials) == 1


def test_lost_tells_are_a_worker_metric():
    pytest.importorskip("prometheus_client")
    from skipjack.observability import worker_collector

    storage = skipjack.storages.InMemoryStorage()
    study = skipjack.create_study(storage=storage, study_name="lost-metric")

    def objective(trial):
        storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        return 1.0

    study.optimize(objective, n_trials=3)
    samples = {(s.name, s.labels.get("study")): s.value
               for family in worker_collector().collect() for s in family.samples}
    assert samples[("skipjack_worker_lost_tells_total", "lost-metric")] == 3


def test_optimize_goes_on_when_another_worker_failed_its_trial_during_ask(tmp_path, caplog):
    """An outage longer than the grace period while a worker is inside ``ask``: another worker
    fails the trial, and the first write of ``ask`` after it (here the sampler's) is refused.
    The worker logs and counts the loss and goes on, as for a lost ``tell``."""
    from skipjack.samplers import RandomSampler
    from skipjack.storages import RDBStorage

    storage = RDBStorage(f"sqlite:///{tmp_path / 'ask.db'}", heartbeat_interval=60)
    name = "lost-in-ask"

    class OtherWorkerFailsIt(RandomSampler):
        def before_trial(self, study, trial):
            if trial.number == 0:
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                storage.set_trial_system_attr(trial._trial_id, "grid_id", 0)  # refused
            super().before_trial(study, trial)

    study = skipjack.create_study(storage=storage, study_name=name,
                                  sampler=OtherWorkerFailsIt(seed=0))
    before = lost_tells().get(name, 0)
    with caplog.at_level(logging.WARNING, logger="skipjack"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.FAIL] + [TrialState.COMPLETE] * 2
    assert lost_tells()[name] == before + 1
    assert any("while this worker was starting it" in r.getMessage() for r in caplog.records)

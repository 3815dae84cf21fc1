"""The optimize loop decides whether another trial follows after the sampler's ``after_trial``.

Grid and BruteForce samplers stop the study from ``after_trial`` when the grid is exhausted; the
loop (which tells the storage about a next trial before the finish, for one commit per trial on
RDB storages) must see that stop and run no further trial, and leave none behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import skipjack
from skipjack.trial import TrialState


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    return None if request.param == "memory" else f"sqlite:///{tmp_path / 'loop.db'}"


def test_grid_exhausted_in_after_trial_ends_the_loop(storage: str | None) -> None:
    sampler = skipjack.samplers.GridSampler({"a": [0, 50, 100]})
    study = skipjack.create_study(storage=storage, sampler=sampler)
    study.optimize(lambda t: t.suggest_int("a", 0, 100), n_trials=10)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 3
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert sorted(t.params["a"] for t in trials) == [0, 50, 100]


def test_brute_force_exhausted_ends_the_loop_with_pruned_trials(storage: str | None) -> None:
    def objective(trial: skipjack.Trial) -> float:
        x = trial.suggest_int("x", 0, 3)
        if x == 1:
            raise skipjack.TrialPruned()
        return float(x)

    study = skipjack.create_study(storage=storage,
                                  sampler=skipjack.samplers.BruteForceSampler(seed=0))
    study.optimize(objective, n_trials=20)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 4
    assert all(t.state.is_finished() for t in trials)


def test_a_study_stopped_by_the_sampler_leaves_no_trial_to_run(storage: str | None) -> None:
    sampler = skipjack.samplers.GridSampler({"a": [1, 2]})
    study = skipjack.create_study(storage=storage, sampler=sampler)
    study.optimize(lambda t: t.suggest_int("a", 0, 5), n_trials=5)
    states = [t.state for t in study.get_trials(deepcopy=False)]
    assert states == [TrialState.COMPLETE, TrialState.COMPLETE]

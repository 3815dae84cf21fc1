"""Multi-objective TPE: the size of the good group follows Optuna 5's multi-objective rule."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import skipjack as sj
from skipjack.samplers import TPESampler
from skipjack.samplers._tpe._split import default_gamma, default_gamma_multiobjective


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    level = sj.logging.get_verbosity()
    sj.logging.set_verbosity(sj.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    sj.logging.set_verbosity(level)


def test_multi_objective_gamma_is_ten_percent_uncapped() -> None:
    assert [default_gamma_multiobjective(n) for n in (0, 1, 10, 11, 250, 1000)] == [
        0, 1, 1, 2, 25, 100
    ]
    assert default_gamma(1000) == 25


def _objective(trial: Any) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    return x, (1.0 + y) * (1.0 - x**0.5)


@pytest.fixture(scope="module")
def history() -> list[Any]:
    """300 finished trials: past 250 the single-objective rule would cap the good group at 25
    where the multi-objective rule takes 30."""
    study = sj.create_study(directions=["minimize", "minimize"],
                            sampler=sj.samplers.RandomSampler(seed=3))
    study.optimize(_objective, n_trials=300)
    return study.trials


def _params(gamma: Any, history: list[Any]) -> list[dict[str, Any]]:
    """What TPE with ``gamma`` proposes for the 5 trials after ``history``."""
    study = sj.create_study(directions=["minimize", "minimize"],
                            sampler=TPESampler(seed=3, gamma=gamma))
    study.add_trials(history)
    study.optimize(_objective, n_trials=5)
    return [t.params for t in study.trials[len(history):]]


def test_default_gamma_of_a_multi_objective_study_is_the_uncapped_rule(history: Any) -> None:
    default = _params(None, history)
    assert default == _params(default_gamma_multiobjective, history)
    assert default != _params(default_gamma, history)

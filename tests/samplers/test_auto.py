"""AutoSampler: the rule table, its records, and a phase switch in a real run."""

from __future__ import annotations

import warnings

import pytest

from skipjack import create_study, create_trial
from skipjack.distributions import CategoricalDistribution, FloatDistribution
from skipjack.samplers import AutoSampler
from skipjack.samplers._auto import CHOICE_KEY, REASON_KEY

X = {"x": FloatDistribution(-5, 5), "y": FloatDistribution(-5, 5)}


def _numeric_study(n, directions=("minimize",), constraints=False, dims=2):
    study = create_study(directions=list(directions), sampler=AutoSampler(seed=0))
    dists = dict(list(X.items())[:dims])
    for i in range(n):
        params = {k: (i % 10) / 2 - 2 for k in dists}
        study.add_trial(create_trial(
            values=[float(i)] * len(directions), params=params, distributions=dists,
            constraints=[1.0] if constraints else None,
        ))
    return study


@pytest.mark.parametrize(
    "n, directions, constraints, dims, expected",
    [
        (5, ("minimize",), False, 2, "GPSampler"),
        (199, ("minimize",), False, 2, "GPSampler"),
        (200, ("minimize",), False, 2, "CmaEsSampler"),
        (200, ("minimize",), True, 2, "TPESampler"),
        (200, ("minimize",), False, 1, "TPESampler"),
        (10, ("minimize", "maximize"), False, 2, "TPESampler"),
        (250, ("minimize", "maximize"), False, 2, "NSGAIISampler"),
    ],
)
def test_rule_table(n, directions, constraints, dims, expected):
    study = _numeric_study(n, directions, constraints, dims)
    name, reason = study.sampler.decide(study)
    assert name == expected and reason


def test_categorical_and_conditional_go_to_tpe():
    study = create_study(sampler=AutoSampler())
    study.add_trial(create_trial(value=1.0, params={"c": "a"},
                                 distributions={"c": CategoricalDistribution(["a", "b"])}))
    assert study.sampler.decide(study)[0] == "TPESampler"
    cond = create_study(sampler=AutoSampler())
    cond.add_trial(create_trial(value=1.0, params={"x": 0.0}, distributions={"x": X["x"]}))
    cond.add_trial(create_trial(value=1.0, params={"x": 0.0, "y": 1.0}, distributions=X))
    name, reason = cond.sampler.decide(cond)
    assert name == "TPESampler" and "conditional" in reason


def test_facts_are_incremental_and_ignore_running_trials():
    study = _numeric_study(3)
    running = study.ask()
    running.suggest_float("x", -5, 5)
    sampler = study.sampler
    sampler.decide(study)
    facts = next(iter(sampler._facts.values()))
    assert facts.n_finished == 3 and facts.cursor == 3
    study.tell(running, 1.0)
    sampler.decide(study)
    assert facts.n_finished == 4 and facts.cursor == 4


def test_records_choice_on_trials_and_switch_on_study():
    study = create_study(sampler=AutoSampler(seed=1, gp_max_trials=14))

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        return (x - 1) ** 2 + (y + 2) ** 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=30)
    trials = study.get_trials(deepcopy=False)
    recorded = [t.system_attrs.get(CHOICE_KEY) for t in trials]
    assert "GPSampler" in recorded and "CmaEsSampler" in recorded
    first_cma = recorded.index("CmaEsSampler")
    assert first_cma >= 14
    assert all(r in (None, "GPSampler") for r in recorded[:first_cma])
    assert "CMA-ES" in trials[first_cma].system_attrs[REASON_KEY]
    switch = study._storage.get_study_system_attrs(study._study_id)[CHOICE_KEY]
    assert switch["sampler"] == "CmaEsSampler" and switch["from_trial"] >= 14
    assert study.best_value < 5.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="gp_max_trials"):
        AutoSampler(gp_max_trials=-1)

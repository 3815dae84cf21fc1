"""``IntersectionSearchSpace``: the parameters every finished trial has, followed incrementally."""

import pytest

import skipjack
from skipjack.distributions import FloatDistribution, IntDistribution
from skipjack.search_space import IntersectionSearchSpace, intersection_search_space
from skipjack.trial import TrialState


def _objective(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number % 2:
        trial.suggest_int("odd", 0, 3)
    if trial.number == 3:
        raise skipjack.TrialPruned()
    return x


def test_intersection_follows_one_study_incrementally():
    study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))
    space = IntersectionSearchSpace()
    assert space.calculate(study) == {}
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("odd", 0, 3),
                   n_trials=2)
    assert space.calculate(study) == {"odd": IntDistribution(0, 3), "x": FloatDistribution(0, 1)}
    study.optimize(_objective, n_trials=4)  # trials 2 (no "odd") and 3 (pruned, has "odd")
    assert space.calculate(study) == {"x": FloatDistribution(0, 1)}
    assert intersection_search_space(study.get_trials(deepcopy=False)) == {
        "x": FloatDistribution(0, 1)}
    running = study.ask()
    running.suggest_float("y", 0, 1)  # an unfinished trial does not count (no "x")
    assert space.calculate(study) == {"x": FloatDistribution(0, 1)}
    study.tell(running, state=TrialState.PRUNED)
    assert space.calculate(study) == {"x": FloatDistribution(0, 1)}  # PRUNED: not counted
    assert IntersectionSearchSpace(include_pruned=True).calculate(study) == {}


def test_one_instance_per_study_as_optuna():
    storage = skipjack.storages.InMemoryStorage()
    first = skipjack.create_study(storage=storage)
    second = skipjack.create_study(storage=storage)
    space = IntersectionSearchSpace()
    space.calculate(first)
    space.calculate(first)
    with pytest.raises(ValueError, match="several studies"):
        space.calculate(second)

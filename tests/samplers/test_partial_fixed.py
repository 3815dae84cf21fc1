"""PartialFixedSampler: fixed parameters keep their values, the base sampler decides the rest."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import skipjack as sj
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.samplers import BaseSampler, PartialFixedSampler, RandomSampler
from skipjack.trial import BaseTrial


class RecordingSampler(RandomSampler):
    """A RandomSampler that records every hook call and proposes a relative search space."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self.calls: list[tuple[str, Any]] = []

    def infer_relative_search_space(
        self, study: sj.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {
            "x": sj.distributions.FloatDistribution(0, 1),
            "y": sj.distributions.IntDistribution(0, 9),
        }

    def sample_relative(
        self, study: sj.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self.calls.append(("relative", sorted(search_space)))
        return {"x": 0.25} if "x" in search_space else {}

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        self.calls.append(("independent", name))
        return super().sample_independent(study, trial, name, dist)

    def before_trial(self, study: sj.Study, trial: FrozenTrial) -> None:
        self.calls.append(("before", trial.number))

    def after_trial(self, study: Any, trial: FrozenTrial, state: TrialState, values: Any) -> None:
        self.calls.append(("after", state))

    def reseed_rng(self) -> None:
        self.calls.append(("reseed", None))
        super().reseed_rng()


def objective(trial: BaseTrial) -> float:
    return trial.suggest_float("x", 0, 1) + trial.suggest_int("y", 0, 9) + trial.suggest_int(
        "z", 0, 9
    )


@pytest.fixture(autouse=True)
def _quiet() -> None:
    sj.logging.set_verbosity(sj.logging.WARNING)


def test_fixed_values_are_kept_and_others_delegated() -> None:
    base = RecordingSampler(seed=0)
    study = sj.create_study(sampler=PartialFixedSampler({"y": 7}, base))
    study.optimize(objective, n_trials=5)
    trials = study.get_trials(deepcopy=False)
    assert all(t.params["y"] == 7 for t in trials)
    assert all(t.params["x"] == 0.25 for t in trials)  # from the base's relative sampling
    assert len({t.params["z"] for t in trials}) > 1  # from the base's independent sampling
    # The fixed parameter is left out of the base sampler's relative space and never asked for.
    assert ("relative", ["x"]) in base.calls
    assert ("independent", "y") not in base.calls
    assert [c for c in base.calls if c[0] == "before"] == [("before", n) for n in range(5)]
    assert [c[1] for c in base.calls if c[0] == "after"] == [TrialState.COMPLETE] * 5


def test_reseed_is_delegated() -> None:
    base = RecordingSampler()
    PartialFixedSampler({"y": 1}, base).reseed_rng()
    assert ("reseed", None) in base.calls


def test_base_sampler_sequence_is_unchanged_for_free_parameters() -> None:
    def run(sampler: BaseSampler) -> list[float]:
        study = sj.create_study(sampler=sampler)
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("y", 0, 9),
                       n_trials=6)
        return [t.params["x"] for t in study.get_trials(deepcopy=False)]

    xs = run(PartialFixedSampler({"y": 3}, RandomSampler(seed=2)))
    assert xs == run(PartialFixedSampler({"y": 3}, RandomSampler(seed=2)))
    assert xs != run(PartialFixedSampler({"y": 3}, RandomSampler(seed=3)))


def test_fixed_value_out_of_range_is_used_with_a_warning() -> None:
    study = sj.create_study(sampler=PartialFixedSampler({"y": 42}, RandomSampler(seed=0)))
    with pytest.warns(UserWarning, match="Fixed parameter 'y' with value 42 is out of range"):
        study.optimize(lambda t: t.suggest_int("y", 0, 9), n_trials=1)
    assert study.trials[0].params["y"] == 42


def test_fixed_categorical_must_be_a_choice() -> None:
    study = sj.create_study(sampler=PartialFixedSampler({"c": "zzz"}, RandomSampler(seed=0)))
    with pytest.raises(ValueError, match="'zzz'.*not one of the choices"):
        study.optimize(lambda t: float(t.suggest_categorical("c", ["a", "b"]) == "a"),
                       n_trials=1)


def test_fixed_categorical_choice_is_used() -> None:
    study = sj.create_study(sampler=PartialFixedSampler({"c": None}, RandomSampler(seed=0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study.optimize(lambda t: float(t.suggest_categorical("c", ["a", None]) is None),
                       n_trials=3)
    assert all(t.params["c"] is None for t in study.trials)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(TypeError, match="'fixed_params'.*dict"):
        PartialFixedSampler([("y", 1)], RandomSampler())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'base_sampler'.*sampler"):
        PartialFixedSampler({"y": 1}, "tpe")  # type: ignore[arg-type]

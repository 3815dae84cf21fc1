"""The sampler conformance suite, split by capability.

Subclass ``SamplerConformance`` and provide ``make_sampler(seed)``; set the capability flags::

    class TestMySampler(SamplerConformance):
        multi_objective = True       # runs the multi-objective checks
        constrained = True           # runs the constraint checks
        seed_reproducible = True     # same seed => same suggestions in a sequential run

        def make_sampler(self, seed):
            return MySampler(seed=seed)

Every check drives the sampler through real studies (in-memory storage) past any startup phase.
"""

from __future__ import annotations

import math
import pickle
import warnings
from typing import Any

import pytest

from skipjack._records import TrialState, create_trial
from skipjack.distributions import BaseDistribution, FloatDistribution
from skipjack.samplers import BaseSampler
from skipjack.study import create_study
from skipjack.trial import BaseTrial

__all__ = ["SamplerConformance", "mixed_objective", "N_TRIALS"]

N_TRIALS = 30


def mixed_objective(trial: BaseTrial) -> float:
    """An objective over every kind of distribution, with a conditional branch."""
    x = trial.suggest_float("x", -3.0, 3.0)
    lg = trial.suggest_float("lg", 1e-4, 1.0, log=True)
    st = trial.suggest_float("st", 0.0, 1.0, step=0.25)
    i = trial.suggest_int("i", -5, 5)
    il = trial.suggest_int("il", 1, 128, log=True)
    istep = trial.suggest_int("istep", 0, 10, step=2)
    c = trial.suggest_categorical("c", ["a", "b", None, 1.5])
    value = x**2 + math.log(lg) ** 2 / 10 + st + abs(i) + math.log2(il) / 7 + istep / 10
    if c == "a":
        value += trial.suggest_float("a_only", 0.0, 1.0)
    elif c == "b":
        value += trial.suggest_int("b_only", 0, 3)
    return value


class SamplerConformance:
    """Shared sampler checks. Subclasses implement ``make_sampler``."""

    multi_objective: bool = False
    constrained: bool = False
    seed_reproducible: bool = True
    n_trials: int = N_TRIALS

    def make_sampler(self, seed: int | None) -> BaseSampler:
        raise NotImplementedError

    def _sampler(self, seed: int | None = 0) -> BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.make_sampler(seed)

    # --- basic ------------------------------------------------------------------------------------

    def test_is_a_base_sampler(self) -> None:
        assert isinstance(self._sampler(), BaseSampler)

    def test_values_lie_in_their_distributions(self) -> None:
        study = create_study(sampler=self._sampler())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(mixed_objective, n_trials=self.n_trials)
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == self.n_trials
        for trial in trials:
            assert trial.state == TrialState.COMPLETE, trial
            for name, value in trial.params.items():
                dist = trial.distributions[name]
                assert dist._contains(dist.to_internal_repr(value)), (name, value, dist)
            assert isinstance(trial.params["i"], int)
            assert isinstance(trial.params["il"], int)
            assert isinstance(trial.params["x"], float)
            assert trial.params["c"] in ("a", "b", None, 1.5)
            if trial.params["c"] == "a":
                assert "a_only" in trial.params and "b_only" not in trial.params

    def test_same_seed_same_suggestions(self) -> None:
        if not self.seed_reproducible:
            pytest.skip("sampler is not seed-reproducible")

        def run(seed: int) -> list[dict[str, Any]]:
            study = create_study(sampler=self._sampler(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                study.optimize(mixed_objective, n_trials=min(self.n_trials, 20))
            return [t.params for t in study.get_trials(deepcopy=False)]

        assert run(3) == run(3)

    def test_survives_failed_pruned_and_nan_reports(self) -> None:
        study = create_study(sampler=self._sampler())

        def objective(trial: BaseTrial) -> float:
            x = trial.suggest_float("x", 0.0, 1.0)
            y = trial.suggest_int("y", 0, 4)
            if trial.number % 5 == 1:
                raise RuntimeError("boom")
            if trial.number % 5 == 2:
                from skipjack.exceptions import TrialPruned

                raise TrialPruned()
            if trial.number % 7 == 3:
                return float("inf")
            return x + y

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=self.n_trials, catch=(RuntimeError,))
        states = [t.state for t in study.get_trials(deepcopy=False)]
        assert TrialState.FAIL in states and TrialState.PRUNED in states
        assert states.count(TrialState.COMPLETE) > 0

    def test_single_value_distributions(self) -> None:
        study = create_study(sampler=self._sampler())

        def objective(trial: BaseTrial) -> float:
            a = trial.suggest_float("a", 1.0, 1.0)
            b = trial.suggest_int("b", 2, 2)
            c = trial.suggest_categorical("c", ["only"])
            d = trial.suggest_float("d", 0.0, 1.0)
            assert (a, b, c) == (1.0, 2, "only")
            return d

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=min(self.n_trials, 15))
        assert all(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))

    def test_dynamic_range_changes(self) -> None:
        study = create_study(sampler=self._sampler())

        def objective(trial: BaseTrial) -> float:
            high = 1.0 + trial.number % 3
            return trial.suggest_float("x", 0.0, high)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=min(self.n_trials, 20))
        for t in study.get_trials(deepcopy=False):
            assert 0.0 <= t.params["x"] <= 1.0 + t.number % 3

    def test_enqueued_and_added_trials_are_used(self) -> None:
        study = create_study(sampler=self._sampler())
        study.add_trial(
            create_trial(value=0.5, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)})
        )
        study.enqueue_trial({"x": 0.125})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=12)
        trials = study.get_trials(deepcopy=False)
        assert trials[1].params == {"x": 0.125}
        assert len(trials) == 13

    def test_parallel_threads(self) -> None:
        study = create_study(sampler=self._sampler(None))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(mixed_objective, n_trials=self.n_trials, n_jobs=3)
        trials = study.get_trials(deepcopy=False)
        assert sorted(t.number for t in trials) == list(range(self.n_trials))
        assert all(t.state == TrialState.COMPLETE for t in trials)

    def test_pickle_mid_study(self) -> None:
        study = create_study(sampler=self._sampler())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(mixed_objective, n_trials=self.n_trials // 2)
            restored = pickle.loads(pickle.dumps(study))
            restored.optimize(mixed_objective, n_trials=self.n_trials // 2)
        assert len(restored.get_trials(deepcopy=False)) == 2 * (self.n_trials // 2)

    def test_ask_tell_with_fixed_distributions(self) -> None:
        study = create_study(sampler=self._sampler())
        dists: dict[str, BaseDistribution] = {
            "x": FloatDistribution(-1, 1), "y": FloatDistribution(0, 10, step=0.5)
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(self.n_trials):
                trial = study.ask(dists)
                study.tell(trial, trial.params["x"] ** 2 + trial.params["y"])
        for t in study.get_trials(deepcopy=False):
            assert -1 <= t.params["x"] <= 1 and t.params["y"] * 2 == int(t.params["y"] * 2)

    # --- multi-objective --------------------------------------------------------------------------

    def test_multi_objective(self) -> None:
        if not self.multi_objective:
            pytest.skip("sampler is single-objective")
        study = create_study(directions=["minimize", "maximize"], sampler=self._sampler())

        def objective(trial: BaseTrial) -> tuple[float, float]:
            x = trial.suggest_float("x", 0.0, 1.0)
            c = trial.suggest_categorical("c", [0, 1, 2])
            assert isinstance(c, int)
            return x + c, x - c

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=self.n_trials)
        trials = study.get_trials(deepcopy=False)
        assert all(
            t.state == TrialState.COMPLETE and t.values is not None and len(t.values) == 2
            for t in trials
        )
        assert study.best_trials

    # --- constraints ------------------------------------------------------------------------------

    def test_constraints(self) -> None:
        if not self.constrained:
            pytest.skip("sampler does not use constraints")
        study = create_study(sampler=self._sampler())

        def objective(trial: Any) -> float:
            x: float = trial.suggest_float("x", -2.0, 2.0)
            trial.set_constraint("x_at_least_half", 0.5 - x)
            return x**2

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=self.n_trials)
        best = study.best_trial
        assert best.params["x"] >= 0.5
        assert best.constraints["x_at_least_half"] <= 0

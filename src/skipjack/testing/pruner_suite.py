"""The pruner conformance suite.

Subclass ``PrunerConformance`` and implement ``make_pruner()``. The checks drive the pruner
through real studies: it must return a bool, never prune a trial that reported nothing, accept
NaN reports, survive pickling and many threads.
"""

from __future__ import annotations

import pickle
import warnings

from skipjack._records import TrialState
from skipjack.exceptions import TrialPruned
from skipjack.pruners import BasePruner
from skipjack.samplers import RandomSampler
from skipjack.study import create_study
from skipjack.trial import Trial

__all__ = ["PrunerConformance"]


def _curve_objective(trial: Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    value = 0.0
    for step in range(10):
        value = x * (10 - step) / 10 + (trial.number % 3) * 0.1
        trial.report(value, step)
        if trial.should_prune():
            raise TrialPruned()
    return value


class PrunerConformance:
    """Shared pruner checks. Subclasses implement ``make_pruner``."""

    def make_pruner(self) -> BasePruner:
        raise NotImplementedError

    def test_is_a_base_pruner(self) -> None:
        assert isinstance(self.make_pruner(), BasePruner)

    def test_no_report_no_prune(self) -> None:
        study = create_study(pruner=self.make_pruner(), sampler=RandomSampler(0))
        for _ in range(5):
            trial = study.ask()
            trial.suggest_float("x", 0, 1)
            decision = trial.should_prune()
            assert decision is False
            study.tell(trial, 1.0)

    def test_decisions_are_bools_over_a_study(self) -> None:
        pruner = self.make_pruner()
        study = create_study(pruner=pruner, sampler=RandomSampler(0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(_curve_objective, n_trials=40)
        trials = study.get_trials(deepcopy=False)
        assert len(trials) == 40
        for t in trials:
            assert t.state in (TrialState.COMPLETE, TrialState.PRUNED)
            if t.state == TrialState.PRUNED:
                assert t.last_step is not None
                assert t.value == t.intermediate_values[t.last_step]

    def test_maximize_direction(self) -> None:
        study = create_study(direction="maximize", pruner=self.make_pruner(),
                             sampler=RandomSampler(1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(_curve_objective, n_trials=30)
        assert len(study.get_trials(deepcopy=False)) == 30

    def test_nan_reports(self) -> None:
        study = create_study(pruner=self.make_pruner(), sampler=RandomSampler(0))

        def objective(trial: Trial) -> float:
            for step in range(5):
                trial.report(float("nan") if trial.number % 2 else float(step), step)
                if trial.should_prune():
                    raise TrialPruned()
            return 1.0

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(objective, n_trials=20)
        assert len(study.get_trials(deepcopy=False)) == 20

    def test_pickle_and_threads(self) -> None:
        pruner = pickle.loads(pickle.dumps(self.make_pruner()))
        study = create_study(pruner=pruner, sampler=RandomSampler(0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.optimize(_curve_objective, n_trials=40, n_jobs=4)
        trials = study.get_trials(deepcopy=False)
        assert sorted(t.number for t in trials) == list(range(40))

"""skipjack.terminator: Optuna's terminator API and semantics on skipjack's own GP."""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pytest

import skipjack
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.exceptions import ExperimentalWarning
from skipjack.study import StudyDirection
from skipjack.terminator import (
    BaseErrorEvaluator,
    BaseImprovementEvaluator,
    BaseTerminator,
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    EMMREvaluator,
    MedianErrorEvaluator,
    RegretBoundEvaluator,
    StaticErrorEvaluator,
    Terminator,
    TerminatorCallback,
    report_cross_validation_scores,
)
from skipjack.terminator.erroreval import _CROSS_VALIDATION_SCORES_KEY
from skipjack.terminator.improvement.emmr import MARGIN_FOR_NUMARICAL_STABILITY
from skipjack.trial import FrozenTrial, TrialState, create_trial

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::skipjack.exceptions.ExperimentalWarning")

NEVER = sys.float_info.max * MARGIN_FOR_NUMARICAL_STABILITY


class _Constant(BaseImprovementEvaluator):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        return self.value


class _Recorder(BaseImprovementEvaluator):
    """Records the trial numbers it is asked about; returns their count."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        self.calls.append([t.number for t in trials])
        return float(len(trials))


def _trial(value: float, **params: float) -> FrozenTrial:
    return create_trial(
        value=value,
        params=params,
        distributions={k: FloatDistribution(-10.0, 10.0) for k in params},
    )


def _quadratic_trials(n: int, scale: float = 1.0, seed: int = 0) -> list[FrozenTrial]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x, y = rng.uniform(-10, 10, size=2)
        out.append(_trial(scale * float(x * x + 0.5 * y * y), x=float(x), y=float(y)))
    return out


def test_lazy_module_and_public_names() -> None:
    assert skipjack.terminator.Terminator is Terminator
    assert set(skipjack.terminator.__all__) == {
        "Terminator", "BaseTerminator", "TerminatorCallback", "BaseImprovementEvaluator",
        "RegretBoundEvaluator", "BestValueStagnationEvaluator", "EMMREvaluator",
        "BaseErrorEvaluator", "CrossValidationErrorEvaluator", "StaticErrorEvaluator",
        "MedianErrorEvaluator", "report_cross_validation_scores",
    }


@pytest.mark.filterwarnings("default")
def test_warnings_are_optunas() -> None:
    with pytest.warns(FutureWarning, match="terminator` module has been deprecated in v4.9.0"):
        Terminator(StaticErrorEvaluator(0) and _Constant(1), StaticErrorEvaluator(0))
    with pytest.warns(FutureWarning):
        TerminatorCallback(Terminator(_Constant(1), StaticErrorEvaluator(0)))
    for make in (RegretBoundEvaluator, BestValueStagnationEvaluator, EMMREvaluator,
                 CrossValidationErrorEvaluator, lambda: StaticErrorEvaluator(0),
                 lambda: MedianErrorEvaluator(_Constant(0))):
        with pytest.warns(ExperimentalWarning, match="is experimental"):
            make()
    study = skipjack.create_study()
    trial = study.ask()
    with pytest.warns(FutureWarning):
        report_cross_validation_scores(trial, [1.0, 2.0])


def test_terminator_validates_min_n_trials() -> None:
    Terminator(min_n_trials=1)
    with pytest.raises(ValueError, match="min_n_trials"):
        Terminator(min_n_trials=0)


def test_default_error_evaluator_depends_on_the_improvement_evaluator() -> None:
    assert isinstance(Terminator()._error_evaluator, CrossValidationErrorEvaluator)
    assert isinstance(Terminator()._improvement_evaluator, RegretBoundEvaluator)
    stagnation = Terminator(BestValueStagnationEvaluator())._error_evaluator
    assert isinstance(stagnation, StaticErrorEvaluator) and stagnation.evaluate([], StudyDirection.MINIMIZE) == 0


def test_should_terminate_when_improvement_is_strictly_below_error() -> None:
    study = skipjack.create_study()
    study.tell(study.ask(), 0.0)
    verdict = {
        v: Terminator(_Constant(v), StaticErrorEvaluator(0), min_n_trials=1).should_terminate(study)
        for v in (3.0, 0.0, -1.0)
    }
    assert verdict == {3.0: False, 0.0: False, -1.0: True}
    # too few complete trials: never
    assert not Terminator(_Constant(-1), StaticErrorEvaluator(0), min_n_trials=2).should_terminate(study)
    failed = study.ask()
    study.tell(failed, state=TrialState.FAIL)
    assert not Terminator(_Constant(-1), StaticErrorEvaluator(0), min_n_trials=2).should_terminate(study)


def test_callback_stops_optimize_at_the_first_positive_verdict() -> None:
    class StopAt(BaseTerminator):
        def should_terminate(self, study: skipjack.Study) -> bool:
            return max(t.number for t in study.get_trials(states=(TrialState.COMPLETE,))) >= 7

    study = skipjack.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=50, callbacks=[TerminatorCallback(StopAt())])
    assert len(study.trials) == 8


def test_report_cross_validation_scores_round_trip() -> None:
    study = skipjack.create_study()
    trial = study.ask()
    report_cross_validation_scores(trial, np.array([1.0, 2.5, 3.0]))
    study.tell(trial, 1.0)
    assert study.trials[0].system_attrs[_CROSS_VALIDATION_SCORES_KEY] == [1.0, 2.5, 3.0]
    with pytest.raises(ValueError, match="scores"):
        report_cross_validation_scores(study.ask(), [1.0])


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_cross_validation_error_uses_the_best_trials_scores(direction: str) -> None:
    sign = 1 if direction == "minimize" else -1
    study = skipjack.create_study(direction=direction)
    for value, scores in [(2.0, [1.0, -1.0]), (1.0, [2.0, -2.0]), (3.0, [5.0, -5.0])]:
        study.add_trial(create_trial(value=sign * value, system_attrs={_CROSS_VALIDATION_SCORES_KEY: scores}))
    # best trial has var 4 over k=2 folds: scale 1/2 + 1/1
    assert CrossValidationErrorEvaluator().evaluate(study.trials, study.direction) == pytest.approx(math.sqrt(6.0))


def test_cross_validation_error_without_scores_raises() -> None:
    with pytest.raises(ValueError, match="report_cross_validation_scores"):
        CrossValidationErrorEvaluator().evaluate([create_trial(value=0.0)], StudyDirection.MINIMIZE)
    with pytest.raises(ValueError):
        CrossValidationErrorEvaluator().evaluate([], StudyDirection.MINIMIZE)


def test_static_error() -> None:
    assert StaticErrorEvaluator(12.5).evaluate([_trial(1.0, x=1.0)], StudyDirection.MAXIMIZE) == 12.5


def test_best_value_stagnation() -> None:
    ev = BestValueStagnationEvaluator(max_stagnation_trials=3)
    values = lambda vs: [create_trial(value=v) for v in vs]  # noqa: E731
    assert ev.evaluate(values([5, 4, 3]), StudyDirection.MINIMIZE) == 3
    assert ev.evaluate(values([5, 4, 3]), StudyDirection.MAXIMIZE) == 1
    assert ev.evaluate(values([1, 1, 1, 1, 1]), StudyDirection.MINIMIZE) == -1
    with_fail = values([3, 1]) + [create_trial(state=TrialState.FAIL)] + values([2])
    assert ev.evaluate(with_fail, StudyDirection.MINIMIZE) == 2
    with pytest.raises(ValueError):
        BestValueStagnationEvaluator(max_stagnation_trials=-1)
    with pytest.raises(ValueError, match="no trial has been completed"):
        ev.evaluate([], StudyDirection.MINIMIZE)


def test_regret_bound_refuses_no_trial_and_empty_space() -> None:
    with pytest.raises(ValueError, match="no trial has been completed"):
        RegretBoundEvaluator().evaluate([], StudyDirection.MAXIMIZE)
    with pytest.raises(ValueError, match="intersection search space is empty"):
        RegretBoundEvaluator().evaluate([create_trial(value=0.0)], StudyDirection.MAXIMIZE)


def test_regret_bound_single_trial_and_mixed_space() -> None:
    bound = RegretBoundEvaluator(seed=0).evaluate([_trial(0.0, a=0.0)], StudyDirection.MAXIMIZE)
    assert math.isfinite(bound) and bound >= 0.0
    dists = {"i": IntDistribution(1, 9), "c": CategoricalDistribution(["a", "b", "c"]),
             "f": FloatDistribution(1e-3, 1.0, log=True)}
    rng = np.random.default_rng(1)
    trials = []
    for _ in range(15):
        p = {"i": int(rng.integers(1, 10)), "c": str(rng.choice(["a", "b", "c"])), "f": float(10 ** rng.uniform(-3, 0))}
        trials.append(create_trial(value=p["i"] + math.log(p["f"]) + (p["c"] == "b"), params=p, distributions=dists))
    bound = RegretBoundEvaluator(seed=0).evaluate(trials, StudyDirection.MINIMIZE)
    assert math.isfinite(bound) and bound > 0.0


def test_regret_bound_is_in_the_objectives_units_and_direction_symmetric() -> None:
    trials = _quadratic_trials(25)
    scaled = _quadratic_trials(25, scale=10.0)
    flipped = _quadratic_trials(25, scale=-1.0)
    base = RegretBoundEvaluator(seed=3).evaluate(trials, StudyDirection.MINIMIZE)
    assert base > 0.0
    assert RegretBoundEvaluator(seed=3).evaluate(scaled, StudyDirection.MINIMIZE) == pytest.approx(10 * base, rel=1e-4)
    assert RegretBoundEvaluator(seed=3).evaluate(flipped, StudyDirection.MAXIMIZE) == pytest.approx(base, rel=1e-6)


def test_regret_bound_shrinks_as_a_study_converges() -> None:
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.create_study(sampler=skipjack.samplers.TPESampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2 + t.suggest_float("y", -5, 5) ** 2, n_trials=80)
    early = RegretBoundEvaluator(seed=0).evaluate(study.trials[:20], StudyDirection.MINIMIZE)
    late = RegretBoundEvaluator(seed=0).evaluate(study.trials, StudyDirection.MINIMIZE)
    assert late < early


def test_emmr_arguments_and_degenerate_inputs() -> None:
    with pytest.raises(ValueError, match="min_n_trials"):
        EMMREvaluator(min_n_trials=1)
    ev = EMMREvaluator()
    assert ev.evaluate([], StudyDirection.MAXIMIZE) == NEVER
    assert ev.evaluate([create_trial(value=0.0)], StudyDirection.MAXIMIZE) == NEVER
    with pytest.warns(UserWarning, match="cannot consider any search space"):
        assert ev.evaluate([create_trial(value=0.0)] * 3, StudyDirection.MAXIMIZE) == NEVER


def test_emmr_is_finite_and_clamps_infinite_values() -> None:
    trials = [_trial(float(i), a=float(i)) for i in range(3)]
    value = EMMREvaluator(min_n_trials=3, seed=0).evaluate(trials, StudyDirection.MAXIMIZE)
    assert math.isfinite(value) and value < sys.float_info.max
    trials = _quadratic_trials(12) + [_trial(math.inf, x=1.0, y=1.0)]
    with pytest.warns(UserWarning, match="infinite"):
        value = EMMREvaluator(seed=0).evaluate(trials, StudyDirection.MINIMIZE)
    assert math.isfinite(value)


def test_emmr_becomes_small_when_new_trials_change_nothing() -> None:
    # the same point observed again and again: the model, its incumbent and the posterior at the
    # new point no longer move, so the criterion is far below its value early in a fresh study
    fresh = _quadratic_trials(6)
    repeated = fresh + [_trial(fresh[0].value, **fresh[0].params) for _ in range(20)]  # type: ignore[arg-type]
    early = EMMREvaluator(seed=0).evaluate(fresh, StudyDirection.MINIMIZE)
    late = EMMREvaluator(seed=0).evaluate(repeated, StudyDirection.MINIMIZE)
    assert late < early


def test_median_error_evaluator() -> None:
    for kwargs in ({"warm_up_trials": -1}, {"n_initial_trials": 0}, {"threshold_ratio": 0.0},
                   {"threshold_ratio": math.inf}):
        with pytest.raises(ValueError):
            MedianErrorEvaluator(_Constant(0), **kwargs)  # type: ignore[arg-type]
    recorder = _Recorder()
    ev = MedianErrorEvaluator(recorder, warm_up_trials=2, n_initial_trials=3, threshold_ratio=0.5)
    study = skipjack.create_study()
    study.add_trials([_trial(float(i), a=float(i)) for i in range(4)])
    trials = study.trials
    assert ev.evaluate(trials, StudyDirection.MINIMIZE) < 0.0  # 4 < 2 + 3: never terminate
    assert recorder.calls == []
    study.add_trial(_trial(9.0, a=9.0))
    trials = study.trials
    # criteria on trials [2], [2, 3], [2, 3, 4] -> 1, 2, 3; median 2 * 0.5
    assert ev.evaluate(list(reversed(trials)), StudyDirection.MINIMIZE) == 1.0
    assert recorder.calls == [[2], [2, 3], [2, 3, 4]]
    study.add_trial(_trial(10.0, a=10.0))
    assert ev.evaluate(study.trials, StudyDirection.MINIMIZE) == 1.0  # fixed once computed
    assert len(recorder.calls) == 3


def test_terminator_with_emmr_and_median_error_runs_a_study() -> None:
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    emmr = EMMREvaluator(seed=0)
    terminator = Terminator(emmr, MedianErrorEvaluator(emmr, warm_up_trials=2, n_initial_trials=5), min_n_trials=8)
    study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=25, callbacks=[TerminatorCallback(terminator)])
    assert 8 <= len(study.trials) <= 25


def test_custom_error_evaluator_subclass() -> None:
    class Half(BaseErrorEvaluator):
        def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
            return 0.5

    study = skipjack.create_study()
    study.tell(study.ask(), 1.0)
    assert Terminator(_Constant(0.4), Half(), min_n_trials=1).should_terminate(study)
    assert not Terminator(_Constant(0.6), Half(), min_n_trials=1).should_terminate(study)

"""plot_terminator_improvement: one point per trial from the first complete one, faded before
``min_n_trials``, the error line with ``plot_error``; both renderers."""

from __future__ import annotations

import pytest

import skipjack
from skipjack.distributions import FloatDistribution
from skipjack.study import StudyDirection
from skipjack.terminator import (
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from skipjack.trial import TrialState, create_trial
from tests.visualization._readers import Backend

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::skipjack.exceptions.ExperimentalWarning")

VALUES = [5.0, 3.0, 4.0, 1.0, 2.0, 0.5, 7.0]


def _study(with_scores: bool = True) -> skipjack.Study:
    study = skipjack.create_study()
    study.add_trial(create_trial(state=TrialState.FAIL))
    for v in VALUES:
        trial = study.ask({"x": FloatDistribution(0, 10)})
        if with_scores:
            report_cross_validation_scores(trial, [v - 1.0, v + 1.0])
        study.tell(trial, v)
    return study


def test_improvement_per_trial_and_faded_head(backend: Backend) -> None:
    study = _study()
    result = backend.plots.plot_terminator_improvement(
        study, improvement_evaluator=BestValueStagnationEvaluator(max_stagnation_trials=3),
        min_n_trials=3,
    )
    assert backend.is_figure(result)
    # stagnation: 3 - (trials since the best); the failed trial 0 has no point
    expected = [3, 3, 2, 3, 2, 3, 2]
    numbers = list(range(1, 8))
    head, tail = backend.lines(result)  # the faded head is unlabelled in matplotlib's legend
    assert head == (numbers[:4], expected[:4])
    assert tail == (numbers[3:], expected[3:])
    assert backend.series(result, "Terminator Improvement")[-1] == tail
    assert backend.series(result, "Error") == []


def test_error_line_uses_the_cross_validation_scores(backend: Backend) -> None:
    study = _study()
    result = backend.plots.plot_terminator_improvement(
        study, plot_error=True, improvement_evaluator=BestValueStagnationEvaluator(),
        error_evaluator=CrossValidationErrorEvaluator(), min_n_trials=20,
    )
    [(x, errors)] = backend.series(result, "Error")
    assert x == list(range(1, 8))
    # every trial's scores are v -/+ 1: variance 1, scale 1/2 + 1 -> sqrt(1.5)
    assert errors == pytest.approx([1.5**0.5] * 7)
    [(_, improvements)] = backend.series(result, "Terminator Improvement")
    assert len(improvements) == 7
    # with a stagnation evaluator the default error is the Terminator's: a static 0
    result = backend.plots.plot_terminator_improvement(
        study, plot_error=True, improvement_evaluator=BestValueStagnationEvaluator()
    )
    assert backend.series(result, "Error")[0][1] == [0] * 7


def test_default_evaluators_and_static_error(backend: Backend) -> None:
    study = _study(with_scores=False)
    result = backend.plots.plot_terminator_improvement(
        study, plot_error=True, error_evaluator=StaticErrorEvaluator(0.25)
    )
    [(_, improvements)] = backend.series(result, "Terminator Improvement")
    assert len(improvements) == 7 and all(v >= 0 for v in improvements)
    [(_, errors)] = backend.series(result, "Error")
    assert errors == [0.25] * 7


def test_empty_study_and_multi_objective(backend: Backend) -> None:
    assert backend.n_drawn(backend.plots.plot_terminator_improvement(skipjack.create_study())) == 0
    with pytest.raises(ValueError, match="multi-objective"):
        backend.plots.plot_terminator_improvement(skipjack.create_study(directions=["minimize"] * 2))


def test_info_matches_the_evaluator_on_prefixes() -> None:
    from skipjack.visualization._terminator_info import improvement_info, y_range

    study = _study()
    ev = BestValueStagnationEvaluator(max_stagnation_trials=3)
    info = improvement_info(study, True, ev)
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert info.improvements == [ev.evaluate(complete[: i + 1], StudyDirection.MINIMIZE) for i in range(7)]
    low, high = y_range(info, 2)
    assert low < min(info.improvements + info.errors) and high > max(info.improvements[2:] + info.errors)

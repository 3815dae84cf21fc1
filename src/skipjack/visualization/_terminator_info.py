"""Data of ``plot_terminator_improvement``: the terminator's improvement (and optionally error)
after each trial, computed on the complete trials up to it."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, NamedTuple

from skipjack._records import FrozenTrial, TrialState
from skipjack.exceptions import ExperimentalWarning

if TYPE_CHECKING:
    from skipjack.study import Study
    from skipjack.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

__all__ = ["ImprovementInfo", "improvement_info", "y_range"]

PADDING_RATIO_Y = 0.05


class ImprovementInfo(NamedTuple):
    trial_numbers: list[int]
    improvements: list[float]
    errors: list[float] | None


def improvement_info(
    study: Study,
    get_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
) -> ImprovementInfo:
    """One point per trial from the first complete one on (each evaluator sees the complete
    trials so far); the defaults are the ``Terminator``'s.

    Raises:
        ValueError: the study has several objectives.
    """
    from skipjack.terminator import (
        BestValueStagnationEvaluator,
        CrossValidationErrorEvaluator,
        RegretBoundEvaluator,
        StaticErrorEvaluator,
    )

    if study._is_multi_objective():
        raise ValueError(
            "plot_terminator_improvement does not support multi-objective studies; the "
            "terminator judges a single objective."
        )
    with warnings.catch_warnings():
        # plots emit no ExperimentalWarning (docs/compatibility.md), not even for the defaults
        warnings.simplefilter("ignore", ExperimentalWarning)
        if improvement_evaluator is None:
            improvement_evaluator = RegretBoundEvaluator()
        if error_evaluator is None:
            if isinstance(improvement_evaluator, BestValueStagnationEvaluator):
                error_evaluator = StaticErrorEvaluator(constant=0)
            else:
                error_evaluator = CrossValidationErrorEvaluator()
    direction = study.direction
    numbers: list[int] = []
    improvements: list[float] = []
    errors: list[float] = []
    complete: list[FrozenTrial] = []
    for trial in study.get_trials(deepcopy=False):
        if trial.state == TrialState.COMPLETE:
            complete.append(trial)
        if not complete:
            continue
        numbers.append(trial.number)
        improvements.append(improvement_evaluator.evaluate(list(complete), direction))
        if get_error:
            errors.append(error_evaluator.evaluate(list(complete), direction))
    return ImprovementInfo(numbers, improvements, errors if errors else None)


def y_range(info: ImprovementInfo, min_n_trials: int) -> tuple[float, float]:
    """The y range: all errors and improvements, except the large early improvements before
    ``min_n_trials`` when there are later points."""
    low = min(info.improvements)
    if len(info.trial_numbers) > min_n_trials:
        high = max(info.improvements[min_n_trials:])
    else:
        high = max(info.improvements)
    if info.errors is not None:
        low = min(low, min(info.errors))
        high = max(high, max(info.errors))
    pad = (high - low) * PADDING_RATIO_Y
    return low - pad, high + pad

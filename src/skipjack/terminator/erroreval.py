"""Error evaluators: how large the statistical error of the objective is (the terminator stops
once the room left for improvement falls below it)."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.terminator._warnings import warn_terminator_deprecated

if TYPE_CHECKING:
    from skipjack.trial import BaseTrial

__all__ = [
    "BaseErrorEvaluator",
    "CrossValidationErrorEvaluator",
    "StaticErrorEvaluator",
    "report_cross_validation_scores",
]

# Optuna's system-attribute key, so that studies shared with Optuna workers read the same scores.
_CROSS_VALIDATION_SCORES_KEY = "terminator:cv_scores"


class BaseErrorEvaluator(metaclass=abc.ABCMeta):
    """Base class of error evaluators."""

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The statistical error of the objective given ``trials``."""


@experimental("3.2.0")
class CrossValidationErrorEvaluator(BaseErrorEvaluator):
    """The error of a cross-validated objective: the standard deviation of the mean of the best
    trial's cross-validation scores, with the variance scaled by ``1/k + 1/(k-1)`` for ``k``
    folds (Nadeau and Bengio's correction for overlapping training sets).

    The scores come from ``report_cross_validation_scores`` called inside the objective.
    """

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the error estimate.

        Raises:
            ValueError: no trial is complete, or the best trial reported no scores.
        """
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if not complete:
            raise ValueError(
                "No trial is complete, so the cross-validation error cannot be evaluated."
            )
        if study_direction == StudyDirection.MAXIMIZE:
            best = max(complete, key=lambda t: float(t.value))  # type: ignore[arg-type]
        else:
            best = min(complete, key=lambda t: float(t.value))  # type: ignore[arg-type]
        scores = best.system_attrs.get(_CROSS_VALIDATION_SCORES_KEY)
        if scores is None:
            raise ValueError(
                "Cross-validation scores have not been reported. Please call "
                "`report_cross_validation_scores(trial, scores)` during a trial and pass the "
                "list of scores as `scores`."
            )
        k = len(scores)
        scale = 1.0 / k + 1.0 / (k - 1)
        return float(math.sqrt(scale * float(np.var(np.asarray(scores, dtype=float)))))


def report_cross_validation_scores(trial: BaseTrial, scores: Sequence[float] | Any) -> None:
    """Store the cross-validation scores of ``trial`` (read by ``CrossValidationErrorEvaluator``).

    Args:
        trial: the running trial.
        scores: its per-fold scores (a list or array, at least two).

    Raises:
        ValueError: fewer than two scores.
    """
    warn_terminator_deprecated()
    if len(scores) <= 1:
        raise ValueError(
            "The length of `scores` is expected to be greater than one (one score per "
            f"cross-validation fold); got {len(scores)}."
        )
    values = [float(s) for s in scores]
    setter = getattr(trial, "_set_system_attr", None)
    if setter is not None:
        setter(_CROSS_VALIDATION_SCORES_KEY, values)
    else:
        trial.set_system_attr(_CROSS_VALIDATION_SCORES_KEY, values)


@experimental("3.2.0")
class StaticErrorEvaluator(BaseErrorEvaluator):
    """An error evaluator that always returns ``constant`` (stop once the improvement is below a
    fixed threshold)."""

    def __init__(self, constant: float) -> None:
        self._constant = constant

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        return self._constant

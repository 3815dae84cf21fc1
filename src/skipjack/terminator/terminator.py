"""``Terminator``: stop a study once the room left for improvement is below the statistical
error of the objective (Makarova et al., 2022)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from skipjack._records import TrialState
from skipjack.terminator._warnings import warn_terminator_deprecated
from skipjack.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
)
from skipjack.terminator.improvement.evaluator import (
    DEFAULT_MIN_N_TRIALS,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["BaseTerminator", "Terminator"]


class BaseTerminator(metaclass=abc.ABCMeta):
    """Base class of terminators."""

    @abc.abstractmethod
    def should_terminate(self, study: Study) -> bool:
        """True when ``study`` should stop."""


class Terminator(BaseTerminator):
    """Judge whether a study should stop: once at least ``min_n_trials`` trials are complete, it
    should when the improvement evaluator's value is below the error evaluator's.

    Args:
        improvement_evaluator: the room left for optimization. Defaults to
            ``RegretBoundEvaluator()``.
        error_evaluator: the statistical error. Defaults to ``StaticErrorEvaluator(0)`` with a
            ``BestValueStagnationEvaluator`` and to ``CrossValidationErrorEvaluator()`` otherwise
            (the objective must then call ``report_cross_validation_scores``).
        min_n_trials: complete trials needed before termination is considered. Defaults to 20.

    Raises:
        ValueError: ``min_n_trials`` is not positive.
    """

    def __init__(
        self,
        improvement_evaluator: BaseImprovementEvaluator | None = None,
        error_evaluator: BaseErrorEvaluator | None = None,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
    ) -> None:
        warn_terminator_deprecated()
        if min_n_trials <= 0:
            raise ValueError(
                f"`min_n_trials` is expected to be a positive integer; got {min_n_trials}."
            )
        self._improvement_evaluator = improvement_evaluator or RegretBoundEvaluator()
        if error_evaluator is None:
            if isinstance(self._improvement_evaluator, BestValueStagnationEvaluator):
                error_evaluator = StaticErrorEvaluator(constant=0)
            else:
                error_evaluator = CrossValidationErrorEvaluator()
        self._error_evaluator = error_evaluator
        self._min_n_trials = min_n_trials

    def should_terminate(self, study: Study) -> bool:
        """True when the study has ``min_n_trials`` complete trials and its improvement is below
        its error."""
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(complete) < self._min_n_trials:
            return False
        trials = study.get_trials(deepcopy=False)
        improvement = self._improvement_evaluator.evaluate(trials, study.direction)
        error = self._error_evaluator.evaluate(trials, study.direction)
        return improvement < error

"""``MedianErrorEvaluator``: a threshold relative to the improvement criterion's early median."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.terminator.erroreval import BaseErrorEvaluator

if TYPE_CHECKING:
    from skipjack.terminator.improvement.evaluator import BaseImprovementEvaluator

__all__ = ["MedianErrorEvaluator"]


@experimental("4.0.0")
class MedianErrorEvaluator(BaseErrorEvaluator):
    """The error as ``threshold_ratio`` times the median of the paired improvement criterion over
    the first trials (the heuristic of Ishibashi et al., 2023, used with ``EMMREvaluator``).

    The criterion is evaluated on the trials ``warm_up_trials .. warm_up_trials + i`` for
    ``i = 1 .. n_initial_trials``; the threshold is fixed from then on. Until that many trials are
    complete it returns a tiny negative number (never terminate; improvements are non-negative).

    Args:
        paired_improvement_evaluator: the improvement evaluator used with this error evaluator.
        warm_up_trials: the first trials to skip (often random samples). Defaults to 10.
        n_initial_trials: how many trials after the warm-up enter the median. Defaults to 20.
        threshold_ratio: the threshold as a fraction of that median. Defaults to 0.01.

    Raises:
        ValueError: a negative ``warm_up_trials``, a non-positive ``n_initial_trials`` or a
            non-positive or non-finite ``threshold_ratio``.
    """

    def __init__(
        self,
        paired_improvement_evaluator: BaseImprovementEvaluator,
        warm_up_trials: int = 10,
        n_initial_trials: int = 20,
        threshold_ratio: float = 0.01,
    ) -> None:
        if warm_up_trials < 0:
            raise ValueError(
                f"`warm_up_trials` is expected to be a non-negative integer; got {warm_up_trials}."
            )
        if n_initial_trials <= 0:
            raise ValueError(
                f"`n_initial_trials` is expected to be a positive integer; got {n_initial_trials}."
            )
        if not (threshold_ratio > 0.0 and math.isfinite(threshold_ratio)):
            raise ValueError(
                "`threshold_ratio_to_initial_median` is expected to be a positive finite float; "
                f"got {threshold_ratio}."
            )
        self._paired_improvement_evaluator = paired_improvement_evaluator
        self._warm_up_trials = warm_up_trials
        self._n_initial_trials = n_initial_trials
        self._threshold_ratio = threshold_ratio
        self._threshold: float | None = None

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        if self._threshold is not None:
            return self._threshold
        complete = sorted(
            (t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.number
        )
        start = self._warm_up_trials
        if len(complete) < start + self._n_initial_trials:
            return -sys.float_info.min
        criteria = sorted(
            self._paired_improvement_evaluator.evaluate(complete[start : start + i], study_direction)
            for i in range(1, self._n_initial_trials + 1)
        )
        median = criteria[len(criteria) // 2]
        self._threshold = min(sys.float_info.max, median * self._threshold_ratio)
        return self._threshold

"""``WilcoxonPruner``: prune when a signed-rank test says the trial is worse than the best one.

For problems where a trial evaluates the same instances (folds, datasets, seeds) as the best
trial, one per "step": the paired differences between the trial's values and the best trial's
values at the steps both reported are tested with the one-sided Wilcoxon signed-rank test
(``scipy.stats.wilcoxon``, ``zero_method="zsplit"``, loaded on first use). The trial is pruned
when the p-value is below ``p_threshold``, unless the best trial's average is not better than the
trial's own average (a safety net for small samples). Non-finite values in either trial disable
pruning with a warning, as in Optuna.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import check_int, check_number, keep, single_direction, stop
from skipjack.pruners._decision import PruneDecision, Rule

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["WilcoxonPruner"]


@experimental("3.6.0")
class WilcoxonPruner(BasePruner):
    """Prune by a paired Wilcoxon signed-rank test against the best trial.

    Args:
        p_threshold: prune when the test's p-value is below this (in [0, 1]).
        n_startup_steps: no pruning until this many steps are paired with the best trial.

    Raises:
        ValueError: an argument is out of range (the message names it).
    """

    def __init__(self, *, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        owner = "WilcoxonPruner"
        p = check_number(owner, "p_threshold", p_threshold)
        if not 0.0 <= p <= 1.0:
            raise ValueError(
                f"The 'p_threshold' argument of {owner} must be in [0, 1]. Got {p_threshold}."
            )
        self._p_threshold = p
        self._n_startup_steps = check_int(owner, "n_startup_steps", n_startup_steps, 0)

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        name = "WilcoxonPruner"
        step = trial.last_step
        if step is None:
            return keep(name, Rule.NO_REPORT, None)
        direction = single_direction(study, name)
        values = trial.intermediate_values
        if not all(math.isfinite(v) for v in values.values()):
            warnings.warn(
                f"The intermediate values of the current trial (trial {trial.number}) contain "
                "infinity/NaN; WilcoxonPruner will not prune this trial.",
                UserWarning,
                stacklevel=3,
            )
            return keep(name, Rule.NAN, step)
        try:
            best = study.best_trial
        except ValueError:
            return keep(name, Rule.STARTUP, step, compared={"best_trial": None})
        best_values = best.intermediate_values
        if not best_values:
            warnings.warn(
                f"The best trial (trial {best.number}) has no intermediate values, so "
                "WilcoxonPruner cannot prune. If it was added with Study.add_trial, pass its "
                "intermediate_values.",
                UserWarning,
                stacklevel=3,
            )
            return keep(name, Rule.STARTUP, step, compared={"best_trial": best.number})
        if not all(math.isfinite(v) for v in best_values.values()):
            warnings.warn(
                f"The intermediate values of the best trial (trial {best.number}) contain "
                "infinity/NaN; WilcoxonPruner will not prune the current trial.",
                UserWarning,
                stacklevel=3,
            )
            return keep(name, Rule.NAN, step, compared={"best_trial": best.number})
        paired = sorted(set(values) & set(best_values))
        if len(paired) < len(values):
            warnings.warn(
                "WilcoxonPruner found steps the current trial reported but the best trial did "
                "not; those values are ignored.",
                UserWarning,
                stacklevel=3,
            )
        compared: dict[str, Any] = {"best_trial": best.number, "n_paired_steps": len(paired),
                    "n_startup_steps": self._n_startup_steps}
        if len(paired) < max(self._n_startup_steps, 1):
            return keep(name, Rule.STARTUP, step, compared=compared)
        diffs = [values[s] - best_values[s] for s in paired]
        mean_current = sum(values.values()) / len(values)
        mean_best = sum(best_values.values()) / len(best_values)
        if direction == StudyDirection.MAXIMIZE:
            alternative = "less"
            average_is_best = mean_best <= mean_current
        else:
            alternative = "greater"
            average_is_best = mean_best >= mean_current
        from scipy import stats  # lazy: scipy is only needed by this pruner

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p_value = float(
                stats.wilcoxon(diffs, alternative=alternative, zero_method="zsplit").pvalue
            )
        compared = {**compared, "alternative": alternative, "mean": mean_current,
                    "best_mean": mean_best}
        if p_value < self._p_threshold and not average_is_best:
            return stop(name, Rule.WILCOXON, step, value=p_value, threshold=self._p_threshold,
                        compared=compared)
        if p_value < self._p_threshold:
            compared["kept_because"] = "the best trial's average is not better than this trial's"
        return keep(name, Rule.WILCOXON, step, value=p_value, threshold=self._p_threshold,
                    compared=compared)

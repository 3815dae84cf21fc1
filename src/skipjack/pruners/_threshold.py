"""``ThresholdPruner``: prune a trial whose latest value leaves ``[lower, upper]``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import (
    check_int,
    check_number,
    is_first_in_interval_step,
    keep,
    stop,
)
from skipjack.pruners._decision import PruneDecision, Rule

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["ThresholdPruner"]


class ThresholdPruner(BasePruner):
    """Prune when the latest reported value is below ``lower``, above ``upper``, or NaN.

    The direction of the study does not matter: the bounds are absolute.

    Args:
        lower: values below it are pruned (None: no lower bound).
        upper: values above it are pruned (None: no upper bound).
        n_warmup_steps: no pruning before this step.
        interval_steps: check once per this many steps (after the warm-up).

    Raises:
        TypeError: neither bound is given, or a bound is not a number.
        ValueError: ``lower > upper``, or a step argument is out of range.
    """

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        owner = "ThresholdPruner"
        if lower is None and upper is None:
            raise TypeError(
                "ThresholdPruner needs a bound: pass lower=..., upper=... or both. Got neither."
            )
        low = -math.inf if lower is None else check_number(owner, "lower", lower)
        high = math.inf if upper is None else check_number(owner, "upper", upper)
        if low > high:
            raise ValueError(
                f"The 'lower' argument of {owner} must be <= upper ({high}). Got {low}."
            )
        self._lower = low
        self._upper = high
        self._n_warmup_steps = check_int(owner, "n_warmup_steps", n_warmup_steps, 0)
        self._interval_steps = check_int(owner, "interval_steps", interval_steps, 1)

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        name = "ThresholdPruner"
        step = trial.last_step
        if step is None:
            return keep(name, Rule.NO_REPORT, None)
        if step < self._n_warmup_steps:
            return keep(name, Rule.WARMUP, step,
                        compared={"n_warmup_steps": self._n_warmup_steps})
        if not is_first_in_interval_step(
            step, trial.intermediate_values, self._n_warmup_steps, self._interval_steps
        ):
            return keep(name, Rule.INTERVAL, step,
                        compared={"interval_steps": self._interval_steps})
        value = trial.intermediate_values[step]
        if math.isnan(value):
            return stop(name, Rule.NAN, step, value=value)
        bounds = [self._lower, self._upper]
        if value < self._lower:
            return stop(name, Rule.THRESHOLD, step, value=value, threshold=self._lower,
                        compared={"bound": "lower", "bounds": bounds})
        if value > self._upper:
            return stop(name, Rule.THRESHOLD, step, value=value, threshold=self._upper,
                        compared={"bound": "upper", "bounds": bounds})
        return keep(name, Rule.THRESHOLD, step, value=value, threshold=bounds)

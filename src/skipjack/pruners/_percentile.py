"""``PercentilePruner``: prune a trial whose best value is worse than a percentile of the others.

Rule (Optuna's): at the trial's last reported step ``s``, take the values the COMPLETE trials
reported at ``s``; prune when the trial's best intermediate value so far is worse than their
``percentile``-th best (the ``percentile``-th percentile when minimizing, the
``100 - percentile``-th when maximizing). No pruning before ``n_startup_trials`` completed trials,
before ``n_warmup_steps``, between pruning steps (``interval_steps``), or when fewer than
``n_min_trials`` trials reported ``s``. A trial whose reports are all NaN is pruned; NaN values of
the other trials are ignored. In a multi-objective study the Pareto-dominance rule of
``ParetoPruner`` applies with ``dominated_share = percentile / 100``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import (
    best_intermediate_value,
    check_int,
    check_number,
    is_first_in_interval_step,
    keep,
    stop,
)
from skipjack.pruners._decision import PruneDecision, Rule, format_numbers
from skipjack.pruners._pareto import decide_by_dominance

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["PercentilePruner", "percentile_of"]


def percentile_of(values: list[float], q: float) -> float:
    """``numpy.percentile(values, q)`` (linear method), bit for bit, without numpy's overhead.

    Design note: called once per pruning step on a few hundred values at most, where numpy's
    per-call overhead is ~20x the work. The interpolation is numpy's (``a + (b - a) * t`` below
    the midpoint, ``b - (b - a) * (1 - t)`` above), so thresholds equal Optuna's exactly.
    """
    ordered = sorted(values)
    position = (q / 100.0) * (len(ordered) - 1)
    low = math.floor(position)
    if low >= len(ordered) - 1:
        return float(ordered[-1])
    t = position - low
    a, b = ordered[low], ordered[low + 1]
    diff = b - a
    return float(b - diff * (1.0 - t) if t >= 0.5 else a + diff * t)


class PercentilePruner(BasePruner):
    """Prune when the trial's best value is worse than a percentile of the completed trials.

    Args:
        percentile: in [0, 100]; 50 keeps trials at least as good as the median.
        n_startup_trials: no pruning until this many trials have completed.
        n_warmup_steps: no pruning before this step.
        interval_steps: check once per this many steps (after the warm-up).
        n_min_trials: no pruning at a step fewer completed trials reported.

    Raises:
        ValueError: an argument is out of range (the message names it).
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        owner = type(self).__name__
        value = check_number(owner, "percentile", percentile)
        if not 0.0 <= value <= 100.0:
            raise ValueError(
                f"The 'percentile' argument of {owner} must be in [0, 100]. Got {percentile}."
            )
        self._percentile = value
        self._n_startup_trials = check_int(owner, "n_startup_trials", n_startup_trials, 0)
        self._n_warmup_steps = check_int(owner, "n_warmup_steps", n_warmup_steps, 0)
        self._interval_steps = check_int(owner, "interval_steps", interval_steps, 1)
        self._n_min_trials = check_int(owner, "n_min_trials", n_min_trials, 1)

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        name = type(self).__name__
        if study._is_multi_objective():
            return decide_by_dominance(
                study, trial, pruner=name, share=max(self._percentile, 1e-9) / 100.0,
                n_startup_trials=self._n_startup_trials, n_warmup_steps=self._n_warmup_steps,
                interval_steps=self._interval_steps, n_min_trials=self._n_min_trials,
            )
        step = trial.last_step
        if step is None:
            return keep(name, Rule.NO_REPORT, None)
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if not completed or len(completed) < self._n_startup_trials:
            return keep(name, Rule.STARTUP, step, compared={
                "n_complete": len(completed), "n_startup_trials": self._n_startup_trials})
        if step < self._n_warmup_steps:
            return keep(name, Rule.WARMUP, step,
                        compared={"n_warmup_steps": self._n_warmup_steps})
        if not is_first_in_interval_step(
            step, trial.intermediate_values, self._n_warmup_steps, self._interval_steps
        ):
            return keep(name, Rule.INTERVAL, step,
                        compared={"interval_steps": self._interval_steps})
        direction = study.directions[0]
        best = best_intermediate_value(trial, direction)
        if math.isnan(best):
            return stop(name, Rule.NAN, step, value=best)
        numbers = []
        values = []
        for other in completed:
            value = other.intermediate_values.get(step)
            if value is not None:
                numbers.append(other.number)
                values.append(value)
        compared = {"percentile": self._percentile, "n_trials": len(values),
                    "trials": format_numbers(numbers)}
        finite = [v for v in values if not math.isnan(v)]
        if len(values) < self._n_min_trials or not finite:
            compared["n_min_trials"] = self._n_min_trials
            return keep(name, Rule.TOO_FEW_TRIALS, step, value=best, compared=compared)
        maximize = direction == StudyDirection.MAXIMIZE
        q = 100.0 - self._percentile if maximize else self._percentile
        threshold = percentile_of(finite, q)
        worse = best < threshold if maximize else best > threshold
        return (stop if worse else keep)(
            name, Rule.PERCENTILE, step, value=best, threshold=threshold, compared=compared
        )

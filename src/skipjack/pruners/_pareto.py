"""``ParetoPruner``: prune a trial whose reported vector is dominated by a share of the others.

The multi-objective generalisation of the median rule. At the trial's last reported step, the
trial's vector (``trial.report([v0, v1, ...], step)``) is compared with the vectors the COMPLETE
trials reported at the same step; the trial is pruned when at least ``dominated_share`` of them
Pareto-dominate it (directions taken from the study). In a single-objective study the vectors are
the scalar intermediate values, and "dominate" means "strictly better".

``MedianPruner`` and ``PercentilePruner(p)`` use the same rule in multi-objective studies, with
``dominated_share = p / 100`` (0.5 for the median).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.pruners._attrs import vector_at
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import check_int, check_number, is_first_in_interval_step, keep, stop
from skipjack.pruners._decision import PruneDecision, Rule, format_numbers

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["ParetoPruner", "decide_by_dominance", "reported_vector"]


class ParetoPruner(BasePruner):
    """Prune when the trial's reported vector is dominated by a share of the completed trials.

    Args:
        dominated_share: prune when at least this share (in (0, 1]) of the completed trials that
            reported the same step dominate the trial's vector.
        n_startup_trials: no pruning until this many trials have completed.
        n_warmup_steps: no pruning before this step.
        interval_steps: check once per this many steps (after the warm-up).
        n_min_trials: no pruning at a step fewer completed trials reported.

    Raises:
        ValueError: an argument is out of range (the message names it).
    """

    def __init__(
        self,
        dominated_share: float = 0.5,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        owner = "ParetoPruner"
        share = check_number(owner, "dominated_share", dominated_share)
        if not 0.0 < share <= 1.0:
            raise ValueError(
                f"The 'dominated_share' argument of ParetoPruner must be in (0, 1]. Got {share}."
            )
        self._share = share
        self._n_startup_trials = check_int(owner, "n_startup_trials", n_startup_trials, 0)
        self._n_warmup_steps = check_int(owner, "n_warmup_steps", n_warmup_steps, 0)
        self._interval_steps = check_int(owner, "interval_steps", interval_steps, 1)
        self._n_min_trials = check_int(owner, "n_min_trials", n_min_trials, 1)

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        return decide_by_dominance(
            study,
            trial,
            pruner="ParetoPruner",
            share=self._share,
            n_startup_trials=self._n_startup_trials,
            n_warmup_steps=self._n_warmup_steps,
            interval_steps=self._interval_steps,
            n_min_trials=self._n_min_trials,
        )


def reported_vector(trial: FrozenTrial, step: int, n_objectives: int) -> tuple[float, ...] | None:
    """The vector ``trial`` reported at ``step``: its stored vector, or its scalar value."""
    if n_objectives > 1:
        vector = vector_at(trial.system_attrs, step)
        if vector is not None and len(vector) == n_objectives:
            return vector
        return None
    value = trial.intermediate_values.get(step)
    return None if value is None else (value,)


def _loss(vector: Sequence[float], directions: Sequence[StudyDirection]) -> list[float]:
    return [-v if d == StudyDirection.MAXIMIZE else v for v, d in zip(vector, directions)]


def decide_by_dominance(
    study: ReadOnlyStudy,
    trial: FrozenTrial,
    *,
    pruner: str,
    share: float,
    n_startup_trials: int,
    n_warmup_steps: int,
    interval_steps: int,
    n_min_trials: int,
) -> PruneDecision:
    """The dominance rule shared by ``ParetoPruner`` and the multi-objective percentile mode."""
    step = trial.last_step
    if step is None:
        return keep(pruner, Rule.NO_REPORT, None)
    completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not completed or len(completed) < n_startup_trials:
        return keep(pruner, Rule.STARTUP, step, compared={
            "n_complete": len(completed), "n_startup_trials": n_startup_trials})
    if step < n_warmup_steps:
        return keep(pruner, Rule.WARMUP, step, compared={"n_warmup_steps": n_warmup_steps})
    if not is_first_in_interval_step(step, trial.intermediate_values, n_warmup_steps,
                                     interval_steps):
        return keep(pruner, Rule.INTERVAL, step, compared={"interval_steps": interval_steps})
    directions = study.directions
    n_objectives = len(directions)
    mine = reported_vector(trial, step, n_objectives)
    if mine is None:
        # A scalar report in a multi-objective study: nothing to compare.
        return keep(pruner, Rule.NO_REPORT, step)
    if any(math.isnan(v) for v in mine):
        return stop(pruner, Rule.NAN, step, value=list(mine))
    my_loss = _loss(mine, directions)
    numbers: list[int] = []
    dominating: list[int] = []
    for other in completed:
        vector = reported_vector(other, step, n_objectives)
        if vector is None or any(math.isnan(v) for v in vector):
            continue
        numbers.append(other.number)
        loss = _loss(vector, directions)
        if all(a <= b for a, b in zip(loss, my_loss)) and any(
            a < b for a, b in zip(loss, my_loss)
        ):
            dominating.append(other.number)
    compared = {
        "dominated_share": share,
        "n_trials": len(numbers),
        "n_dominating": len(dominating),
        "trials": format_numbers(numbers),
        "dominating_trials": format_numbers(dominating),
    }
    if len(numbers) < n_min_trials or not numbers:
        compared["n_min_trials"] = n_min_trials
        return keep(pruner, Rule.TOO_FEW_TRIALS, step, value=list(mine), compared=compared)
    observed = len(dominating) / len(numbers)
    make = stop if observed >= share else keep
    return make(pruner, Rule.DOMINANCE, step, value=observed, threshold=share,
                compared={**compared, "vector": list(mine)})

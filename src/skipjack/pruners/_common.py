"""Helpers shared by the built-in pruners: argument checks, pruning steps, best values."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, StudyDirection
from skipjack.pruners._decision import PruneDecision, PruneVerdict

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = [
    "check_int",
    "check_number",
    "is_first_in_interval_step",
    "best_intermediate_value",
    "single_direction",
    "keep",
    "stop",
]


def check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    """Return ``value`` as an int, or raise naming the argument, the value and the fix."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"The '{name}' argument of {owner} must be an int. Got {value!r}.")
    if value < minimum:
        raise ValueError(f"The '{name}' argument of {owner} must be >= {minimum}. Got {value}.")
    return value


def check_number(owner: str, name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise naming the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise TypeError(
                f"The '{name}' argument of {owner} must be a float. Got {value!r}."
            ) from None
    return float(value)


def is_first_in_interval_step(
    step: int, steps: Iterable[int], n_warmup_steps: int, interval_steps: int
) -> bool:
    """True when ``step`` is the first reported step at or past a pruning step.

    Pruning steps are ``n_warmup_steps + k * interval_steps``; a trial that reports sparse steps
    is still checked once per interval: when no earlier report reached the latest pruning step.
    """
    pruning_step = (step - n_warmup_steps) // interval_steps * interval_steps + n_warmup_steps
    previous = max((s for s in steps if s != step), default=-1)
    return previous < pruning_step


def best_intermediate_value(trial: FrozenTrial, direction: StudyDirection) -> float:
    """The best reported value of ``trial`` (NaN reports ignored; NaN when all are NaN)."""
    values = [v for v in trial.intermediate_values.values() if not math.isnan(v)]
    if not values:
        return math.nan
    return max(values) if direction == StudyDirection.MAXIMIZE else min(values)


def single_direction(study: ReadOnlyStudy, pruner: str) -> StudyDirection:
    """The study's direction, or a clear error for a multi-objective study."""
    if study._is_multi_objective():
        raise NotImplementedError(
            f"{pruner} supports single-objective studies only. For a multi-objective study use "
            "ParetoPruner, MedianPruner or PercentilePruner, which prune by Pareto dominance."
        )
    return study.directions[0]


def keep(pruner: str, rule: str, step: int | None, **fields: Any) -> PruneDecision:
    """A CONTINUE decision."""
    return PruneDecision(PruneVerdict.CONTINUE, pruner, rule, step, **fields)


def stop(pruner: str, rule: str, step: int | None, **fields: Any) -> PruneDecision:
    """A PRUNE decision."""
    return PruneDecision(PruneVerdict.PRUNE, pruner, rule, step, **fields)

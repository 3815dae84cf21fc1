"""Constraint values from a sampler's (deprecated) ``constraints_func``, stored as Optuna does.

Optuna's samplers call ``constraints_func(trial)`` in ``after_trial`` for every COMPLETE or PRUNED
trial and store the values in the trial's system attribute ``constraints``, so every worker and
every later reader (Optuna's too) sees them, and ``FrozenTrial.constraints`` returns them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["store_constraints"]


def store_constraints(
    constraints_func: Callable[[FrozenTrial], Sequence[float]],
    study: ReadOnlyStudy,
    trial: FrozenTrial,
    state: TrialState,
    owner: str,
) -> list[float] | None:
    """Call ``constraints_func`` on a finished COMPLETE/PRUNED ``trial`` and store its values
    (None when it raised, as Optuna); return them.

    Raises:
        ValueError: a value is NaN or not a number (the trial still finishes, without
            constraints).
    """
    if state not in (TrialState.COMPLETE, TrialState.PRUNED):
        return None
    constraints: list[float] | None = None
    try:
        raw = constraints_func(trial)
        if not isinstance(raw, (tuple, list)):
            warnings.warn(
                f"Constraints should be a sequence of floats but got {type(raw).__name__}.",
                stacklevel=3,
            )
        try:
            values = [float(c) for c in raw]
        except (TypeError, ValueError):
            raise ValueError(
                f"The 'constraints_func' of {owner} must return a sequence of floats. "
                f"Got {raw!r}."
            ) from None
        if any(math.isnan(c) for c in values):
            raise ValueError(
                "Constraint values cannot be NaN: the constraint values returned by "
                f"'constraints_func' of {owner} for trial {trial.number} are {values!r}."
            )
        constraints = values
    finally:
        study.storage.set_trial_system_attr(trial.trial_id, CONSTRAINTS_KEY, constraints)
    return constraints

"""``optuna.samplers._base``: skipjack's sampler base plus the constraints helper add-ons call."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from skipjack._records import FrozenTrial, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack.samplers._base import *  # noqa: F403
from skipjack.samplers._base import BaseSampler
from skipjack.study import Study

__all__ = ["BaseSampler", "_process_constraints_after_trial", "_CONSTRAINTS_KEY"]

_CONSTRAINTS_KEY = CONSTRAINTS_KEY


def _process_constraints_after_trial(
    constraints_func: Callable[[FrozenTrial], Sequence[float]],
    study: Study,
    trial: FrozenTrial,
    state: TrialState,
) -> None:
    """Record ``constraints_func(trial)`` under the constraints key of a finished trial."""
    if state not in (TrialState.COMPLETE, TrialState.PRUNED):
        return
    constraints = [float(c) for c in constraints_func(trial)]
    study._storage.set_trial_system_attr(trial._trial_id, CONSTRAINTS_KEY, constraints)

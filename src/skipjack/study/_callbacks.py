"""Callbacks for ``Study.optimize``."""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial, TrialState

if TYPE_CHECKING:
    from skipjack.study._study import Study

__all__ = ["MaxTrialsCallback"]


class MaxTrialsCallback:
    """Stop the study once it holds ``n_trials`` trials in ``states`` (across all workers).

    Args:
        n_trials: the number of trials at which to stop.
        states: the states that count (default COMPLETE; None counts every trial).
    """

    def __init__(
        self, n_trials: int, states: Container[TrialState] | None = (TrialState.COMPLETE,)
    ) -> None:
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        states = self._states
        if states is None:
            n = study._storage.get_n_trials(study._study_id)
        else:
            n = study._storage.get_n_trials(
                study._study_id, tuple(s for s in TrialState if s in states)
            )
        if n >= self._n_trials:
            study.stop()

"""The intersection search space: the parameters every finished trial of a study shares.

Incremental: ``IntersectionSearchSpace.calculate`` reads the study's feed, so it only looks at
trials that changed since the previous call and its cost per trial does not grow with the study.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial, TrialState
from skipjack._study_feed import TrialFeed
from skipjack.distributions import BaseDistribution

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["IntersectionSearchSpace", "intersection_search_space"]


def _intersect(
    space: dict[str, BaseDistribution] | None, trial: FrozenTrial
) -> dict[str, BaseDistribution]:
    if space is None:
        return dict(trial.distributions)
    dists = trial.distributions
    return {n: d for n, d in space.items() if dists.get(n) == d}


class IntersectionSearchSpace:
    """Keep the intersection of the search spaces of a study's finished trials.

    Reads the study through its feed (``skipjack/_study_feed.py``): each call looks only at the
    trials that changed since the previous one; unfinished trials do not count until they finish.

    Args:
        include_pruned: count PRUNED trials as well as COMPLETE ones.

    Raises:
        ValueError: from ``calculate``, given a study other than the first one it saw.
    """

    def __init__(self, include_pruned: bool = False) -> None:
        self._include_pruned = include_pruned
        states = (
            (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)
        )
        self._study_id: int | None = None
        self._feed = TrialFeed(states)

    def calculate(self, study: ReadOnlyStudy) -> dict[str, BaseDistribution]:
        """Return the intersection search space of ``study``, sorted by parameter name."""
        study_id = study.study_id
        if study_id != self._study_id:
            if self._study_id is not None:
                # as Optuna: one instance follows one study (its position is that study's)
                raise ValueError(
                    "`IntersectionSearchSpace` is not supposed to be used with several studies: "
                    f"this one follows study_id {self._study_id}, not {study_id}. Create one "
                    "IntersectionSearchSpace per study."
                )
            self._study_id = study_id
        self._feed.poll(study, key=study_id)
        return dict(self._feed.search_space)


def intersection_search_space(
    trials: Sequence[FrozenTrial], include_pruned: bool = False
) -> dict[str, BaseDistribution]:
    """Return the intersection search space of the finished ``trials``, sorted by name."""
    states = (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)
    space: dict[str, BaseDistribution] | None = None
    for trial in trials:
        if trial.state in states:
            space = _intersect(space, trial)
    return dict(sorted((space or {}).items()))

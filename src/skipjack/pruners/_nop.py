"""``NopPruner``: never prunes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial
from skipjack.pruners._base import BasePruner
from skipjack.pruners._decision import PruneDecision, PruneVerdict, Rule

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["NopPruner"]


class NopPruner(BasePruner):
    """A pruner that never prunes a trial."""

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return False

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        return PruneDecision(PruneVerdict.CONTINUE, "NopPruner", Rule.NEVER, trial.last_step)

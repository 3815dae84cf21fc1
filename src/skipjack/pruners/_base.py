"""The pruner contract: ``BasePruner``.

``prune(study, trial)`` is called by ``Trial.should_prune()`` with the running trial's record
(including its reported intermediate values). It reads the study and returns a decision; it never
writes to the storage.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["BasePruner"]


class BasePruner(abc.ABC):
    """Base class of pruners (Optuna's interface)."""

    @abc.abstractmethod
    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return True when ``trial`` should stop now."""

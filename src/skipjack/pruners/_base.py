"""The pruner contract: ``BasePruner``.

``prune(study, trial)`` is called by ``Trial.should_prune()`` with the running trial's record
(including its reported intermediate values). It reads the study and returns a decision; it never
writes to the storage.

skipjack adds ``decide(study, trial) -> PruneDecision``: the same decision with its reason. The
built-in pruners implement ``decide`` and derive ``prune`` from it; a user pruner that only
implements ``prune`` gets a ``decide`` that wraps its bool (rule ``"custom"``).
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial
from skipjack.pruners._decision import PruneDecision

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["BasePruner"]


class BasePruner(abc.ABC):
    """Base class of pruners (Optuna's interface).

    Who calls it: ``Trial.should_prune()``, in the worker running the trial, typically once per
    reported step. It must only read the study (``study.get_trials(deepcopy=False, ...)``,
    ``study.directions``, ``study.study_name``) and must not write to the storage: the same
    stored history must give the same decision in every worker. Pruners are shared by the
    threads of ``optimize(n_jobs=k)``, so they keep no per-trial mutable state.
    """

    @abc.abstractmethod
    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        """Return True when ``trial`` should stop now."""

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        """Return the decision for ``trial`` with the rule, threshold and values behind it.

        The default wraps ``prune``; built-in pruners override it (and derive ``prune`` from it).
        """
        return PruneDecision.from_bool(
            bool(self.prune(study, trial)), type(self).__name__, trial.last_step
        )

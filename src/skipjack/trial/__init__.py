"""Trials: the live ``Trial``, ``FixedTrial``, and the records ``FrozenTrial`` and ``TrialState``."""

from skipjack._records import FrozenTrial, TrialState, create_trial
from skipjack.trial._base import BaseTrial
from skipjack.trial._fixed import FixedTrial
from skipjack.trial._trial import Trial

__all__ = ["BaseTrial", "FixedTrial", "FrozenTrial", "Trial", "TrialState", "create_trial"]

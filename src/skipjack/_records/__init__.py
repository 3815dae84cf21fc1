"""Plain records at the bottom of the stack: trial and study states and immutable trial records.

Nothing here imports anything above the data layer.
"""

from skipjack._records._frozen_study import FrozenStudy, StudySummary
from skipjack._records._frozen_trial import FrozenTrial, create_trial
from skipjack._records._state import StudyDirection, TrialState

__all__ = [
    "FrozenStudy",
    "FrozenTrial",
    "StudyDirection",
    "StudySummary",
    "TrialState",
    "create_trial",
]

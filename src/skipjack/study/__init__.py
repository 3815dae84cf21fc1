"""Studies: ``Study``, the module functions that create and load them, and their records."""

from skipjack._records import StudyDirection, StudySummary
from skipjack.study._budgets import (
    CostBudget,
    FailureRateBreaker,
    TrialSecondsBudget,
    WallClockBudget,
)
from skipjack.study._callbacks import MaxTrialsCallback
from skipjack.study._functions import (
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from skipjack.study._study import Study

__all__ = [
    "CostBudget",
    "FailureRateBreaker",
    "MaxTrialsCallback",
    "Study",
    "StudyDirection",
    "StudySummary",
    "TrialSecondsBudget",
    "WallClockBudget",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
]

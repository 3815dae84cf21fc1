"""``optuna.study._study_direction``."""

from skipjack._records import StudyDirection

__all__ = ["StudyDirection"]

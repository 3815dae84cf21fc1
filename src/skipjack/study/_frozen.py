"""``optuna.study._frozen``."""

from skipjack._records import FrozenStudy

__all__ = ["FrozenStudy"]

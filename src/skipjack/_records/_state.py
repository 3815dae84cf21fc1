"""Enumerations of trial states and study directions (Optuna's names and values)."""

from __future__ import annotations

import enum

__all__ = ["TrialState", "StudyDirection"]


class TrialState(enum.IntEnum):
    """State of a trial: RUNNING=0, COMPLETE=1, PRUNED=2, FAIL=3, WAITING=4."""

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"TrialState.{self.name}"

    def is_finished(self) -> bool:
        """Return True for COMPLETE, PRUNED and FAIL."""
        return self is not _RUNNING and self is not _WAITING


_RUNNING = TrialState.RUNNING
_WAITING = TrialState.WAITING


class StudyDirection(enum.IntEnum):
    """Direction of an objective: NOT_SET=0, MINIMIZE=1, MAXIMIZE=2."""

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"StudyDirection.{self.name}"

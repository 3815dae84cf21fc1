"""Every exception skipjack raises on purpose.

The tree::

    OptunaError (alias SkipjackError)
    ├── TrialPruned            raised inside an objective to prune the running trial
    ├── CLIUsageError          a command line that cannot be carried out
    ├── StorageInternalError   a storage backend failed in a way the caller cannot fix
    ├── DuplicatedStudyError   create_study with a name that exists (use load_if_exists=True)
    └── UpdateFinishedTrialError  a write to a trial that is already finished

``ExperimentalWarning`` marks features whose interface may still change.

The names and the tree are Optuna's, so ``except optuna.exceptions.TrialPruned`` keeps working
after ``import skipjack as optuna``.
"""

from __future__ import annotations

__all__ = [
    "OptunaError",
    "SkipjackError",
    "TrialPruned",
    "CLIUsageError",
    "StorageInternalError",
    "DuplicatedStudyError",
    "UpdateFinishedTrialError",
    "ExperimentalWarning",
]


class OptunaError(Exception):
    """Base class of skipjack's own errors (named as Optuna names it, for drop-in use)."""


SkipjackError = OptunaError


class TrialPruned(OptunaError):
    """Raise inside an objective to stop the running trial early and mark it PRUNED."""


class CLIUsageError(OptunaError):
    """A command line that cannot be carried out; the message says which option to fix."""


class StorageInternalError(OptunaError):
    """A storage backend failed after its retries; the message names the backend (no password)."""


class DuplicatedStudyError(OptunaError):
    """A study with the requested name exists already; pass ``load_if_exists=True`` to reuse it."""


class UpdateFinishedTrialError(OptunaError, RuntimeError):
    """A finished trial (COMPLETE, PRUNED or FAIL) cannot be changed."""


class ExperimentalWarning(Warning):
    """The feature works, but its interface may change in a later release."""

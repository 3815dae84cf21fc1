"""skipjack: fast hyperparameter optimization with Optuna's API (``import skipjack as optuna``)."""

from __future__ import annotations

import importlib
from typing import Any

from skipjack import distributions, exceptions, logging, pruners, samplers, storages, study, trial
from skipjack.exceptions import TrialPruned
from skipjack.study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from skipjack.trial import Trial, create_trial
from skipjack.version import __version__

__all__ = [
    "Study",
    "Trial",
    "TrialPruned",
    "__version__",
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
    "distributions",
    "exceptions",
    "logging",
    "pruners",
    "samplers",
    "search_space",
    "storages",
    "study",
    "trial",
    "importance",
    "visualization",
    "artifacts",
    "integration",
    "terminator",
    "testing",
    "install_as_optuna",
]

_LAZY_MODULES = ("search_space", "importance", "visualization", "artifacts", "integration",
                 "terminator",
                 "testing", "cli", "report", "observability")


def __getattr__(name: str) -> Any:
    if name == "install_as_optuna":
        from skipjack._optuna_alias import install_as_optuna

        return install_as_optuna
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"skipjack.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'skipjack' has no attribute {name!r}")

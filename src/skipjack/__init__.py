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
                 "testing", "cli", "report", "observability",
                 # Optuna's private modules that add-ons read as attributes of the package
                 # without importing them (``optuna._imports.try_import()`` in optuna-integration's
                 # PyTorch Lightning and Ignite callbacks): ``import optuna`` has loaded them.
                 "_imports", "_experimental", "_deprecated", "_transform", "_typing", "version")


def install_as_optuna(*, children: bool = False) -> None:
    """Make ``import optuna`` (and ``optuna.x.y``) resolve to skipjack in this process.

    For Optuna add-ons (optuna-dashboard, optuna-integration, optunahub, ...) that import
    ``optuna`` themselves; call it before anything imports optuna. ``children=True`` extends it
    to child processes started afterwards. ``python -m skipjack run script.py`` does the same
    for a whole program. See docs/ecosystem.md.
    """
    from skipjack._optuna_alias import install_as_optuna as install

    install(children=children)


def _activate_observability() -> None:
    # Loaded only when an observability variable is set (see skipjack/study/_hooks.py).
    from skipjack.observability._switches import apply_environment

    apply_environment()


study._hooks.set_environment_activator(_activate_observability)


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"skipjack.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'skipjack' has no attribute {name!r}")

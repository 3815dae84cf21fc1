"""The instrumentation seam of the optimize loop: ``StudyHooks`` and ``TrialObserver``.

A study holds ``study._hooks``: None by default, or a ``StudyHooks`` object. The optimize loop tests
``study._hooks is not None`` once per trial; when hooks are set it asks them for a
``TrialObserver`` and calls it at each step of the trial. Metrics, traces and structured logs
(``skipjack.observability``) are built on this seam; the study layer knows nothing of them.

Order of calls for one trial run by ``Study.optimize``::

    observer = hooks.trial_begin(study)        # before ask
    observer.after_ask(trial)                   # trial created, relative sampling may run here
    observer.objective_start()
    observer.report(step, value)                # from Trial.report, any number of times
    observer.should_prune(decision)             # from Trial.should_prune, any number of times
    observer.objective_end(state, error)        # state None if the objective returned
    observer.tell_start()
    observer.trial_end(frozen_trial)            # always, also when tell raised (frozen may be None)

Observers must be cheap and must not raise: an exception from an observer propagates like an
error in the loop. ``ask``/``tell`` called directly by a user are not instrumented.

Design note: global hooks (``set_global_hooks``) are attached to every ``Study`` created
afterwards; ``SKIPJACK_TRACING``/``SKIPJACK_METRICS_PORT``/``SKIPJACK_LOG_FORMAT`` are applied by
``skipjack.observability`` through the activator the top-level package registers
(``set_environment_activator``); it runs at the first ``Study`` construction only when one of those
variables is set, so a plain run never loads the instrumentation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial, TrialState
    from skipjack.study._study import Study
    from skipjack.trial import Trial

__all__ = ["StudyHooks", "TrialObserver", "set_global_hooks", "get_global_hooks",
           "set_environment_activator"]

_ENV_VARS = ("SKIPJACK_TRACING", "SKIPJACK_METRICS_PORT", "SKIPJACK_LOG_FORMAT")


class TrialObserver:
    """Receives the events of one trial (all methods are no-ops here)."""

    def after_ask(self, trial: Trial) -> None:
        """The trial was created; its number and fixed parameters are known."""

    def objective_start(self) -> None:
        """The objective is about to be called."""

    def report(self, step: int, value: float) -> None:
        """``trial.report(value, step)`` was recorded."""

    def should_prune(self, decision: bool) -> None:
        """``trial.should_prune()`` returned ``decision``."""

    def objective_end(self, state: TrialState | None, error: BaseException | None) -> None:
        """The objective returned (state None) or raised (PRUNED or FAIL with the error)."""

    def tell_start(self) -> None:
        """The trial is about to be told (finished in the storage)."""

    def trial_end(self, frozen: FrozenTrial | None) -> None:
        """The trial finished with record ``frozen`` (None if telling it raised)."""


class StudyHooks:
    """Instrumentation attached to a study; returns one ``TrialObserver`` per trial."""

    def bind(self, study: Study) -> StudyHooks | None:
        """Called when a ``Study`` is created while these hooks are global.

        Returns the hooks to store in ``study._hooks`` (e.g. ``self``), or None to skip the study.
        May wrap ``study._storage`` (e.g. to time storage calls).
        """
        return self

    def trial_begin(self, study: Study) -> TrialObserver:
        """Called before ``ask``; returns the observer of the new trial (must be thread safe)."""
        return TrialObserver()


_global_hooks: StudyHooks | None = None
_env_checked = False
_activator: Callable[[], None] | None = None


def set_global_hooks(hooks: StudyHooks | None) -> None:
    """Attach ``hooks`` to every ``Study`` created from now on (None: stop attaching)."""
    global _global_hooks
    _global_hooks = hooks


def set_environment_activator(activate: Callable[[], None] | None) -> None:
    """Register what to run, once, when the first study is built while one of the
    ``SKIPJACK_TRACING``/``SKIPJACK_METRICS_PORT``/``SKIPJACK_LOG_FORMAT`` variables is set.

    The top-level package registers ``skipjack.observability``'s ``apply_environment`` here, so
    this layer never imports the instrumentation (nor names it)."""
    global _activator
    _activator = activate


def get_global_hooks() -> StudyHooks | None:
    """Return the global hooks (after running the environment activator if a variable asks)."""
    global _env_checked
    if not _env_checked:
        _env_checked = True
        if _activator is not None and any(os.environ.get(name) for name in _ENV_VARS):
            _activator()
    return _global_hooks


def bind_global_hooks(study: Study) -> Any:
    """Return what ``study._hooks`` should hold for a new study (None by default)."""
    hooks = get_global_hooks()
    return None if hooks is None else hooks.bind(study)

"""The sampler contract: ``BaseSampler``.

Who calls what, and when (per trial, in this order):

1. ``before_trial(study, trial)`` once, when the trial starts.
2. ``infer_relative_search_space(study, trial)`` when the trial starts, then
   ``sample_relative(study, trial, space)`` once, at the first suggest the sampler decides (not
   a fixed, enqueued or single-valued parameter), even when ``space`` is empty, as in Optuna: the
   sampler decides several parameters together (e.g. multivariate TPE, CMA-ES). The values are
   used when the objective suggests those parameters. A trial that suggests nothing gets no
   ``sample_relative`` call.
3. ``sample_independent(study, trial, name, distribution)`` for each parameter the objective
   suggests that relative sampling did not decide (a fallback, one parameter at a time).
4. ``after_trial(study, trial, state, values)`` once, when the trial finishes, before its state is
   stored.

Two optional hooks, declared here with no-op defaults (override them; wrappers forward them):

- ``study_system_attrs(study, trial) -> dict``: called once when the trial starts, right after
  ``before_trial``; the live trial records the items as study system attributes (e.g.
  AutoSampler records a change of algorithm).
- ``trial_system_attrs(study, trial) -> dict``: called right after ``sample_relative``; the live
  trial records the items as the trial's system attributes. This is how a sampler shares state
  between workers (e.g. the generation a trial belongs to) while staying read-only itself.

Samplers are decision makers: they read the study (``study.get_trials``, ``study.directions``) and
return values in the parameters' external representation. Built-in samplers never write to a
storage; state they keep between trials is their own. A sampler may be called from several
threads of one ``optimize(n_jobs=...)`` at once; it must hold its own lock around mutable state.
"""

from __future__ import annotations

import abc
import warnings
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution

if TYPE_CHECKING:
    from collections.abc import Sequence

    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["BaseSampler"]

# The no-op hooks' answer (shared: callers only read it).
_NOTHING: dict[str, Any] = {}


class BaseSampler(abc.ABC):
    """Base class of samplers (Optuna's interface)."""

    def __str__(self) -> str:
        return type(self).__name__

    @abc.abstractmethod
    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """Return the parameters to sample jointly for ``trial`` (empty for none)."""

    @abc.abstractmethod
    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """Return values (external representation) for parameters of ``search_space``."""

    @abc.abstractmethod
    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Return a value (external representation) for one parameter."""

    def before_trial(self, study: ReadOnlyStudy, trial: FrozenTrial) -> None:
        """Called once when ``trial`` starts, before any sampling."""

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Called once when ``trial`` finishes, before its state is stored."""

    def study_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        """Study system attributes to record when ``trial`` starts (default: none)."""
        return _NOTHING

    def trial_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        """System attributes to record on ``trial`` after ``sample_relative`` (default: none)."""
        return _NOTHING

    def reseed_rng(self) -> None:
        """Reseed the random number generator (called for each worker of a parallel run)."""

    def _raise_error_if_multi_objective(self, study: ReadOnlyStudy) -> None:
        if study._is_multi_objective():
            raise ValueError(
                f"If the study is being used for multi-objective optimization, {self} cannot "
                "be used: pick a multi-objective sampler such as TPESampler or NSGAIISampler."
            )


_FALLBACK_WARNING = (
    "The parameter '{param_name}' in trial#{trial_number} is sampled independently by using "
    "`{independent_sampler_name}` instead of `{sampler_name}` (optimization performance may be "
    "degraded). {reason} You can suppress this warning by setting `warn_independent_sampling` "
    "to `False` in the constructor of `{sampler_name}`, if this independent sampling is intended "
    "behavior."
)


def warn_independent_sampling(
    param_name: str,
    trial_number: int,
    sampler_name: str,
    independent_sampler_name: str,
    reason: str,
) -> None:
    """Warn that a parameter fell back to the independent sampler, saying why and how to silence."""
    warnings.warn(
        _FALLBACK_WARNING.format(
            param_name=param_name,
            trial_number=trial_number,
            independent_sampler_name=independent_sampler_name,
            sampler_name=sampler_name,
            reason=reason,
        ),
        stacklevel=3,
    )

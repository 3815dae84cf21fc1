"""``PartialFixedSampler``: fix some parameters, let another sampler choose the rest."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution, CategoricalDistribution
from skipjack.samplers._base import BaseSampler

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["PartialFixedSampler"]


@experimental("2.4.0")
class PartialFixedSampler(BaseSampler):
    """Return fixed values for the parameters in ``fixed_params``; delegate the others.

    The fixed parameters are left out of the base sampler's relative search space, so a
    multivariate base sampler models only the free ones. A fixed value outside the distribution
    of its ``suggest_*`` call is used anyway, with a warning (as Optuna does).

    Args:
        fixed_params: parameter name -> value to use in every trial.
        base_sampler: the sampler that decides every other parameter.

    Raises:
        TypeError: ``fixed_params`` is not a mapping or ``base_sampler`` not a sampler.
    """

    def __init__(self, fixed_params: Mapping[str, Any], base_sampler: BaseSampler) -> None:
        if not isinstance(fixed_params, Mapping):
            raise TypeError(
                "The 'fixed_params' argument of PartialFixedSampler must be a dict of parameter "
                f"name -> value. Got {type(fixed_params).__name__}: {fixed_params!r}."
            )
        if not isinstance(base_sampler, BaseSampler):
            raise TypeError(
                "The 'base_sampler' argument of PartialFixedSampler must be a sampler (a "
                f"BaseSampler instance, e.g. TPESampler()). Got {base_sampler!r}."
            )
        self._fixed_params = dict(fixed_params)
        self._base_sampler = base_sampler

    def reseed_rng(self) -> None:
        self._base_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._base_sampler.infer_relative_search_space(study, trial)
        return {n: d for n, d in space.items() if n not in self._fixed_params}

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._base_sampler.sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self._fixed_params:
            return self._base_sampler.sample_independent(
                study, trial, param_name, param_distribution
            )
        value = self._fixed_params[param_name]
        if isinstance(param_distribution, CategoricalDistribution):
            try:
                param_distribution.to_internal_repr(value)
            except ValueError:
                raise ValueError(
                    f"The fixed value {value!r} of parameter {param_name!r} is not one of the "
                    f"choices {list(param_distribution.choices)!r} given to suggest_categorical. "
                    "Fix it to one of those choices."
                ) from None
            return value
        if not param_distribution._contains(param_distribution.to_internal_repr(value)):
            warnings.warn(
                f"Fixed parameter '{param_name}' with value {value!r} is out of range for "
                f"distribution {param_distribution!r}.",
                stacklevel=2,
            )
        return value

    def before_trial(self, study: ReadOnlyStudy, trial: FrozenTrial) -> None:
        self._base_sampler.before_trial(study, trial)

    def study_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        return self._base_sampler.study_system_attrs(study, trial)

    def trial_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        return self._base_sampler.trial_system_attrs(study, trial)

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._base_sampler.after_trial(study, trial, state, values)

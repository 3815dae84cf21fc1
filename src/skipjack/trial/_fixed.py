"""``FixedTrial``: run an objective with given parameter values, without a study."""

from __future__ import annotations

import datetime
import warnings
from typing import Any

from skipjack._records._frozen_trial import (
    CONSTRAINT_NAMES_KEY,
    CONSTRAINTS_KEY,
    constraints_of,
    with_constraint,
)
from skipjack._records._suggest import as_external
from skipjack.distributions import BaseDistribution, check_distribution_compatibility
from skipjack.trial._base import BaseTrial

__all__ = ["FixedTrial"]


class FixedTrial(BaseTrial):
    """A trial whose ``suggest_*`` calls return the values given in ``params``.

    Useful to re-run an objective with the best parameters found, e.g.
    ``objective(FixedTrial(study.best_params))``.

    Raises:
        ValueError: on ``suggest_*`` of a name that ``params`` does not hold.
    """

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._params = params
        self._suggested_params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._intermediate_values: dict[int, float] = {}
        self._datetime_start = datetime.datetime.now()
        self._number = number

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise ValueError(
                f"The value of the parameter {name!r} is not found: add it to the params given "
                f"to FixedTrial (it holds {sorted(self._params)})."
            )
        value = self._params[name]
        internal = distribution.to_internal_repr(value)
        if not distribution._contains(internal):
            warnings.warn(
                f"The value {value!r} of the parameter {name!r} is out of the range of "
                f"{distribution!r}.",
                stacklevel=3,
            )
        if name in self._distributions:
            check_distribution_compatibility(self._distributions[name], distribution)
        self._suggested_params[name] = value
        self._distributions[name] = distribution
        return as_external(distribution, value)

    def report(self, value: float, step: int) -> None:
        """Does nothing: a fixed trial has no pruner."""

    def should_prune(self) -> bool:
        """Always False."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record a constraint value (feasible when <= 0)."""
        update = with_constraint(self._system_attrs, key, value)
        if update is not None:
            self._system_attrs[CONSTRAINT_NAMES_KEY] = update[0]
            self._system_attrs[CONSTRAINTS_KEY] = update[1]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._suggested_params)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._system_attrs)

    @property
    def constraints(self) -> dict[str, float]:
        return constraints_of(self._system_attrs)

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number

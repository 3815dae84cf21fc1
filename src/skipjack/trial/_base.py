"""``BaseTrial``: the interface an objective function sees (Trial, FixedTrial, FrozenTrial)."""

from __future__ import annotations

import abc
import warnings
import datetime
from collections.abc import Sequence
from typing import Any

from skipjack._records import FrozenTrial
from skipjack.distributions import BaseDistribution, CategoricalChoiceType

__all__ = ["BaseTrial"]


def _warn_deprecated_suggest(name: str, args: str) -> None:
    warnings.warn(
        f"{name} has been deprecated in v3.0.0. This feature will be removed in v6.0.0. "
        f"Use suggest_float{args} instead.",
        FutureWarning,
        stacklevel=3,
    )


class BaseTrial(abc.ABC):
    """What an objective may call on its trial argument."""

    @abc.abstractmethod
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]`` (log-scaled or on a ``step`` grid if asked)."""

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high)``."""
        _warn_deprecated_suggest("suggest_uniform", "")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high, log=True)``."""
        _warn_deprecated_suggest("suggest_loguniform", "(..., log=True)")
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high, step=q)``."""
        _warn_deprecated_suggest("suggest_discrete_uniform", "(..., step=...)")
        return self.suggest_float(name, low, high, step=q)

    @abc.abstractmethod
    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]``."""

    @abc.abstractmethod
    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices``."""

    @abc.abstractmethod
    def report(self, value: float, step: int) -> None:
        """Report an intermediate objective value at ``step``."""

    @abc.abstractmethod
    def should_prune(self) -> bool:
        """Return True when the pruner says the trial should stop."""

    @abc.abstractmethod
    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable attribute to the trial."""

    @abc.abstractmethod
    def set_system_attr(self, key: str, value: Any) -> None:
        """Deprecated: attach a system attribute."""

    @property
    @abc.abstractmethod
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far."""

    @property
    @abc.abstractmethod
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far."""

    @property
    @abc.abstractmethod
    def user_attrs(self) -> dict[str, Any]:
        """User attributes."""

    @property
    @abc.abstractmethod
    def system_attrs(self) -> dict[str, Any]:
        """System attributes."""

    @property
    @abc.abstractmethod
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""

    @property
    @abc.abstractmethod
    def number(self) -> int:
        """The trial's number in its study."""


# Optuna's FrozenTrial is a BaseTrial; ours lives in the bottom layer, so it is registered here.
BaseTrial.register(FrozenTrial)

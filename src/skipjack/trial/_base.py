"""``BaseTrial``: the interface an objective function sees (Trial, FixedTrial, FrozenTrial)."""

from __future__ import annotations

import abc
import datetime
from typing import Any

from skipjack._records import FrozenTrial
from skipjack._records._suggest import SuggestAPI
from skipjack.distributions import BaseDistribution

__all__ = ["BaseTrial"]


class BaseTrial(SuggestAPI, abc.ABC):
    """What an objective may call on its trial argument: the ``suggest_*`` methods (written once,
    over ``_suggest``, in ``_records/_suggest.py``), reports, pruning and attributes."""

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

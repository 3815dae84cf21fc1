"""The trial front-end: Optuna's ``suggest_*`` methods, written once over one primitive.

``SuggestAPI`` builds the distribution of each ``suggest_*`` call (its constructor validates the
arguments) and hands it to ``_suggest(name, distribution)``, which returns the parameter's value
as the objective sees it. ``FixedTrial``, ``FrozenTrial`` and the isolated-process trial inherit
every method (the deprecated ``suggest_uniform``/``loguniform``/``discrete_uniform`` included) and
implement ``_suggest`` only. The live ``Trial`` also implements ``_suggest`` (its general path)
and overrides ``suggest_float``/``suggest_int``/``suggest_categorical`` with the fast path of a
new parameter (``trial/_trial.py``), which reaches the same result.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from skipjack.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

__all__ = ["SuggestAPI"]


class SuggestAPI:
    """``suggest_*`` over the primitive ``_suggest`` (a mixin: no state of its own)."""

    __slots__ = ()

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        """Return the value of parameter ``name`` drawn from (or checked against)
        ``distribution``, in its external representation."""
        raise NotImplementedError

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]`` (log-scaled with ``log``, on a ``step`` grid)."""
        return float(self._suggest(name, FloatDistribution(low, high, log=log, step=step)))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]`` (on a ``step`` grid, or in log space with ``log``)."""
        return int(self._suggest(name, IntDistribution(low, high, log=log, step=step)))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices`` (None, bool, int, float or str values)."""
        value: CategoricalChoiceType = self._suggest(name, CategoricalDistribution(choices))
        return value

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high)``."""
        _warn_deprecated("suggest_uniform", "")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high, log=True)``."""
        _warn_deprecated("suggest_loguniform", "(..., log=True)")
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high, step=q)``."""
        _warn_deprecated("suggest_discrete_uniform", "(..., step=...)")
        return self.suggest_float(name, low, high, step=q)


def _warn_deprecated(name: str, args: str) -> None:
    warnings.warn(
        f"{name} has been deprecated in v3.0.0. This feature will be removed in v6.0.0. "
        f"Use suggest_float{args} instead.",
        FutureWarning,
        stacklevel=3,
    )

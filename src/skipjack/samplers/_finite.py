"""Helpers shared by the samplers that enumerate a finite space (grid and brute force).

- ``value_key``: a hashable key under which equal parameter values meet, whatever their origin
  (a value read back from a storage is a float where the grid held an int; ``True`` must not meet
  ``1``).
- ``enumerate_distribution``: every value a finite distribution can take, in order.
- ``stop_study``: ask a running ``optimize`` to stop; a no-op under ask-and-tell.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["value_key", "enumerate_distribution", "stop_study"]

# Floats are compared after rounding to this many significant digits, so that 0.1 + 0.2 computed
# by one worker meets 0.3 computed by another.
_DIGITS = 12


def value_key(value: Any) -> tuple[Any, ...]:
    """Return the hashable key of a parameter value (numbers by value, bools and None apart)."""
    if value is None:
        return ("none",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        v = float(value)
        if v == 0.0 or not math.isfinite(v):
            return ("num", v + 0.0)
        return ("num", float(f"{v:.{_DIGITS}g}"))
    if isinstance(value, str):
        return ("str", value)
    return ("other", repr(value))


def enumerate_distribution(distribution: BaseDistribution) -> list[Any]:
    """Return every value of a finite ``distribution`` (external representation), in order.

    Raises:
        ValueError: the distribution is continuous (a float without ``step`` and ``low < high``).
    """
    if isinstance(distribution, CategoricalDistribution):
        return list(distribution.choices)
    if isinstance(distribution, IntDistribution):
        return list(range(distribution.low, distribution.high + 1, distribution.step))
    if isinstance(distribution, FloatDistribution):
        if distribution.step is None:
            if distribution.low == distribution.high:
                return [distribution.low]
            raise ValueError(
                f"{distribution!r} is continuous, so it cannot be enumerated: give "
                "suggest_float a `step` (or use a sampler for continuous spaces)."
            )
        low, high, step = distribution.low, distribution.high, distribution.step
        n = int(round((high - low) / step))
        return [min(high, float(f"{low + k * step:.15g}")) for k in range(n + 1)]
    raise TypeError(f"Unsupported distribution {distribution!r}.")


def stop_study(study: ReadOnlyStudy) -> None:
    """Stop ``study.optimize`` after its running trials; do nothing outside ``optimize``.

    ``Study.stop`` raises ``RuntimeError`` when no ``optimize`` runs (ask-and-tell); a sampler
    that finished its space must not break such a loop, so the error is swallowed here.
    """
    try:
        study.stop()
    except RuntimeError:
        pass

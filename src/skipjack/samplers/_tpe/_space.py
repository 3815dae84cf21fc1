"""How TPE sees a parameter: a numeric coordinate (maybe on a grid, maybe log) or a category.

A ``ParamSpec`` maps a distribution's internal values to the coordinate the Parzen estimator works
in and back:

* float: the value, or its log with ``log=True``; the domain is ``[low, high]``.
* float with ``step`` and int: discrete. The domain is widened by half a step on each side (in the
  original space, then log-transformed for log ints) so every grid point owns an equal bin; the
  probability of a grid point is the kernel's mass over its bin.
* categorical: the index of the choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

__all__ = ["ParamSpec", "make_spec", "compatible"]


@dataclass(frozen=True)
class ParamSpec:
    """The coordinate system of one parameter (see the module docstring)."""

    name: str
    distribution: BaseDistribution
    categorical: bool
    n_choices: int = 0
    log: bool = False
    step: float | None = None  # grid step in the original space, None for continuous
    low: float = 0.0  # original-space bounds (grid points for discrete)
    high: float = 0.0
    lo_t: float = 0.0  # transformed domain
    hi_t: float = 0.0

    def transform(self, internal: np.ndarray) -> np.ndarray:
        """Internal values (array) to coordinates."""
        return np.log(internal) if self.log else np.asarray(internal, dtype=float)

    def to_internal(self, coords: np.ndarray) -> np.ndarray:
        """Coordinates (array) to internal values, snapped to the grid and clipped to the bounds."""
        values = np.exp(coords) if self.log else np.asarray(coords, dtype=float)
        if self.step is not None:
            values = self.low + np.round((values - self.low) / self.step) * self.step
        return cast(np.ndarray, np.clip(values, self.low, self.high))

    def bins(self, internal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Transformed bin edges of grid points (discrete parameters only)."""
        assert self.step is not None
        half = 0.5 * self.step
        lo, hi = internal - half, internal + half
        if self.log:
            return np.log(lo), np.log(hi)
        return lo, hi


def make_spec(name: str, distribution: BaseDistribution) -> ParamSpec:
    """Build the ``ParamSpec`` of ``distribution``."""
    if isinstance(distribution, CategoricalDistribution):
        return ParamSpec(name, distribution, True, n_choices=len(distribution.choices))
    if isinstance(distribution, FloatDistribution):
        low, high, log, step = distribution.low, distribution.high, distribution.log, distribution.step
    elif isinstance(distribution, IntDistribution):
        low, high, log, step = (
            float(distribution.low), float(distribution.high), distribution.log,
            float(distribution.step),
        )
    else:
        raise TypeError(
            f"TPESampler does not support the distribution {distribution!r}: use a "
            "FloatDistribution, IntDistribution or CategoricalDistribution."
        )
    if step is not None:
        lo, hi = low - 0.5 * step, high + 0.5 * step
    else:
        lo, hi = low, high
    if log:
        lo, hi = math.log(lo), math.log(hi)
    return ParamSpec(name, distribution, False, log=log, step=step, low=low, high=high,
                     lo_t=lo, hi_t=hi)


def compatible(stored: BaseDistribution, target: BaseDistribution) -> bool:
    """Whether values recorded under ``stored`` can be reused when sampling ``target``.

    Numeric values are reusable when the kind (float or int) and the scale (log or not) agree; the
    caller also drops values outside the target's bounds. Categorical values need equal choices.
    """
    if stored == target:
        return True
    if isinstance(target, CategoricalDistribution):
        return False
    if type(stored) is not type(target):
        return False
    return bool(stored.log == target.log)  # type: ignore[attr-defined]

"""``RandomSampler``: independent uniform sampling, seeded and reproducible."""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.samplers._base import BaseSampler

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["RandomSampler", "sample_uniform"]


def sample_uniform(rng: random.Random, distribution: BaseDistribution) -> Any:
    """Draw one value (external representation) uniformly from ``distribution``.

    Float with ``step`` and int parameters are uniform over their grid points; ``log=True`` is
    uniform in log space (for ints: over [low - 0.5, high + 0.5] in log space, then rounded).
    """
    if (
        type(distribution) is FloatDistribution
        and not distribution.log
        and distribution.step is None
    ):
        low, high = distribution.low, distribution.high
        return min(high, low + (high - low) * rng.random())
    if isinstance(distribution, FloatDistribution):
        low, high = distribution.low, distribution.high
        if distribution.log:
            return min(high, max(low, math.exp(rng.uniform(math.log(low), math.log(high)))))
        step = distribution.step
        if step is None:
            return min(high, low + (high - low) * rng.random())
        n = int(round((high - low) / step))
        return min(high, low + step * rng.randrange(n + 1))
    if isinstance(distribution, IntDistribution):
        low, high = distribution.low, distribution.high
        if distribution.log:
            v = math.exp(rng.uniform(math.log(low - 0.5), math.log(high + 0.5)))
            return int(min(high, max(low, round(v))))
        step = distribution.step
        return low + step * rng.randrange((high - low) // step + 1)
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[rng.randrange(len(distribution.choices))]
    raise TypeError(f"Unsupported distribution {distribution!r}.")


class RandomSampler(BaseSampler):
    """Sample every parameter independently and uniformly at random.

    Args:
        seed: seed of the generator; the same seed gives the same sequence of suggestions in a
            sequential run.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng = random.Random(seed)

    def reseed_rng(self) -> None:
        self._rng = random.Random()

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # the common cases first (same draws as ``sample_uniform``)
        d: Any = param_distribution  # narrowed by the exact type checks below
        kind = type(d)
        if kind is FloatDistribution and d.step is None and not d.log:
            low = d.low
            high = d.high
            value = low + (high - low) * self._rng.random()
            return value if value <= high else high
        if kind is IntDistribution and not d.log:
            return d.low + d.step * self._rng.randrange((d.high - d.low) // d.step + 1)
        if kind is CategoricalDistribution:
            choices = d.choices
            return choices[self._rng.randrange(len(choices))]
        return sample_uniform(self._rng, d)

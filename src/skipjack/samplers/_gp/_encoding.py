"""Map parameters to the unit cube and back.

Numerical parameters are scaled to ``[0, 1]`` (log parameters in log space); ints and stepped
floats cover ``[low - step/2, high + step/2]`` so that each grid point owns an equal slice of the
cube, and are snapped to their grid by ``round``. Categorical parameters are encoded as the index of
the choice (the kernel compares them with a Hamming distance).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

__all__ = ["Encoding"]


class Encoding:
    """The unit-cube encoding of one search space (parameters in the given order).

    Args:
        search_space: parameter name -> distribution; no single-value distributions.
    """

    def __init__(self, search_space: dict[str, BaseDistribution]) -> None:
        self.names = list(search_space)
        self.dists = [search_space[n] for n in self.names]
        d = len(self.names)
        self.is_cat = np.zeros(d, dtype=bool)
        self.n_choices = np.zeros(d, dtype=int)
        self.is_discrete = np.zeros(d, dtype=bool)  # numerical on a grid (int, stepped float)
        self.log = np.zeros(d, dtype=bool)
        self.t_low = np.zeros(d)
        self.t_high = np.ones(d)
        for i, dist in enumerate(self.dists):
            if isinstance(dist, CategoricalDistribution):
                self.is_cat[i] = True
                self.n_choices[i] = len(dist.choices)
                continue
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(f"GPSampler does not support the distribution {dist!r}.")
            step = dist.step
            low, high = float(dist.low), float(dist.high)
            if step is not None:
                self.is_discrete[i] = True
                low, high = low - 0.5 * step, high + 0.5 * step
            if dist.log:
                self.log[i] = True
                low, high = math.log(low), math.log(high)
            self.t_low[i], self.t_high[i] = low, high
        self.t_range = np.where(self.t_high > self.t_low, self.t_high - self.t_low, 1.0)
        self.continuous_dims = np.flatnonzero(~self.is_cat)
        self.cat_dims = np.flatnonzero(self.is_cat)

    @property
    def dim(self) -> int:
        return len(self.names)

    def encode(self, params_list: Sequence[dict[str, Any]]) -> np.ndarray:
        """Encode external parameter values, one dict per row, into an (n, d) array."""
        X = np.empty((len(params_list), self.dim))
        for i, (name, dist) in enumerate(zip(self.names, self.dists)):
            col = np.array([dist.to_internal_repr(p[name]) for p in params_list], dtype=float)
            if not self.is_cat[i]:
                if self.log[i]:
                    col = np.log(col)
                col = (col - self.t_low[i]) / self.t_range[i]
            X[:, i] = col
        return X

    def round(self, X: np.ndarray) -> np.ndarray:
        """Snap rows of ``X`` to valid points: grid values for discrete dims, choices for categories."""
        X = np.array(X, dtype=float, copy=True)
        for i, dist in enumerate(self.dists):
            if self.is_cat[i]:
                X[:, i] = np.clip(np.round(X[:, i]), 0, self.n_choices[i] - 1)
            elif self.is_discrete[i]:
                assert dist.step is not None  # type: ignore[attr-defined]
                low, high, step = dist.low, dist.high, dist.step  # type: ignore[attr-defined]
                v = self.t_low[i] + X[:, i] * self.t_range[i]
                if self.log[i]:
                    v = np.exp(np.minimum(v, 700.0))
                k = np.clip(np.round((v - low) / step), 0, round((high - low) / step))
                v = low + k * step
                t = np.log(v) if self.log[i] else v
                X[:, i] = (t - self.t_low[i]) / self.t_range[i]
            else:
                X[:, i] = np.clip(X[:, i], 0.0, 1.0)
        return X

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """One encoded (and rounded) row -> external parameter values inside the distributions."""
        params: dict[str, Any] = {}
        for i, (name, dist) in enumerate(zip(self.names, self.dists)):
            if self.is_cat[i]:
                idx = int(np.clip(round(float(x[i])), 0, self.n_choices[i] - 1))
                params[name] = dist.to_external_repr(float(idx))
                continue
            t = self.t_low[i] + float(x[i]) * self.t_range[i]
            v = math.exp(t) if self.log[i] else t
            low, high = dist.low, dist.high  # type: ignore[attr-defined]
            step = dist.step  # type: ignore[attr-defined]
            if step is not None:
                k = min(max(round((v - low) / step), 0), round((high - low) / step))
                v = low + k * step
            v = min(max(v, low), high)
            if isinstance(dist, IntDistribution):
                params[name] = int(round(v))
            else:
                params[name] = float(v)
        return params

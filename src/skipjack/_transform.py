"""``optuna._transform._SearchSpaceTransform``: a search space as a box of real coordinates.

Each float or int parameter is one column; a categorical parameter is one column per choice
(one-hot). Options:

- ``transform_log``: log-scaled parameters are encoded by their logarithm;
- ``transform_step``: discrete parameters (ints, floats with ``step``) get a box widened by half a
  step on each side, and decoding rounds to the grid;
- ``transform_0_1``: every column is scaled into [0, 1].

Attributes ``bounds`` ((n_columns, 2)), ``column_to_encoded_columns`` (per parameter, its column
indices) and ``encoded_column_to_column`` (per column, its parameter index) are what
optuna-fast-fanova and optuna-integration's BoTorch sampler read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

__all__ = ["_SearchSpaceTransform"]


class _SearchSpaceTransform:
    def __init__(
        self,
        search_space: Mapping[str, BaseDistribution],
        transform_log: bool = True,
        transform_step: bool = True,
        transform_0_1: bool = False,
    ) -> None:
        self._search_space = dict(search_space)
        self._transform_log = transform_log
        self._transform_step = transform_step
        self._transform_0_1 = transform_0_1
        bounds: list[tuple[float, float]] = []
        per_param: list[np.ndarray] = []
        owners: list[int] = []
        for index, dist in enumerate(self._search_space.values()):
            start = len(bounds)
            if isinstance(dist, CategoricalDistribution):
                bounds.extend((0.0, 1.0) for _ in dist.choices)
            elif isinstance(dist, (FloatDistribution, IntDistribution)):
                bounds.append(self._numeric_bounds(dist))
            else:
                raise NotImplementedError(f"Unsupported distribution {dist!r}.")
            per_param.append(np.arange(start, len(bounds)))
            owners.extend([index] * (len(bounds) - start))
        self._raw_bounds = np.asarray(bounds, dtype=float).reshape(-1, 2)
        self.column_to_encoded_columns = per_param
        self.encoded_column_to_column = np.asarray(owners, dtype=int)
        if transform_0_1:
            self.bounds = np.tile(np.array([0.0, 1.0]), (len(bounds), 1)).reshape(-1, 2)
        else:
            self.bounds = self._raw_bounds

    def _numeric_bounds(self, dist: FloatDistribution | IntDistribution) -> tuple[float, float]:
        low, high = float(dist.low), float(dist.high)
        step = dist.step
        if isinstance(dist, IntDistribution) and step is None:
            step = 1
        if self._transform_step and step is not None:
            low, high = low - 0.5 * step, high + 0.5 * step
        if self._transform_log and dist.log:
            # log-scaled ints have low >= 1, so low - 0.5 stays positive
            low, high = math.log(low), math.log(high)
        return low, high

    def transform(self, params: Mapping[str, Any]) -> np.ndarray:
        """Encode ``params`` (external values, every parameter of the space present)."""
        out = np.zeros(len(self._raw_bounds))
        for (name, dist), columns in zip(self._search_space.items(), self.column_to_encoded_columns):
            value = params[name]
            if isinstance(dist, CategoricalDistribution):
                out[int(columns[0]) + int(dist.to_internal_repr(value))] = 1.0
            else:
                v = float(value)
                if self._transform_log and getattr(dist, "log", False):
                    v = math.log(v)
                out[columns[0]] = v
        if self._transform_0_1:
            low, high = self._raw_bounds[:, 0], self._raw_bounds[:, 1]
            width = np.where(high > low, high - low, 1.0)
            out = (out - low) / width
        return out

    def untransform(self, trans_params: np.ndarray) -> dict[str, Any]:
        """Decode one encoded point into parameter values inside their distributions."""
        x = np.asarray(trans_params, dtype=float)
        if x.shape != (len(self._raw_bounds),):
            raise ValueError(
                f"trans_params: expected shape ({len(self._raw_bounds)},), got {x.shape}."
            )
        if self._transform_0_1:
            lows, highs = self._raw_bounds[:, 0], self._raw_bounds[:, 1]
            x = lows + x * (highs - lows)
        params: dict[str, Any] = {}
        for (name, dist), columns in zip(self._search_space.items(), self.column_to_encoded_columns):
            if isinstance(dist, CategoricalDistribution):
                params[name] = dist.choices[int(np.argmax(x[columns]))]
                continue
            assert isinstance(dist, (FloatDistribution, IntDistribution))
            v = float(x[columns[0]])
            if self._transform_log and dist.log:
                v = math.exp(v)
            low, high = float(dist.low), float(dist.high)
            step = dist.step
            if step is not None:
                v = low + round((v - low) / step) * step
            v = min(max(v, low), high)
            params[name] = int(round(v)) if isinstance(dist, IntDistribution) else v
        return params

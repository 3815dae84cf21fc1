"""Map numerical parameters to and from a continuous box (used by CMA-ES and the GA samplers).

Each float or int parameter becomes one coordinate: log-scaled parameters are encoded by their
logarithm; discrete parameters (ints, floats with ``step``) either get a box widened by half a step
on each side and are rounded back to the grid on decoding (``discrete_as_steps=False``), or keep
their exact bounds and report their step (``discrete_as_steps=True``, for CMA-ES with margin).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from skipjack.distributions import BaseDistribution, FloatDistribution, IntDistribution

__all__ = ["NumericSpace"]


class NumericSpace:
    """A box encoding of numerical distributions, in the given parameter order.

    Args:
        space: parameter name -> ``FloatDistribution`` or ``IntDistribution``.
        discrete_as_steps: keep discrete parameters on their exact bounds and expose ``steps``
            (step size per coordinate, 0 for continuous) instead of widening their box.

    Attributes:
        names: parameter names, one per coordinate.
        bounds: array (d, 2) of lower and upper bounds.
        steps: array (d,) of steps in the encoded space (0 for continuous coordinates).

    Raises:
        TypeError: a distribution is not numerical.
    """

    def __init__(
        self, space: Mapping[str, BaseDistribution], *, discrete_as_steps: bool = False
    ) -> None:
        self.names = list(space)
        self._dists: list[FloatDistribution | IntDistribution] = []
        for name in self.names:
            dist = space[name]
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(
                    f"NumericSpace takes float and int distributions only. Got {dist!r} for "
                    f"parameter {name!r}."
                )
            self._dists.append(dist)
        d = len(self.names)
        self.bounds = np.empty((d, 2))
        self.steps = np.zeros(d)
        self._log = np.zeros(d, dtype=bool)
        self._grid_step = np.zeros(d)  # grid step in the original space, 0 when continuous
        self._is_int = np.zeros(d, dtype=bool)
        for i, dist in enumerate(self._dists):
            low, high = float(dist.low), float(dist.high)
            self._is_int[i] = isinstance(dist, IntDistribution)
            step = dist.step
            if dist.log:
                self._log[i] = True
                if self._is_int[i]:
                    # round in the original space; the box covers half an integer on each side
                    self._grid_step[i] = 1.0
                    low, high = max(low - 0.5, 0.5 * low), high + 0.5
                self.bounds[i] = (math.log(low), math.log(high))
            elif step is not None:
                self._grid_step[i] = float(step)
                if discrete_as_steps and high > low:
                    self.bounds[i] = (low, high)
                    self.steps[i] = float(step)
                else:
                    self.bounds[i] = (low - 0.5 * step, high + 0.5 * step)
            else:
                self.bounds[i] = (low, high)
        self._any_log = bool(self._log.any())
        # decode's per-coordinate constants as Python objects: indexing the numpy arrays per
        # coordinate cost more than the arithmetic. The grid step stays the numpy scalar it was,
        # so the decoded values (and their types) are those of the indexed arrays.
        self._decode_specs = [
            (name, bool(self._log[i]), float(dist.low), float(dist.high),
             self._grid_step[i] if self._grid_step[i] > 0 else None, bool(self._is_int[i]))
            for i, (name, dist) in enumerate(zip(self.names, self._dists))
        ]

    @property
    def dim(self) -> int:
        """Number of coordinates."""
        return len(self.names)

    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """Return the coordinates of ``params`` (external values, every name present)."""
        x = np.array([float(params[n]) for n in self.names])
        if self._any_log:
            x[self._log] = np.log(x[self._log])
        return x

    def encode_rows(self, params_list: list[Mapping[str, Any]]) -> np.ndarray:
        """``encode`` of each mapping, as the rows of one array (n, d), in one pass."""
        names = self.names
        x = np.array([[float(params[n]) for n in names] for params in params_list],
                     dtype=float).reshape(len(params_list), len(names))
        if self._log.any():
            x[:, self._log] = np.log(x[:, self._log])
        return x

    def encode_partial(self, params: Mapping[str, Any], default: np.ndarray) -> np.ndarray:
        """Like ``encode``, taking coordinates from ``default`` for the names ``params`` lacks."""
        x = np.array(default, dtype=float)
        for i, name in enumerate(self.names):
            if name in params:
                v = float(params[name])
                x[i] = math.log(v) if self._log[i] else v
        return x

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """Return parameter values (external representation, inside their distributions)."""
        values = np.asarray(x, dtype=float).tolist()
        out: dict[str, Any] = {}
        for (name, log, low, high, step, is_int), v in zip(self._decode_specs, values):
            if log:
                v = math.exp(v)
            if step is not None:
                v = low + round((v - low) / step) * step
            v = min(max(v, low), high)
            if is_int:
                out[name] = int(round(v))
            else:
                if step is not None:
                    # keep values exactly on the grid that the distribution checks
                    n = round((v - low) / step)
                    v = min(low + n * step, high)
                out[name] = v
        return out

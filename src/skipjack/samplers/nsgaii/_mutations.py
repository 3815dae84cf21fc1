"""Mutation operators for the GA samplers.

A mutation changes one numerical parameter, encoded in its box (log-scaled parameters by their
logarithm); ``search_space_bounds`` is the array ``[low, high]`` of that box. The method signature
is Optuna 5's ``mutation(param, rng, study, search_space_bounds)``, so operators written for
Optuna plug in unchanged.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import numpy as np

from skipjack._deprecation import experimental

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["BaseMutation", "PolynomialMutation", "UniformMutation"]


@experimental("5.0.0")
class BaseMutation(abc.ABC):
    """A mutation of one numerical parameter."""

    def __str__(self) -> str:
        return type(self).__name__

    @abc.abstractmethod
    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> float:
        """Return the mutated value (inside ``search_space_bound``)."""


class UniformMutation(BaseMutation):
    """Replace the value by a uniform draw from its range (the samplers' default, as Optuna's)."""

    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> float:
        return float(rng.uniform(search_space_bounds[0], search_space_bounds[1]))


@experimental("5.0.0")
class PolynomialMutation(BaseMutation):
    """Bounded polynomial mutation (Deb and Goyal, 1996; Deb, 2001).

    The change follows a polynomial distribution of index ``eta`` scaled to the range and
    truncated at its ends: large ``eta`` gives small steps.

    Args:
        eta: distribution index (>= 0).
    """

    def __init__(self, eta: float = 20.0) -> None:
        if not eta >= 0:
            raise ValueError(f"The 'eta' argument of PolynomialMutation must be >= 0. Got {eta}.")
        self._eta = eta

    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> float:
        value = param
        low, high = float(search_space_bounds[0]), float(search_space_bounds[1])
        width = high - low
        if width <= 0:
            return low
        eta = self._eta
        power = 1.0 / (eta + 1.0)
        u = rng.rand()
        if u <= 0.5:
            xy = 1.0 - (value - low) / width
            val = 2.0 * u + (1.0 - 2.0 * u) * xy ** (eta + 1.0)
            delta = val**power - 1.0
        else:
            xy = 1.0 - (high - value) / width
            val = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * xy ** (eta + 1.0)
            delta = 1.0 - val**power
        return float(min(max(value + delta * width, low), high))

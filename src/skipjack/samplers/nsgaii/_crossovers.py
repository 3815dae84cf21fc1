"""Crossover operators for the GA samplers (Optuna's ``optuna.samplers.nsgaii`` names).

Every operator works on numerical parameters encoded in a box (log-scaled parameters by their
logarithm): ``parents_params`` is an array (n_parents, n_params) and ``search_space_bounds`` an
array (n_params, 2). The sampler redraws a child that falls outside the box (and clips after many
tries), so operators may return points outside it.
"""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING, cast

import numpy as np

from skipjack._deprecation import experimental

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = [
    "BaseCrossover",
    "BLXAlphaCrossover",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
]


class BaseCrossover(abc.ABC):
    """A crossover: builds one child from ``n_parents`` parents."""

    def __str__(self) -> str:
        return type(self).__name__

    @property
    @abc.abstractmethod
    def n_parents(self) -> int:
        """How many parents the operator takes."""

    @abc.abstractmethod
    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        """Return the child's parameters, an array (n_params,)."""


def _check_probability(owner: str, name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"The '{name}' argument of {owner} must be in [0, 1]. Got {value}.")


def _check_positive(owner: str, name: str, value: float | None) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"The '{name}' argument of {owner} must be > 0. Got {value}.")


class UniformCrossover(BaseCrossover):
    """Each parameter comes from the second parent with probability ``swapping_prob``.

    Args:
        swapping_prob: probability of taking a parameter from the second parent.
    """

    def __init__(self, swapping_prob: float = 0.5) -> None:
        _check_probability("UniformCrossover", "swapping_prob", swapping_prob)
        self._swapping_prob = swapping_prob

    @property
    def n_parents(self) -> int:
        return 2

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        swap = rng.rand(parents_params.shape[1]) < self._swapping_prob
        return cast(np.ndarray, np.where(swap, parents_params[1], parents_params[0]))


@experimental("3.0.0")
class BLXAlphaCrossover(BaseCrossover):
    """Blend crossover (Eshelman and Schaffer, 1993): uniform in the parents' box widened by
    ``alpha`` times its width on each side.

    Args:
        alpha: widening factor (>= 0).
    """

    def __init__(self, alpha: float = 0.5) -> None:
        if alpha < 0:
            raise ValueError(f"The 'alpha' argument of BLXAlphaCrossover must be >= 0. Got {alpha}.")
        self._alpha = alpha

    @property
    def n_parents(self) -> int:
        return 2

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        low = parents_params.min(axis=0)
        high = parents_params.max(axis=0)
        spread = self._alpha * (high - low)
        return cast(np.ndarray, rng.uniform(low - spread, high + spread))


def _default_eta(eta: float | None, study: ReadOnlyStudy) -> float:
    if eta is not None:
        return eta
    return 20.0 if study._is_multi_objective() else 2.0


@experimental("3.0.0")
class SBXCrossover(BaseCrossover):
    """Simulated binary crossover with bounds (Deb and Agrawal, 1995; Deb, 2001).

    Each parameter's two offspring are spread around the parents by a polynomial distribution of
    index ``eta`` truncated to the bounds; the child takes one of them at random per parameter.

    Args:
        eta: distribution index; large values keep children near their parents. None: 2 for one
            objective, 20 for several.
    """

    def __init__(self, eta: float | None = None) -> None:
        _check_positive("SBXCrossover", "eta", eta)
        self._eta = eta

    @property
    def n_parents(self) -> int:
        return 2

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        eta = _default_eta(self._eta, study)
        x1 = parents_params.min(axis=0)
        x2 = parents_params.max(axis=0)
        low, high = search_space_bounds[:, 0], search_space_bounds[:, 1]
        d = x2 - x1
        safe_d = np.where(d > 1e-14, d, 1.0)
        u = rng.rand(len(x1))

        def spread(beta: np.ndarray) -> np.ndarray:
            alpha = 2.0 - np.power(beta, -(eta + 1.0))
            small = u <= 1.0 / alpha
            with np.errstate(invalid="ignore", divide="ignore"):
                inner = np.where(small, u * alpha, 1.0 / np.maximum(2.0 - u * alpha, 1e-300))
            return cast(np.ndarray, np.power(np.maximum(inner, 0.0), 1.0 / (eta + 1.0)))

        beta1 = 1.0 + 2.0 * np.maximum(x1 - low, 0.0) / safe_d
        beta2 = 1.0 + 2.0 * np.maximum(high - x2, 0.0) / safe_d
        c1 = 0.5 * ((x1 + x2) - spread(beta1) * d)
        c2 = 0.5 * ((x1 + x2) + spread(beta2) * d)
        child = np.where(rng.rand(len(x1)) < 0.5, c1, c2)
        same = d <= 1e-14
        child[same] = parents_params[0][same]
        return cast(np.ndarray, np.clip(child, low, high))


@experimental("3.0.0")
class VSBXCrossover(BaseCrossover):
    """vSBX (Pan et al., 2021): SBX whose two offspring use independent spread factors, one
    contracting towards and one expanding away from the parents, without depending on bounds.

    Args:
        eta: distribution index. None: 2 for one objective, 20 for several.
    """

    def __init__(self, eta: float | None = None) -> None:
        _check_positive("VSBXCrossover", "eta", eta)
        self._eta = eta

    @property
    def n_parents(self) -> int:
        return 2

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        eta = _default_eta(self._eta, study)
        x1, x2 = parents_params[0], parents_params[1]
        n = len(x1)
        exponent = 1.0 / (eta + 1.0)
        u1 = np.clip(rng.rand(n), 1e-12, 1.0 - 1e-12)
        u2 = np.clip(rng.rand(n), 1e-12, 1.0 - 1e-12)
        beta_contract = np.power(2.0 * np.minimum(u1, 0.5), exponent)  # in (0, 1]
        beta_expand = np.power(1.0 / (2.0 * (1.0 - np.maximum(u2, 0.5))), exponent)  # >= 1
        mid = 0.5 * (x1 + x2)
        half = 0.5 * np.abs(x2 - x1)
        sign = np.where(rng.rand(n) < 0.5, -1.0, 1.0)
        c1 = mid + sign * beta_contract * half
        c2 = mid - sign * beta_expand * half
        return cast(np.ndarray, np.where(rng.rand(n) < 0.5, c1, c2))


@experimental("3.0.0")
class UNDXCrossover(BaseCrossover):
    """Unimodal normal distribution crossover (Ono and Kobayashi, 1997).

    The child is normal around the midpoint of two parents: spread ``sigma_xi`` along the line
    joining them and ``sigma_eta`` times the third parent's distance from that line across it.

    Args:
        sigma_xi: standard deviation along the parents' line.
        sigma_eta: standard deviation across it; None: ``0.35 / sqrt(n_params)``.
    """

    def __init__(self, sigma_xi: float = 0.5, sigma_eta: float | None = None) -> None:
        _check_positive("UNDXCrossover", "sigma_xi", sigma_xi)
        _check_positive("UNDXCrossover", "sigma_eta", sigma_eta)
        self._sigma_xi = sigma_xi
        self._sigma_eta = sigma_eta

    @property
    def n_parents(self) -> int:
        return 3

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        p1, p2, p3 = parents_params[0], parents_params[1], parents_params[2]
        n = len(p1)
        sigma_eta = self._sigma_eta if self._sigma_eta is not None else 0.35 / math.sqrt(n)
        mid = 0.5 * (p1 + p2)
        d = p2 - p1
        norm_d = np.linalg.norm(d)
        child = mid + rng.normal(0.0, self._sigma_xi) * d
        if n == 1:
            return cast(np.ndarray, child)
        if norm_d > 1e-14:
            e = d / norm_d
            v = p3 - p1
            distance = np.linalg.norm(v - np.dot(v, e) * e)
            # orthonormal basis of the complement of e
            basis = np.linalg.qr(np.column_stack([e, np.eye(n)]))[0][:, 1:n]
        else:
            distance = np.linalg.norm(p3 - p1)
            basis = np.eye(n)
        eta = rng.normal(0.0, sigma_eta, size=basis.shape[1])
        return cast(np.ndarray, child + distance * (basis @ eta))


@experimental("3.0.0")
class SPXCrossover(BaseCrossover):
    """Simplex crossover (Tsutsui, Yamamura and Higuchi, 1999): uniform in the simplex of three
    parents expanded by ``epsilon`` around their centroid.

    Args:
        epsilon: expansion rate; None: ``sqrt(n_params + 2)``.
    """

    def __init__(self, epsilon: float | None = None) -> None:
        _check_positive("SPXCrossover", "epsilon", epsilon)
        self._epsilon = epsilon

    @property
    def n_parents(self) -> int:
        return 3

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: ReadOnlyStudy,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        k, n = parents_params.shape
        epsilon = self._epsilon if self._epsilon is not None else math.sqrt(n + 2)
        centroid = parents_params.mean(axis=0)
        xs = centroid + epsilon * (parents_params - centroid)
        c = np.zeros(n)
        for j in range(1, k):
            r = rng.rand() ** (1.0 / j)
            c = r * (xs[j - 1] - xs[j] + c)
        return cast(np.ndarray, xs[k - 1] + c)

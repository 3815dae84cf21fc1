"""The Gaussian-process pieces the terminator's evaluators share, on skipjack's own GP
(``samplers/_gp``): trials -> unit-cube inputs, a fitted GP, confidence bounds and the
standardized regret bound of Makarova et al. (2022).

Values are signed so that larger is better (the evaluators maximize), as in Optuna.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np

from skipjack._records import FrozenTrial, StudyDirection
from skipjack.distributions import BaseDistribution
from skipjack.samplers._gp._encoding import Encoding
from skipjack.samplers._gp._gpr import GPModel, fit_gp
from skipjack.samplers._gp._threads import single_blas_thread

__all__ = [
    "MINIMUM_NOISE_VAR",
    "beta",
    "encode",
    "fit",
    "joint_covariance",
    "signed_values",
    "standardized_regret_bound",
]

# Noise variance below which the EMMR information term treats observations as exact (the
# fitted noise of a near-deterministic objective can be far smaller).
MINIMUM_NOISE_VAR = 1e-6


def encode(
    search_space: dict[str, BaseDistribution], trials: Sequence[FrozenTrial]
) -> tuple[Encoding, np.ndarray]:
    """The encoding of ``search_space`` and the (n, d) encoded parameters of ``trials``."""
    encoding = Encoding(search_space)
    return encoding, encoding.encode([t.params for t in trials])


def signed_values(trials: Sequence[FrozenTrial], direction: StudyDirection) -> np.ndarray:
    """Objective values with larger = better."""
    sign = 1.0 if direction == StudyDirection.MAXIMIZE else -1.0
    values = np.array([t.value for t in trials], dtype=float)
    return cast(np.ndarray, values * sign)


def fit(X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, deterministic: bool = False) -> GPModel:
    """A GP fitted (MAP hyperparameters) to standardized values ``y`` at ``X``."""
    with single_blas_thread():
        return fit_gp(X, y, is_cat, deterministic)


def noise_var(gp: GPModel) -> float:
    """The observation noise variance of a fitted GP."""
    return math.exp(float(gp.theta[gp.X.shape[1] + 1]))


def beta(n_params: int, n_trials: int, delta: float = 0.1) -> float:
    """The GP-UCB confidence parameter ``2 log(d t^2 pi^2 / (6 delta))``, scaled down by 5 as in
    the experiments of Srinivas et al. (2010), which Makarova et al. follow."""
    return 2.0 * math.log(max(n_params, 1) * n_trials**2 * math.pi**2 / 6.0 / delta) / 5.0


def _bounds(gp: GPModel, X: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    mean, var, _, _ = gp.posterior(X)
    width = math.sqrt(max(b, 0.0)) * np.sqrt(var)
    return mean + width, mean - width


def _random_points(encoding: Encoding, n: int, rng: np.random.Generator) -> np.ndarray:
    X = rng.random((n, encoding.dim))
    for i in encoding.cat_dims:
        X[:, i] = rng.integers(0, encoding.n_choices[i], size=n)
    return encoding.round(X)


def standardized_regret_bound(
    gp: GPModel,
    encoding: Encoding,
    X: np.ndarray,
    delta: float,
    rng: np.random.Generator,
    n_samples: int = 2048,
) -> float:
    """An upper bound of the simple regret in standardized units: the largest upper confidence
    bound over the search space (the observed points and ``n_samples`` random points) minus the
    largest lower confidence bound at the observed points ``X``."""
    b = beta(X.shape[1], len(X), delta)
    with single_blas_thread():
        ucb_seen, lcb_seen = _bounds(gp, X, b)
        ucb_random, _ = _bounds(gp, _random_points(encoding, n_samples, rng), b)
    return float(max(ucb_seen.max(), ucb_random.max()) - lcb_seen.max())


def joint_covariance(gp: GPModel, a: np.ndarray, b: np.ndarray) -> float:
    """Posterior covariance of the latent function at the points ``a`` and ``b``."""
    if np.array_equal(a, b):
        return float(gp.posterior(a[None, :])[1][0])
    with single_blas_thread():
        return float(gp.posterior_covariance(np.vstack([a, b]))[0, 1])

"""Gaussian-process regression: Matern-5/2 ARD kernel, MAP hyperparameters, posterior.

The kernel on encoded inputs is ``k(x, x') = s * m(r)`` with ``m(r) = (1 + sqrt5 r + 5/3 r^2)
exp(-sqrt5 r)`` and ``r^2 = sum_i d_i^2 / l_i^2``, where ``d_i`` is the difference of numerical
coordinates and, for categorical coordinates, 1 when the choices differ and 0 otherwise (a Hamming
distance). Observation noise ``v`` is added on the diagonal.

Hyperparameters ``theta = (log l_1..l_d, log s, log v)`` are fitted by maximum a posteriori with
L-BFGS-B and the analytic gradient of the log marginal likelihood. Priors (Gaussian in log space):
lengthscales ``log l ~ N(sqrt2 + log(d)/2, 3)`` (the dimension-scaled prior of Hvarfner et al.,
2024), signal ``log s ~ N(0, 2^2)`` (targets are standardized), noise ``log v ~ N(log 1e-4, 2^2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from typing import cast

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import scipy.optimize

__all__ = ["GPModel", "fit_gp", "default_theta", "theta_bounds"]

_SQRT5 = math.sqrt(5.0)
_MIN_NOISE = 1e-10
_DETERMINISTIC_NOISE = 1e-10
_LOG_LS_BOUNDS = (math.log(1e-2), math.log(1e3))
_LOG_SCALE_BOUNDS = (math.log(1e-2), math.log(1e2))
_LOG_NOISE_BOUNDS = (math.log(_MIN_NOISE), math.log(1.0))
_SCALE_PRIOR_STD = 2.0


def _sq_dists(X1: np.ndarray, X2: np.ndarray, is_cat: np.ndarray) -> np.ndarray:
    """(n1, n2, d) per-coordinate squared differences (Hamming 0/1 for categorical dims)."""
    diff = X1[:, None, :] - X2[None, :, :]
    sq = diff * diff
    if is_cat.any():
        sq[:, :, is_cat] = (sq[:, :, is_cat] > 0.0).astype(float)
    return cast(np.ndarray, sq)


# Posterior queries with at least this many rows use the dot-product form of the distances.
_DOT_FORM_ROWS = 64


def _scaled_sq_dists(
    Xq: np.ndarray, X: np.ndarray, is_cat: np.ndarray, inv_ls2: np.ndarray
) -> np.ndarray:
    """(m, n) ``sum_i d_i^2 / l_i^2`` between the rows of ``Xq`` and ``X``.

    Design note: for many query rows (candidate scoring) the numerical part is formed as
    ``|a|^2 + |b|^2 - 2 a.b`` on scaled coordinates, one matrix product instead of an (m, n, d)
    temporary; its rounding error (~1e-13 here) is far below the kernel's resolution. Few rows
    (the local search, where gradients need the exact form) go through ``_sq_dists``.
    """
    if len(Xq) < _DOT_FORM_ROWS:
        return cast(np.ndarray, _sq_dists(Xq, X, is_cat) @ inv_ls2)
    num = ~is_cat
    w = np.sqrt(inv_ls2[num])
    A, B = Xq[:, num] * w, X[:, num] * w
    r2 = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :]
    r2 -= 2.0 * (A @ B.T)
    np.maximum(r2, 0.0, out=r2)
    for i in np.flatnonzero(is_cat):
        r2 += (Xq[:, i, None] != X[None, :, i]) * inv_ls2[i]
    return cast(np.ndarray, r2)


def _matern(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``m(r)`` and ``g(r) = 5/3 (1 + sqrt5 r) exp(-sqrt5 r)`` (= -2 dm/d(r^2))."""
    r = np.sqrt(np.maximum(r2, 0.0))
    e = np.exp(-_SQRT5 * r)
    m = (1.0 + _SQRT5 * r + (5.0 / 3.0) * r2) * e
    g = (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e
    return m, g


def _prior_log_lengthscale(dim: int) -> float:
    return math.sqrt(2.0) + 0.5 * math.log(max(dim, 1))


def default_theta(dim: int, deterministic: bool) -> np.ndarray:
    """A starting point for the fit: lengthscales at their prior median, unit signal, small
    noise."""
    theta = np.full(dim + 2, _prior_log_lengthscale(dim))
    theta[dim] = 0.0
    theta[dim + 1] = math.log(_DETERMINISTIC_NOISE if deterministic else 1e-3)
    return theta


def theta_bounds(dim: int, deterministic: bool) -> list[tuple[float, float]]:
    """L-BFGS-B bounds of ``theta`` (the noise is pinned for deterministic objectives)."""
    noise = (math.log(_DETERMINISTIC_NOISE),) * 2 if deterministic else _LOG_NOISE_BOUNDS
    return [_LOG_LS_BOUNDS] * dim + [_LOG_SCALE_BOUNDS, noise]


def _neg_log_posterior(
    theta: np.ndarray, P: np.ndarray, y: np.ndarray, deterministic: bool
) -> tuple[float, np.ndarray]:
    n, _, d = P.shape
    log_ls = theta[:d]
    inv_ls2 = np.exp(-2.0 * log_ls)
    s = math.exp(theta[d])
    v = math.exp(theta[d + 1])
    m, g = _matern(P @ inv_ls2)
    K = s * m
    K[np.diag_indices(n)] += v
    try:
        L = scipy.linalg.cholesky(K, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = scipy.linalg.cho_solve((L, True), y, check_finite=False)
    K_inv, info = scipy.linalg.lapack.dpotri(L, lower=1)  # inverse from the Cholesky factor
    if info != 0:
        return 1e10, np.zeros_like(theta)
    K_inv = np.tril(K_inv) + np.tril(K_inv, -1).T
    nll = 0.5 * float(y @ alpha) + float(np.log(np.diag(L)).sum()) + 0.5 * n * math.log(2 * math.pi)
    W = np.outer(alpha, alpha) - K_inv  # d nll / d theta_j = -0.5 tr(W dK/dtheta_j)
    grad = np.empty_like(theta)
    WG = W * (s * g)
    grad[:d] = -0.5 * np.einsum("jk,jki->i", WG, P) * inv_ls2
    grad[d] = -0.5 * float((W * (s * m)).sum())
    grad[d + 1] = 0.0 if deterministic else -0.5 * v * float(np.trace(W))
    # priors (Gaussian in log space)
    mu_ls = _prior_log_lengthscale(d)
    nlp = 0.5 * float(((log_ls - mu_ls) ** 2).sum()) / 3.0
    nlp += 0.5 * float(theta[d] / _SCALE_PRIOR_STD) ** 2
    grad[:d] += (log_ls - mu_ls) / 3.0
    grad[d] += theta[d] / _SCALE_PRIOR_STD**2
    if not deterministic:
        z = (theta[d + 1] - math.log(1e-4)) / 2.0
        nlp += 0.5 * z * z
        grad[d + 1] += z / 2.0
    return nll + nlp, grad


@dataclass
class GPModel:
    """A GP conditioned on data, with fixed hyperparameters ``theta``.

    Build with ``GPModel.build``; ``posterior`` returns the latent mean and variance (and their
    gradients with respect to the numerical coordinates).
    """

    X: np.ndarray
    y: np.ndarray
    is_cat: np.ndarray
    theta: np.ndarray
    L: np.ndarray
    alpha: np.ndarray

    @classmethod
    def build(cls, X: np.ndarray, y: np.ndarray, is_cat: np.ndarray, theta: np.ndarray) -> GPModel:
        """Condition on ``(X, y)``; adds jitter if the kernel matrix is numerically singular.

        Raises:
            numpy.linalg.LinAlgError: the matrix stays singular even with jitter.
        """
        d = X.shape[1]
        inv_ls2 = np.exp(-2.0 * theta[:d])
        s, v = math.exp(theta[d]), math.exp(theta[d + 1])
        m, _ = _matern(_sq_dists(X, X, is_cat) @ inv_ls2)
        K = s * m
        n = len(y)
        jitter = 0.0
        for _ in range(5):
            K_j = K.copy()
            K_j[np.diag_indices(n)] += v + jitter
            try:
                L = scipy.linalg.cholesky(K_j, lower=True, check_finite=False)
                break
            except np.linalg.LinAlgError:
                jitter = max(jitter * 10.0, 1e-8 * s)
        else:
            raise np.linalg.LinAlgError("the kernel matrix is singular even with jitter")
        alpha = scipy.linalg.cho_solve((L, True), y, check_finite=False)
        return cls(X, y, is_cat, theta, L, alpha)

    def condition_on(self, X_new: np.ndarray, y_new: np.ndarray) -> GPModel:
        """The same GP with extra (e.g. believed) observations, hyperparameters unchanged."""
        return GPModel.build(
            np.vstack([self.X, X_new]), np.concatenate([self.y, y_new]), self.is_cat, self.theta
        )

    def posterior(
        self, Xq: np.ndarray, with_grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Mean and variance at the rows of ``Xq`` (and (m, d) gradients if ``with_grad``)."""
        d = self.X.shape[1]
        inv_ls2 = np.exp(-2.0 * self.theta[:d])
        s = math.exp(self.theta[d])
        m, g = _matern(_scaled_sq_dists(Xq, self.X, self.is_cat, inv_ls2))
        Kq = s * m
        mean = Kq @ self.alpha
        V = scipy.linalg.solve_triangular(self.L, Kq.T, lower=True, check_finite=False)
        var = np.maximum(s - np.einsum("ij,ij->j", V, V), 1e-12)
        if not with_grad:
            return mean, var, None, None
        # dk/dx_i = -s g (x_i - X_i) / l_i^2 (zero for categorical coordinates)
        Kinv_k = scipy.linalg.solve_triangular(self.L, V, lower=True, trans="T", check_finite=False)
        A = (s * g) * self.alpha[None, :]
        B = (s * g) * Kinv_k.T
        dmean = -(Xq * A.sum(1)[:, None] - A @ self.X) * inv_ls2
        dvar = 2.0 * (Xq * B.sum(1)[:, None] - B @ self.X) * inv_ls2
        dmean[:, self.is_cat] = 0.0
        dvar[:, self.is_cat] = 0.0
        return mean, var, dmean, dvar

    def posterior_covariance(self, Xq: np.ndarray) -> np.ndarray:
        """(m, m) joint posterior covariance of the latent function at the rows of ``Xq``."""
        d = self.X.shape[1]
        inv_ls2 = np.exp(-2.0 * self.theta[:d])
        s = math.exp(self.theta[d])
        Kqq = s * _matern(_sq_dists(Xq, Xq, self.is_cat) @ inv_ls2)[0]
        Kq = s * _matern(_scaled_sq_dists(Xq, self.X, self.is_cat, inv_ls2))[0]
        V = scipy.linalg.solve_triangular(self.L, Kq.T, lower=True, check_finite=False)
        return cast(np.ndarray, Kqq - V.T @ V)


def fit_gp(
    X: np.ndarray,
    y: np.ndarray,
    is_cat: np.ndarray,
    deterministic: bool,
    warm_start: np.ndarray | None = None,
    restart: bool = True,
) -> GPModel:
    """Fit the hyperparameters by MAP and condition on the data.

    L-BFGS-B runs from ``warm_start`` (if given) and, when ``restart`` or without a warm start,
    also from the prior's mode; the better optimum wins.

    Raises:
        numpy.linalg.LinAlgError: no positive-definite kernel matrix could be built.
    """
    d = X.shape[1]
    P = _sq_dists(X, X, is_cat)
    bounds = theta_bounds(d, deterministic)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    # Two starts: the previous fit (cheap to refine) and, every few fits, the prior's mode, which
    # gets the fit out of the "one tiny lengthscale" local optimum a warm start would keep.
    starts: list[np.ndarray] = []
    if warm_start is not None and len(warm_start) == d + 2:
        starts.append(warm_start)
    prior_mode = default_theta(d, deterministic)
    if restart or not starts:
        starts.append(prior_mode)
    best_theta, best_value = np.clip(starts[0], lo, hi), math.inf
    i = 0
    while i < len(starts):
        theta0 = np.clip(starts[i], lo, hi)
        i += 1
        try:
            res = scipy.optimize.minimize(
                _neg_log_posterior,
                theta0,
                args=(P, y, deterministic),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 200, "ftol": 1e-6, "gtol": 1e-4},
            )
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            continue
        if np.all(np.isfinite(res.x)) and float(res.fun) < best_value:
            best_theta, best_value = res.x, float(res.fun)
        if len(starts) == 1 and _suspicious(best_theta, d):
            starts.append(prior_mode)  # warm start only: restart when it looks collapsed
    return GPModel.build(X, y, is_cat, best_theta)


def _suspicious(theta: np.ndarray, d: int) -> bool:
    """A fit with a lengthscale below 0.05 of the unit cube: often the spurious optimum where one
    coordinate explains the data as noise."""
    return bool(np.any(theta[:d] < math.log(0.05)))

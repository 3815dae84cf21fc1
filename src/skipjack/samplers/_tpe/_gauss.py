"""Vectorised Gaussian helpers for the Parzen estimators (numpy only, no scipy).

``log_gauss_mass(a, b)`` is log(Phi(b) - Phi(a)) for standardised bounds, accurate in the far tails:
it works with the upper-tail function Q(x) = erfc(x / sqrt(2)) / 2 in log space, using the
Chebyshev fit of erfc from Numerical Recipes (``erfcc``, fractional error < 1.2e-7 for every
argument), so a bin six standard deviations away still gets a meaningful (tiny) probability instead
of a rounding error.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["log_upper_tail", "log_gauss_mass", "LOG_SQRT_2PI"]

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_LOG_HALF = math.log(0.5)


def _log_erfc_nonneg(z: np.ndarray) -> np.ndarray:
    """log(erfc(z)) for z >= 0 (inf allowed), relative error of erfc below 1.2e-7."""
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (
        1.00002368
        + t * (0.37409196
        + t * (0.09678418
        + t * (-0.18628806
        + t * (0.27886807
        + t * (-1.13520398
        + t * (1.48851587
        + t * (-0.82215223
        + t * 0.17087277))))))))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(t) - z * z + poly
    return np.where(np.isposinf(z), -np.inf, out)


def log_upper_tail(x: np.ndarray) -> np.ndarray:
    """log Q(x) = log P(N(0, 1) > x), for x >= 0."""
    return _LOG_HALF + _log_erfc_nonneg(np.asarray(x, dtype=float) * _INV_SQRT2)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x <= 0, stable near 0 and near -inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > -0.6931471805599453, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_gauss_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) elementwise for standardised bounds ``a < b`` (broadcasting)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    out = np.empty(a.shape)
    upper = a >= 0.0  # both bounds in the upper tail: Q(a) - Q(b)
    lower = b <= 0.0  # both in the lower tail: Q(-b) - Q(-a)
    middle = ~(upper | lower)
    if upper.any():
        la = log_upper_tail(a[upper])
        lb = log_upper_tail(b[upper])
        out[upper] = la + _log1mexp(np.minimum(lb - la, 0.0))
    if lower.any():
        la = log_upper_tail(-b[lower])
        lb = log_upper_tail(-a[lower])
        out[lower] = la + _log1mexp(np.minimum(lb - la, 0.0))
    if middle.any():
        tails = np.exp(log_upper_tail(-a[middle])) + np.exp(log_upper_tail(b[middle]))
        with np.errstate(divide="ignore"):
            out[middle] = np.log1p(-np.minimum(tails, 1.0))
    return out

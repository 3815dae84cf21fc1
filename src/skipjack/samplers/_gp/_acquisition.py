"""Acquisition functions in log space: logEI, log probability of feasibility, logEHVI.

All of them are written for *minimization* of standardized losses. Each ``*_terms`` function takes
posterior means and standard deviations and returns the value with its derivatives with respect to
them, so that ``Acquisition`` can chain them through the GP posterior gradients.

``log_h(z) = log(phi(z) + z Phi(z))`` is computed stably for very negative ``z`` (Ament et al.,
"Unexpected Improvements to Expected Improvement", 2023), so that EI far from the incumbent is
still ordered instead of underflowing to zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from typing import cast

import numpy as np
from scipy.special import erfcx, log_ndtr

from skipjack.samplers._gp._gpr import GPModel

__all__ = ["log_h", "log_ei", "Acquisition"]

_C1 = 0.5 * math.log(2.0 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2.0)
_INV_SQRT_EPS = 1.0 / math.sqrt(np.finfo(float).eps)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x <= 0, accurate near 0 and for very negative x."""
    x = np.minimum(x, -1e-300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return cast(np.ndarray, np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x))))


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z * Phi(z))``, stable for every finite ``z``."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    hi = z > -1.0
    zh = z[hi]
    out[hi] = np.log(np.exp(-0.5 * zh * zh - _C1) + zh * np.exp(log_ndtr(zh)))
    mid = (~hi) & (z > -_INV_SQRT_EPS)
    zm = z[mid]
    out[mid] = -0.5 * zm * zm - _C1 + _log1mexp(np.log(erfcx(-zm / math.sqrt(2.0)) * np.abs(zm)) + _C2)
    lo = ~(hi | mid)
    zl = z[lo]
    out[lo] = -0.5 * zl * zl - _C1 - 2.0 * np.log(np.abs(zl))
    return out


def _dlog_h(z: np.ndarray, lh: np.ndarray) -> np.ndarray:
    """d log_h / dz = Phi(z) / h(z)."""
    return cast(np.ndarray, np.exp(log_ndtr(z) - lh))


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """log E[max(best - Y, 0)] for Y ~ N(mean, std^2) (minimization)."""
    return cast(np.ndarray, np.log(std) + log_h((best - mean) / std))


def _log_ei_terms(
    mean: np.ndarray, std: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = (best - mean) / std
    lh = log_h(z)
    dz = _dlog_h(z, lh)
    return np.log(std) + lh, -dz / std, (1.0 - dz * z) / std


def _log_pof_terms(
    mean: np.ndarray, std: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = (threshold - mean) / std
    lp = log_ndtr(z)
    r = np.exp(-0.5 * z * z - _C1 - lp)  # phi(z) / Phi(z)
    return lp, -r / std, -r * z / std


def _log_ehvi_terms(
    means: list[np.ndarray], stds: list[np.ndarray], lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Exact log EHVI over disjoint boxes ``[lower_b, upper_b]`` of the non-dominated region.

    With independent objectives, the expected volume of box b dominated by Y is
    ``prod_k (psi_k(u_bk) - psi_k(l_bk))`` where ``psi_k(a) = E[max(a - Y_k, 0)]``.
    """
    n_obj = len(means)
    total = np.zeros((len(means[0]), len(lower)))  # (m, B)
    dA_mu: list[np.ndarray] = []
    dA_sd: list[np.ndarray] = []
    for k in range(n_obj):
        mu, sd = means[k][:, None], stds[k][:, None]
        zu = (upper[None, :, k] - mu) / sd
        zl = (lower[None, :, k] - mu) / sd
        lpu = np.log(sd) + log_h(zu)
        lpl = np.log(sd) + log_h(zl)
        logA = lpu + _log1mexp(np.minimum(lpl - lpu, 0.0))
        total += logA
        # d logA / d mu = -(Phi(zu) - Phi(zl)) / A and d logA / d sd = (phi(zu) - phi(zl)) / A,
        # both formed in log space so that tiny A does not underflow.
        ldu, ldl = log_ndtr(zu), log_ndtr(zl)
        log_dPhi = ldu + _log1mexp(np.minimum(ldl - ldu, 0.0))
        dA_mu.append(-np.exp(log_dPhi - logA))
        lpu, lpl = -0.5 * zu * zu - _C1, -0.5 * zl * zl - _C1
        log_dphi = np.maximum(lpu, lpl) + _log1mexp(-np.abs(lpu - lpl))
        dA_sd.append(np.sign(lpu - lpl) * np.exp(log_dphi - logA))
    top = total.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp(total - top)
    z = w.sum(axis=1, keepdims=True)
    value = np.log(z[:, 0]) + top[:, 0]
    w = w / np.maximum(z, 1e-300)
    d_mu = [(w * dA_mu[k]).sum(axis=1) for k in range(n_obj)]
    d_sd = [(w * dA_sd[k]).sum(axis=1) for k in range(n_obj)]
    return value, d_mu, d_sd


@dataclass
class Acquisition:
    """The acquisition to maximize: log(EI or EHVI) + sum of log probabilities of feasibility.

    Args:
        objectives: one GP per objective (standardized losses, minimized).
        best: incumbent (standardized) for logEI with one objective; ``None`` when there is no
            feasible trial yet (then only feasibility counts).
        box_lower, box_upper: the box decomposition for several objectives.
        constraints: GPs of standardized constraint values, with their feasibility thresholds.
    """

    objectives: list[GPModel]
    best: float | None = None
    box_lower: np.ndarray | None = None
    box_upper: np.ndarray | None = None
    constraints: list[tuple[GPModel, float]] = field(default_factory=list)

    def _uses_objectives(self) -> bool:
        return self.best is not None or self.box_lower is not None

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.value_and_grad(X, with_grad=False)[0]

    def value_and_grad(
        self, X: np.ndarray, with_grad: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values at the rows of ``X`` and their (m, d) gradients (zeros if not ``with_grad``)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            return self._value_and_grad(X, with_grad)

    def _value_and_grad(self, X: np.ndarray, with_grad: bool) -> tuple[np.ndarray, np.ndarray]:
        value = np.zeros(len(X))
        grad = np.zeros_like(X)
        if self._uses_objectives():
            posts = [gp.posterior(X, with_grad) for gp in self.objectives]
            means = [p[0] for p in posts]
            stds = [np.sqrt(p[1]) for p in posts]
            if self.box_lower is not None:
                assert self.box_upper is not None
                v, d_mu, d_sd = _log_ehvi_terms(means, stds, self.box_lower, self.box_upper)
            else:
                assert self.best is not None
                v, dm, ds = _log_ei_terms(means[0], stds[0], self.best)
                d_mu, d_sd = [dm], [ds]
            value += v
            if with_grad:
                for (_, _, dmean, dvar), sd, a, b in zip(posts, stds, d_mu, d_sd):
                    assert dmean is not None and dvar is not None
                    grad += a[:, None] * dmean + (b / (2.0 * sd))[:, None] * dvar
        for gp, threshold in self.constraints:
            mean, var, dmean, dvar = gp.posterior(X, with_grad)
            sd = np.sqrt(var)
            v, a, b = _log_pof_terms(mean, sd, threshold)
            value += v
            if with_grad:
                assert dmean is not None and dvar is not None
                grad += a[:, None] * dmean + (b / (2.0 * sd))[:, None] * dvar
        return value, grad

"""Maximize an acquisition function over the encoded search space.

Quasi-random (scrambled Sobol) candidates are scored in one batch; the best few, together with the
best observed points, are refined by one L-BFGS-B run over all starts at once (the objective is the
sum of the starts' acquisitions, whose gradients are independent), alternated with exhaustive
sweeps over each categorical coordinate. Discrete numerical coordinates are optimized relaxed and
snapped to their grid at the end; every candidate is compared after snapping.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import scipy.optimize
from scipy.stats import qmc

from skipjack.samplers._gp._acquisition import Acquisition
from skipjack.samplers._gp._encoding import Encoding

__all__ = ["optimize_acquisition"]


def _sobol(enc: Encoding, n: int, rng: np.random.Generator) -> np.ndarray:
    seed = int(rng.integers(2**31))
    U = qmc.Sobol(enc.dim, scramble=True, seed=seed).random(n)
    X = U.copy()
    cat = enc.cat_dims
    X[:, cat] = np.floor(U[:, cat] * enc.n_choices[cat])
    return enc.round(X)


def _local_continuous(acq: Acquisition, enc: Encoding, X0: np.ndarray, maxiter: int) -> np.ndarray:
    dims = enc.continuous_dims
    if len(dims) == 0:
        return X0
    n = len(X0)
    base = X0.copy()

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        X = base.copy()
        X[:, dims] = flat.reshape(n, len(dims))
        value, grad = acq.value_and_grad(X)
        value = np.where(np.isfinite(value), value, -1e10)
        grad = np.where(np.isfinite(grad), grad, 0.0)
        return -float(value.sum()), -grad[:, dims].ravel()

    res = scipy.optimize.minimize(
        fun,
        X0[:, dims].ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (n * len(dims)),
        options={"maxiter": maxiter},
    )
    out = base.copy()
    out[:, dims] = np.clip(res.x.reshape(n, len(dims)), 0.0, 1.0)
    return out


def _sweep_categorical(acq: Acquisition, enc: Encoding, X: np.ndarray) -> np.ndarray:
    X = X.copy()
    for i in enc.cat_dims:
        k = int(enc.n_choices[i])
        trial = np.repeat(X, k, axis=0)
        trial[:, i] = np.tile(np.arange(k, dtype=float), len(X))
        scores = acq(enc.round(trial)).reshape(len(X), k)
        X[:, i] = scores.argmax(axis=1).astype(float)
    return X


def optimize_acquisition(
    acq: Acquisition,
    enc: Encoding,
    rng: np.random.Generator,
    seeds: np.ndarray,
    *,
    n_candidates: int = 512,
    n_local: int = 5,
    maxiter: int = 50,
) -> np.ndarray:
    """Return the (snapped) encoded point with the highest acquisition found.

    Args:
        acq: the acquisition to maximize.
        enc: the encoding of the search space.
        rng: source of the Sobol scrambling seed.
        seeds: encoded points that always start a local search (e.g. the best observations).
        n_candidates: number of quasi-random candidates scored in batch.
        n_local: number of candidates refined by local search (besides ``seeds``).
        maxiter: L-BFGS-B iterations of the local search.
    """
    cand = _sobol(enc, n_candidates, rng)
    scores = acq(cand)
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    order = np.argsort(-scores)[:n_local]
    starts = np.vstack([cand[order], enc.round(seeds)]) if len(seeds) else cand[order]
    X = starts
    for _ in range(2 if len(enc.cat_dims) else 1):
        X = _local_continuous(acq, enc, X, maxiter)
        if len(enc.cat_dims):
            X = _sweep_categorical(acq, enc, X)
    final = enc.round(X)
    final_scores = acq(final)
    final_scores = np.where(np.isfinite(final_scores), final_scores, -np.inf)
    best_local = int(np.argmax(final_scores))
    best_raw = int(order[0])
    if final_scores[best_local] >= scores[best_raw]:
        return cast(np.ndarray, final[best_local])
    return cast(np.ndarray, cand[best_raw])

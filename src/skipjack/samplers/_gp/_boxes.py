"""Decompose the region that a Pareto front does not dominate into disjoint boxes (minimization).

Two objectives: the exact staircase of ``k + 1`` strips. More objectives: the cells of the grid
spanned by the front's coordinates whose lower corner no front point dominates (exact, with
``(k + 1)^m`` cells, so the front is thinned to keep at most ``max_cells`` cells; the EHVI is then
computed against the thinned front, a documented approximation).
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["non_dominated_boxes", "pareto_front"]

_FAR = 1e4  # stands for -infinity in standardized loss units


def pareto_front(Y: np.ndarray) -> np.ndarray:
    """The non-dominated rows of ``Y`` (minimization), without duplicates."""
    Y = np.unique(Y, axis=0)
    keep = np.ones(len(Y), dtype=bool)
    for i in range(len(Y)):
        dominated = np.all(Y <= Y[i], axis=1) & np.any(Y < Y[i], axis=1)
        keep[i] = not dominated.any()
    return Y[keep]


def non_dominated_boxes(
    front: np.ndarray, ref: np.ndarray, max_cells: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners, (B, m) each, of disjoint boxes covering the non-dominated region
    below ``ref``. ``front`` must be mutually non-dominated and below ``ref``."""
    m = front.shape[1]
    if len(front) == 0:
        return np.full((1, m), -_FAR), ref[None, :].copy()
    if m == 2:
        f = front[np.argsort(front[:, 0])]
        x_edges = np.concatenate([[-_FAR], f[:, 0], [ref[0]]])
        y_tops = np.concatenate([[ref[1]], f[:, 1]])
        lower = np.stack([x_edges[:-1], np.full(len(f) + 1, -_FAR)], axis=1)
        upper = np.stack([x_edges[1:], y_tops], axis=1)
        keep = upper[:, 0] > lower[:, 0]
        return lower[keep], upper[keep]
    k_max = max(1, int(max_cells ** (1.0 / m)) - 1)
    if len(front) > k_max:
        idx = np.linspace(0, len(front) - 1, k_max).round().astype(int)
        front = front[np.argsort(front[:, 0])][idx]
    edges = [np.concatenate([[-_FAR], np.unique(front[:, j]), [ref[j]]]) for j in range(m)]
    lowers, uppers = [], []
    for cell in itertools.product(*[range(len(e) - 1) for e in edges]):
        lo = np.array([edges[j][c] for j, c in enumerate(cell)])
        if np.any(np.all(front <= lo, axis=1)):
            continue
        lowers.append(lo)
        uppers.append(np.array([edges[j][c + 1] for j, c in enumerate(cell)]))
    return np.array(lowers), np.array(uppers)

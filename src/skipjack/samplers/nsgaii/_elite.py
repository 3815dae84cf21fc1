"""NSGA-II survival: constraint-dominated fronts, then crowding distance in the last front."""

from __future__ import annotations

import numpy as np

from skipjack._mo import constrained_non_dominated_sort

__all__ = ["crowding_distance", "select_elite_crowding", "fill_fronts"]


def crowding_distance(losses: np.ndarray) -> np.ndarray:
    """Crowding distance of each row (Deb et al., 2002): infinite at each objective's extremes."""
    n, m = losses.shape
    distance = np.zeros(n)
    if n <= 2:
        distance[:] = np.inf
        return distance
    for j in range(m):
        order = np.argsort(losses[:, j], kind="stable")
        column = losses[order, j]
        span = column[-1] - column[0]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0 and np.isfinite(span):
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def fill_fronts(ranks: np.ndarray, k: int) -> tuple[list[int], np.ndarray]:
    """Whole fronts that fit in ``k`` (indices), and the front that overflows (may be empty)."""
    selected: list[int] = []
    for rank in np.unique(ranks):
        front = np.flatnonzero(ranks == rank)
        if len(selected) + len(front) <= k:
            selected.extend(front.tolist())
            if len(selected) == k:
                return selected, front[:0]
        else:
            return selected, front
    return selected, np.empty(0, dtype=int)


def select_elite_crowding(
    losses: np.ndarray, violations: np.ndarray, k: int, rng: np.random.Generator
) -> list[int]:
    """Indices of the ``k`` survivors: best fronts first, the most spread-out of the last front.

    Ties in crowding distance are broken at random by ``rng``.
    """
    if len(losses) <= k:
        return list(range(len(losses)))
    ranks = constrained_non_dominated_sort(losses, violations)
    selected, last = fill_fronts(ranks, k)
    if len(selected) < k and len(last):
        distance = crowding_distance(losses[last])
        order = np.lexsort((rng.random(len(last)), -distance))
        selected.extend(last[order[: k - len(selected)]].tolist())
    return selected

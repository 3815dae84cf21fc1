"""NSGA-III survival (Deb and Jain, 2014): reference directions keep the last front diverse."""

from __future__ import annotations

import itertools
from typing import cast

import numpy as np

from skipjack._mo import constrained_non_dominated_sort
from skipjack.samplers.nsgaii._elite import fill_fronts

__all__ = ["das_dennis", "select_elite_reference_points", "normalize"]


def das_dennis(n_objectives: int, dividing_parameter: int) -> np.ndarray:
    """Das and Dennis' structured points on the unit simplex: every vector of ``n_objectives``
    multiples of ``1 / dividing_parameter`` that sum to 1."""
    if n_objectives < 1 or dividing_parameter < 1:
        raise ValueError(
            "The 'dividing_parameter' must be >= 1 for at least one objective. Got "
            f"dividing_parameter={dividing_parameter}, n_objectives={n_objectives}."
        )
    points = []
    for bars in itertools.combinations(range(dividing_parameter + n_objectives - 1),
                                       n_objectives - 1):
        edges = (-1, *bars, dividing_parameter + n_objectives - 1)
        points.append([edges[i + 1] - edges[i] - 1 for i in range(n_objectives)])
    return np.array(points, dtype=float) / dividing_parameter


def normalize(losses: np.ndarray) -> np.ndarray:
    """Translate by the ideal point and scale by the hyperplane intercepts of the extreme points
    (falling back to the worst value per objective when the hyperplane is degenerate)."""
    n, m = losses.shape
    ideal = losses.min(axis=0)
    shifted = losses - ideal
    weights = np.full((m, m), 1e-6) + np.eye(m) * (1.0 - 1e-6)
    # achievement scalarising function per axis: the extreme point of axis i minimises it
    asf = np.max(shifted[:, None, :] / weights[None, :, :], axis=2)
    extremes = shifted[np.argmin(asf, axis=0)]
    nadir = shifted.max(axis=0)
    intercepts = nadir
    try:
        plane = np.linalg.solve(extremes, np.ones(m))
        candidate = 1.0 / plane
        if np.all(np.isfinite(candidate)) and np.all(candidate > 1e-6):
            intercepts = candidate
    except np.linalg.LinAlgError:
        pass
    intercepts = np.where(intercepts > 1e-12, intercepts, 1.0)
    return cast(np.ndarray, shifted / intercepts)


def _associate(points: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest reference line (through the origin) of each point and the perpendicular distance."""
    unit = refs / np.linalg.norm(refs, axis=1, keepdims=True)
    projection = points @ unit.T  # (n, r)
    squared = np.sum(points**2, axis=1, keepdims=True) - projection**2
    distance = np.sqrt(np.maximum(squared, 0.0))
    nearest = np.argmin(distance, axis=1)
    return nearest, distance[np.arange(len(points)), nearest]


def select_elite_reference_points(
    losses: np.ndarray,
    violations: np.ndarray,
    k: int,
    reference_points: np.ndarray,
    rng: np.random.Generator,
) -> list[int]:
    """Indices of the ``k`` survivors: best fronts first, then niche-preserving picks from the
    last front, each going to the least crowded reference direction."""
    if len(losses) <= k:
        return list(range(len(losses)))
    ranks = constrained_non_dominated_sort(losses, violations)
    selected, last = fill_fronts(ranks, k)
    if len(selected) == k or not len(last):
        return selected
    pool = np.array(selected + last.tolist())
    finite = np.where(np.isfinite(losses[pool]), losses[pool], np.nan)
    col_max = np.nanmax(np.where(np.isnan(finite), -np.inf, finite), axis=0)
    finite = np.where(np.isnan(finite), col_max, finite)
    nearest, distance = _associate(normalize(finite), reference_points)
    n_sel = len(selected)
    niche_count = np.bincount(nearest[:n_sel], minlength=len(reference_points))
    # last-front members per niche
    candidates: dict[int, list[int]] = {j: [] for j in range(len(reference_points))}
    for pos in range(n_sel, len(pool)):
        candidates[int(nearest[pos])].append(pos)
    open_refs = {j for j, members in candidates.items() if members}
    while len(selected) < k:
        refs = sorted(open_refs)
        counts = niche_count[refs]
        best = [r for r, c in zip(refs, counts) if c == counts.min()]
        j = best[int(rng.integers(len(best)))]
        members = candidates[j]
        if niche_count[j] == 0:
            pick = min(members, key=lambda p: (distance[p], p))
        else:
            pick = members[int(rng.integers(len(members)))]
        members.remove(pick)
        selected.append(int(pool[pick]))
        niche_count[j] += 1
        if not members:
            open_refs.discard(j)
    return selected

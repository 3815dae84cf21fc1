"""Pareto dominance between trials and non-dominated sorting."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import cast

import numpy as np

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY

__all__ = [
    "constrained_non_dominated_sort",
    "constraint_violation",
    "dominates",
    "fast_non_dominated_sort",
    "is_feasible",
    "pareto_front_trials",
]


def is_feasible(trial: FrozenTrial) -> bool:
    """True when the trial has no constraints or all of them are <= 0."""
    constraints = trial.system_attrs.get(CONSTRAINTS_KEY)
    return constraints is None or all(c <= 0.0 for c in constraints)


def constraint_violation(trial: FrozenTrial) -> float:
    """Total violation ``sum(max(c, 0))`` of the trial's constraints.

    0.0 for a feasible trial; ``inf`` for a trial without recorded constraints (when constraints
    are in use, a trial that did not record them cannot be shown feasible).
    """
    constraints = trial.system_attrs.get(CONSTRAINTS_KEY)
    if constraints is None:
        return float("inf")
    return float(sum(c for c in constraints if c > 0.0))


def _signed(values: Sequence[float], directions: Sequence[StudyDirection]) -> list[float]:
    return [v if d != StudyDirection.MAXIMIZE else -v for v, d in zip(values, directions)]


def dominates(
    trial0: FrozenTrial, trial1: FrozenTrial, directions: Sequence[StudyDirection]
) -> bool:
    """True when ``trial0`` Pareto-dominates ``trial1`` (COMPLETE trials beat all others)."""
    if trial0.state != TrialState.COMPLETE:
        return False
    if trial1.state != TrialState.COMPLETE:
        return True
    assert trial0.values is not None and trial1.values is not None
    if len(trial0.values) != len(directions) or len(trial1.values) != len(directions):
        raise ValueError("The number of values and the number of directions differ.")
    a = _signed(trial0.values, directions)
    b = _signed(trial1.values, directions)
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def _loss_matrix(
    trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection]
) -> np.ndarray:
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
    values = np.array([t.values for t in trials], dtype=float).reshape(len(trials), len(directions))
    return cast(np.ndarray, values * signs)


def fast_non_dominated_sort(loss_values: np.ndarray) -> np.ndarray:
    """Rank of each row of a (n, m) loss matrix (minimize all): 0 for the Pareto front, 1 next...

    Runs in O(m n^2 / 64)-ish vectorised time; fine for the tens of thousands of points samplers see.
    """
    n = loss_values.shape[0]
    ranks = np.full(n, -1, dtype=int)
    if n == 0:
        return ranks
    # unique rows first: duplicates share a rank
    if loss_values.shape[1] == 2 and not np.isnan(loss_values).any():
        return _ranks_2d(loss_values)
    unique, inverse = np.unique(loss_values, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    remaining = np.arange(len(unique))
    unique_ranks = np.empty(len(unique), dtype=int)
    rank = 0
    while remaining.size:
        pts = unique[remaining]
        on_front = _pareto_mask(pts)
        unique_ranks[remaining[on_front]] = rank
        remaining = remaining[~on_front]
        rank += 1
    ranks[:] = unique_ranks[inverse]
    return ranks


def _ranks_2d(loss_values: np.ndarray) -> np.ndarray:
    """Non-domination ranks of two objectives in one sweep, O(n log n).

    Rows are visited by the first objective, then the second: every row that can dominate the
    current one was visited before it. ``tails[r]`` is the smallest second objective seen in front
    ``r``; it does not decrease with ``r``, and the current row is dominated by a row of front ``r``
    exactly when ``tails[r] <= y`` (a visited row has a first objective <= x, and an equal row
    shares the rank of its twin). So the rank is the first front whose tail exceeds ``y``.
    """
    order = np.lexsort((loss_values[:, 1], loss_values[:, 0]))
    xs = loss_values[order, 0].tolist()
    ys = loss_values[order, 1].tolist()
    ranks_sorted = [0] * len(xs)
    tails: list[float] = []
    prev_x = prev_y = math.nan
    prev_rank = -1
    for k, (x, y) in enumerate(zip(xs, ys)):
        if x == prev_x and y == prev_y:
            ranks_sorted[k] = prev_rank  # duplicates share a rank
            continue
        rank = bisect.bisect_right(tails, y)
        if rank == len(tails):
            tails.append(y)
        else:
            tails[rank] = y
        ranks_sorted[k] = prev_rank = rank
        prev_x, prev_y = x, y
    ranks = np.empty(len(xs), dtype=int)
    ranks[order] = ranks_sorted
    return ranks


def _pareto_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (distinct rows, minimize all)."""
    n = len(points)
    if points.shape[1] == 1:
        return cast(np.ndarray, points[:, 0] == points[:, 0].min())
    if points.shape[1] == 2:
        order = np.lexsort((points[:, 1], points[:, 0]))
        sorted_y = points[order, 1]
        cummin = np.minimum.accumulate(sorted_y)
        on = np.ones(n, dtype=bool)
        on[1:] = sorted_y[1:] < cummin[:-1]
        mask = np.zeros(n, dtype=bool)
        mask[order[on]] = True
        return mask
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not mask[i]:
            continue
        p = points[i]
        dominated = np.all(p <= points, axis=1) & np.any(p < points, axis=1)
        mask &= ~dominated
    return mask


def pareto_front_trials(
    trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection], *, consider_constraints: bool
) -> list[FrozenTrial]:
    """The COMPLETE (and, if asked, feasible) trials that no other such trial dominates."""
    candidates = [t for t in trials if t.state == TrialState.COMPLETE]
    if consider_constraints:
        candidates = [t for t in candidates if is_feasible(t)]
    if not candidates:
        return []
    losses = _loss_matrix(candidates, directions)
    unique, inverse = np.unique(losses, axis=0, return_inverse=True)
    mask = _pareto_mask(unique)[inverse.reshape(-1)]
    return [t for t, keep in zip(candidates, mask) if keep]


def constrained_non_dominated_sort(loss_values: np.ndarray, violations: np.ndarray) -> np.ndarray:
    """Ranks under constraint domination (Deb et al., 2002), minimising every objective.

    A feasible row (violation 0) dominates every infeasible row; between feasible rows Pareto
    dominance decides; between infeasible rows the smaller total violation dominates. So all
    feasible rows get the ranks of ``fast_non_dominated_sort`` and the infeasible rows come after,
    one rank per distinct violation value (smallest first).

    Args:
        loss_values: array (n, m) of losses.
        violations: array (n,) of total violations (>= 0; 0 means feasible).

    Returns:
        Integer ranks of shape (n,): 0 is the best front.
    """
    violations = np.asarray(violations, dtype=float)
    if violations.shape != (len(loss_values),):
        raise ValueError(
            f"The 'violations' argument must have one value per row of 'loss_values' "
            f"({len(loss_values)}). Got shape {violations.shape}."
        )
    ranks = np.empty(len(loss_values), dtype=int)
    feasible = violations <= 0.0
    n_feasible_ranks = 0
    if feasible.any():
        ranks[feasible] = fast_non_dominated_sort(loss_values[feasible])
        n_feasible_ranks = int(ranks[feasible].max()) + 1
    if (~feasible).any():
        _, inverse = np.unique(violations[~feasible], return_inverse=True)
        ranks[~feasible] = n_feasible_ranks + inverse.reshape(-1)
    return ranks

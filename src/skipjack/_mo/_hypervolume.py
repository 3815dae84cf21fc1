"""Exact hypervolume, per-point contributions and greedy hypervolume subset selection.

All functions take a loss matrix (n points, m objectives, every objective minimised) and a
reference point that every counted point must strictly dominate; points that do not dominate the
reference point contribute nothing.

Algorithms:

* m = 2: sort and sweep, O(n log n).
* m = 3: sweep along the third objective while keeping the 2-D staircase of the points seen so
  far in a sorted list; each insertion updates the area by the region it adds (the dimension-sweep
  algorithm of Fonseca, Paquete and Lopez-Ibanez, 2006), O(n log n) comparisons plus list moves.
* m >= 4: WFG (While, Bradstreet and Barone, 2012): the volume is the sum of each point's
  exclusive volume, computed from the non-dominated "limit set" of the points after it, recursing
  until three objectives remain.

``solve_hssp`` picks a subset of given size with large hypervolume greedily (lazy greedy: the
hypervolume is submodular, so a stale contribution is an upper bound and most candidates are not
re-evaluated). Greedy selection is within a factor (1 - 1/e) of the optimum; MOTPE and NSGA-style
truncation use it.
"""

from __future__ import annotations

import bisect
import heapq
from typing import cast

import numpy as np

__all__ = ["compute_hypervolume", "hypervolume_contributions", "solve_hssp"]


def _check(loss_vals: np.ndarray, reference_point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = np.asarray(loss_vals, dtype=float)
    ref = np.asarray(reference_point, dtype=float).reshape(-1)
    if points.ndim == 1 and points.size == 0:
        points = points.reshape(0, ref.size)
    if points.ndim != 2:
        raise ValueError(
            f"The 'loss_vals' argument must be a 2-D array (n points, m objectives). Got shape "
            f"{points.shape}."
        )
    if points.shape[1] != ref.size:
        raise ValueError(
            f"The 'reference_point' argument must have one value per objective "
            f"({points.shape[1]}). Got {ref.size} values."
        )
    if np.isnan(points).any() or np.isnan(ref).any():
        raise ValueError("The 'loss_vals' and 'reference_point' arguments must not contain NaN.")
    return points, ref


def _nondominated(points: np.ndarray) -> np.ndarray:
    """Distinct non-dominated rows of ``points`` (minimise all), sorted by the first objective."""
    if len(points) <= 1:
        return points
    points = np.unique(points, axis=0)  # sorted lexicographically, duplicates removed
    if points.shape[1] == 2:
        ys = points[:, 1]
        keep = np.ones(len(points), dtype=bool)
        keep[1:] = ys[1:] < np.minimum.accumulate(ys)[:-1]
        return points[keep]
    keep = np.ones(len(points), dtype=bool)
    for i in range(len(points)):
        if not keep[i]:
            continue
        # rows are sorted lexicographically, so only later rows can be dominated by row i
        rest = points[i + 1 :]
        dominated = np.all(points[i] <= rest, axis=1)
        keep[i + 1 :] &= ~dominated
    return points[keep]


def _hv2d(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of 2-D points, all strictly inside the reference box."""
    order = np.argsort(points[:, 0], kind="stable")
    xs = points[order, 0]
    ys = np.minimum.accumulate(points[order, 1])
    widths = np.diff(np.append(xs, ref[0]))
    return float(np.sum(widths * (ref[1] - ys)))


def _hv3d(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of 3-D points by a sweep along z with an incrementally updated 2-D staircase."""
    order = np.argsort(points[:, 2], kind="stable")
    pts = points[order].tolist()
    rx, ry, rz = float(ref[0]), float(ref[1]), float(ref[2])
    front_x: list[float] = []  # staircase sorted by x ascending (so y strictly descending)
    front_y: list[float] = []
    area = 0.0
    volume = 0.0
    for k, (px, py, pz) in enumerate(pts):
        pos = bisect.bisect_right(front_x, px)
        left_y = front_y[pos - 1] if pos > 0 else ry
        if left_y > py:  # not dominated by the staircase
            end = pos
            n_front = len(front_x)
            while end < n_front and front_y[end] >= py:
                end += 1
            # area added: strip [px, next_x) above py, minus what the old staircase covered
            added = 0.0
            cur_x, cur_h = px, left_y
            for j in range(pos, end):
                added += (front_x[j] - cur_x) * (cur_h - py)
                cur_x, cur_h = front_x[j], front_y[j]
            next_x = front_x[end] if end < n_front else rx
            added += (next_x - cur_x) * (cur_h - py)
            area += added
            front_x[pos:end] = [px]
            front_y[pos:end] = [py]
        next_z = pts[k + 1][2] if k + 1 < len(pts) else rz
        volume += area * (next_z - pz)
    return volume


def _wfg(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of distinct non-dominated points strictly inside the reference box."""
    n, m = points.shape
    if n == 0:
        return 0.0
    if n == 1:
        return float(np.prod(ref - points[0]))
    if m == 2:
        return _hv2d(points, ref)
    if m == 3:
        return _hv3d(points, ref)
    # Sort worst-first in the last objective: every later point is then at least as good there, so
    # each limit set max(rest, p_i) shares p_i's last coordinate and the exclusive volume of p_i is
    # (ref_m - p_im) times an (m-1)-dimensional exclusive volume: the recursion loses a dimension.
    points = points[np.argsort(-points[:, -1], kind="stable")]
    heights = ref[-1] - points[:, -1]
    head = points[:, :-1]
    sub_ref = ref[:-1]
    inclusive = np.prod(sub_ref - head, axis=1)
    total = 0.0
    for i in range(n):
        exclusive = inclusive[i]
        if i + 1 < n:
            limit = _nondominated(np.maximum(head[i + 1 :], head[i]))
            exclusive -= _wfg(limit, sub_ref)
        total += heights[i] * exclusive
    return float(total)


def _inside(points: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return points[np.all(points < ref, axis=1)]


def compute_hypervolume(
    loss_vals: np.ndarray, reference_point: np.ndarray, assume_pareto: bool = False
) -> float:
    """Return the hypervolume dominated by ``loss_vals`` and bounded by ``reference_point``.

    Args:
        loss_vals: array of shape (n, m); every objective is minimised.
        reference_point: array of shape (m,). Points that do not strictly dominate it are ignored.
        assume_pareto: skip the non-dominated filtering (the caller guarantees distinct,
            mutually non-dominated points).

    Returns:
        The Lebesgue measure of the region dominated by the points and dominating the reference
        point (0.0 for no points). ``inf`` when a point has an objective of ``-inf``.

    Raises:
        ValueError: shapes disagree or a value is NaN.
    """
    points, ref = _check(loss_vals, reference_point)
    points = _inside(points, ref)
    if len(points) == 0:
        return 0.0
    if np.isinf(points).any() or np.isinf(ref).any():
        return float("inf")
    if not assume_pareto:
        points = _nondominated(points)
    if points.shape[1] == 1:
        return float(ref[0] - points[:, 0].min())
    return _wfg(points, ref)


def hypervolume_contributions(loss_vals: np.ndarray, reference_point: np.ndarray) -> np.ndarray:
    """Return each point's exclusive hypervolume contribution: HV(all) - HV(all without it).

    Dominated points, duplicated points and points outside the reference box contribute 0.

    Args:
        loss_vals: array of shape (n, m); every objective is minimised.
        reference_point: array of shape (m,).

    Returns:
        Array of shape (n,).
    """
    points, ref = _check(loss_vals, reference_point)
    n, m = points.shape
    contributions = np.zeros(n)
    if n == 0:
        return contributions
    inside = np.all(points < ref, axis=1)
    if m == 2:
        idx = np.flatnonzero(inside)
        order = idx[np.lexsort((points[idx, 1], points[idx, 0]))]
        best_y = np.inf
        front = []
        for i in order:  # lexicographic: a point is on the front iff its y beats all before it
            if points[i, 1] < best_y:
                front.append(i)
                best_y = points[i, 1]
        for k, i in enumerate(front):
            right = points[front[k + 1], 0] if k + 1 < len(front) else ref[0]
            top = points[front[k - 1], 1] if k > 0 else ref[1]
            contributions[i] = (right - points[i, 0]) * (top - points[i, 1])
        _zero_duplicates(points, inside, contributions)
        return contributions
    for i in np.flatnonzero(inside):
        others = np.delete(points, i, axis=0)
        others = _inside(others, ref)
        limit = np.maximum(others, points[i])
        # a duplicate or dominating point makes the limit set cover the whole box: contribution 0
        inclusive = float(np.prod(ref - points[i]))
        limit = _inside(limit, ref)
        covered = _wfg(_nondominated(limit), ref) if len(limit) else 0.0
        contributions[i] = max(inclusive - covered, 0.0)
    return contributions


def _zero_duplicates(points: np.ndarray, inside: np.ndarray, contributions: np.ndarray) -> None:
    idx = np.flatnonzero(inside)
    _, inverse, counts = np.unique(points[idx], axis=0, return_inverse=True, return_counts=True)
    contributions[idx[counts[inverse.reshape(-1)] > 1]] = 0.0


def solve_hssp(
    loss_vals: np.ndarray,
    indices: np.ndarray,
    subset_size: int,
    reference_point: np.ndarray,
) -> np.ndarray:
    """Greedily select ``subset_size`` points of large joint hypervolume (the HSSP).

    Each step adds the point whose contribution to the hypervolume of the points chosen so far is
    largest (ties: the earlier row). Lazy evaluation keeps most steps cheap.

    Args:
        loss_vals: array of shape (n, m) of candidates; every objective is minimised.
        indices: array of shape (n,): the label returned for each candidate row.
        subset_size: how many to select; all are returned when ``subset_size >= n``.
        reference_point: array of shape (m,).

    Returns:
        The labels (from ``indices``) of the selected points, in selection order.

    Raises:
        ValueError: ``subset_size`` is negative, or shapes disagree.
    """
    points, ref = _check(loss_vals, reference_point)
    indices = np.asarray(indices)
    if indices.shape != (len(points),):
        raise ValueError(
            f"The 'indices' argument must have one label per row of 'loss_vals' ({len(points)}). "
            f"Got shape {indices.shape}."
        )
    if subset_size < 0:
        raise ValueError(f"The 'subset_size' argument must be >= 0. Got {subset_size}.")
    n = len(points)
    if subset_size >= n:
        return indices.copy()
    if subset_size == 0:
        return indices[:0].copy()
    # Points outside the box add nothing; clip so products stay >= 0.
    clipped = np.minimum(points, ref)
    inclusive = np.prod(ref - clipped, axis=1)
    heap = [(-inclusive[i], i) for i in range(n)]
    heapq.heapify(heap)
    chosen: list[int] = []
    fresh = np.zeros(n, dtype=int)  # the selection size at which each heap entry was computed
    while len(chosen) < subset_size:
        neg_gain, i = heapq.heappop(heap)
        if fresh[i] == len(chosen):
            chosen.append(i)
            continue
        if chosen:
            limit = np.maximum(clipped[chosen], clipped[i])
            limit = _inside(limit, ref)
            covered = _wfg(_nondominated(limit), ref) if len(limit) else 0.0
            gain = max(float(inclusive[i]) - covered, 0.0)
        else:
            gain = float(inclusive[i])
        fresh[i] = len(chosen)
        heapq.heappush(heap, (-gain, i))
    return cast(np.ndarray, indices[np.array(chosen, dtype=int)])

"""Hypervolume, contributions, subset selection and constrained sorting, checked against moocore."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from skipjack._mo import (
    compute_hypervolume,
    constrained_non_dominated_sort,
    fast_non_dominated_sort,
    hypervolume_contributions,
    solve_hssp,
)

moocore = pytest.importorskip("moocore")


def _random_front(rng: np.random.Generator, n: int, m: int, kind: int) -> np.ndarray:
    x = rng.random((n, m))
    if kind == 1:  # on the unit sphere: mostly mutually non-dominated
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
    elif kind == 2:  # on a simplex, with duplicates and points beyond the reference point
        x = x / x.sum(axis=1, keepdims=True)
        x[: n // 4] = x[n // 4 : 2 * (n // 4)]
        x[-1] += 2.0
    return x


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_matches_moocore_on_100_random_fronts(m: int) -> None:
    rng = np.random.default_rng(m)
    max_n = {2: 200, 3: 150, 4: 100, 5: 50}[m]
    for k in range(100):
        n = int(rng.integers(1, max_n))
        points = _random_front(rng, n, m, k % 3)
        ref = np.full(m, 1.1) + rng.random(m) * 0.2
        expected = moocore.hypervolume(points, ref=ref)
        got = compute_hypervolume(points, ref)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), (m, k, n)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_contributions_equal_leave_one_out_differences(m: int) -> None:
    rng = np.random.default_rng(10 + m)
    points = _random_front(rng, 25, m, 1)
    points[3] = points[7]  # a duplicated pair contributes nothing
    points = np.vstack([points, points[0] + 0.01])  # a dominated point contributes nothing
    ref = np.full(m, 1.2)
    total = moocore.hypervolume(points, ref=ref)
    expected = [total - moocore.hypervolume(np.delete(points, i, 0), ref=ref)
                for i in range(len(points))]
    got = hypervolume_contributions(points, ref)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert got[3] == got[7] == 0.0 and got[-1] == 0.0


def test_hssp_is_optimal_on_small_2d_instances_and_greedy_in_general() -> None:
    rng = np.random.default_rng(0)
    points = _random_front(rng, 10, 2, 1)
    ref = np.full(2, 1.1)
    labels = np.arange(100, 110)
    chosen = solve_hssp(points, labels, 3, ref)
    assert len(set(chosen.tolist())) == 3 and set(chosen.tolist()) <= set(labels.tolist())
    best = max(
        compute_hypervolume(points[list(c)], ref) for c in itertools.combinations(range(10), 3)
    )
    got = compute_hypervolume(points[chosen - 100], ref)
    assert got >= (1 - 1 / np.e) * best
    # the first pick is the point with the largest box on its own
    assert chosen[0] - 100 == int(np.argmax(np.prod(ref - points, axis=1)))
    # each greedy pick maximises the gain given the earlier picks
    for k in range(1, 3):
        base = compute_hypervolume(points[chosen[:k] - 100], ref)
        gains = [
            compute_hypervolume(points[np.append(chosen[:k] - 100, j)], ref) - base
            for j in range(10)
        ]
        assert gains[chosen[k] - 100] == pytest.approx(max(gains))
    assert len(solve_hssp(points, labels, 20, ref)) == 10
    with pytest.raises(ValueError, match="subset_size"):
        solve_hssp(points, labels, -1, ref)


def test_edge_cases_and_errors() -> None:
    ref = np.array([1.0, 1.0])
    assert compute_hypervolume(np.empty((0, 2)), ref) == 0.0
    assert compute_hypervolume(np.array([[2.0, 0.0]]), ref) == 0.0  # outside the box
    assert compute_hypervolume(np.array([[0.5]]), np.array([1.0])) == 0.5
    assert compute_hypervolume(np.array([[0.0, 0.0], [0.0, 0.0]]), ref) == 1.0
    with pytest.raises(ValueError, match="reference_point"):
        compute_hypervolume(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        compute_hypervolume(np.array([[np.nan, 0.0]]), ref)


def test_fast_non_dominated_sort_ranks() -> None:
    rng = np.random.default_rng(1)
    for m in (2, 3):
        points = rng.integers(0, 6, size=(60, m)).astype(float)
        ranks = fast_non_dominated_sort(points)
        for i, j in itertools.product(range(60), repeat=2):
            if np.all(points[i] <= points[j]) and np.any(points[i] < points[j]):
                assert ranks[i] < ranks[j]
        # every point of rank r > 0 is dominated by some point of rank r - 1
        for i in np.flatnonzero(ranks > 0):
            prev = points[ranks == ranks[i] - 1]
            assert np.any(np.all(prev <= points[i], axis=1) & np.any(prev < points[i], axis=1))


def test_infeasible_never_dominates_feasible() -> None:
    rng = np.random.default_rng(2)
    losses = rng.random((80, 2))
    violations = np.where(rng.random(80) < 0.5, 0.0, rng.random(80))
    # make infeasible points look excellent: they must still rank after every feasible one
    losses[violations > 0] -= 10.0
    ranks = constrained_non_dominated_sort(losses, violations)
    assert ranks[violations > 0].min() > ranks[violations == 0].max()
    infeasible = np.flatnonzero(violations > 0)
    order = infeasible[np.argsort(violations[infeasible])]
    assert np.all(np.diff(ranks[order]) >= 0)  # smaller violation ranks first
    np.testing.assert_array_equal(
        ranks[violations == 0], fast_non_dominated_sort(losses[violations == 0])
    )

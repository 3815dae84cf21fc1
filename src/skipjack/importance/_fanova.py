"""fANOVA importance (Hutter, Hoos and Leyton-Brown, ICML 2014), computed exactly per tree.

A regression tree is a piecewise-constant function on the search-space box: each leaf is a sub-box
with a constant prediction. Under the uniform measure on the box, the tree's mean and variance are
sums over leaves weighted by leaf volume, and the *main effect* of parameter ``i``,
``a_i(x_i) = E[f | x_i]``, is piecewise constant between the tree's split points on ``i``: at a
point ``x_i`` it is the sum, over the leaves whose ``i``-interval contains ``x_i``, of the leaf
value times the leaf's volume fraction in the other dimensions. The importance of ``i`` in one tree
is ``Var(a_i) / Var(f)``; the evaluator averages it over the trees whose variance is positive.

Vectorized: leaf boxes come from one numpy pass per tree level, and each main effect is a
difference array over the sorted split points (``bincount`` + ``cumsum``), so no Python loop runs
over leaves or trials. Cost per tree: O(depth * nodes) to build the boxes and
O(params * leaves * log leaves) for the main effects, with ``leaves <= n_trials``; the forest fit
(scikit-learn, O(n_trees * params * n log n)) usually dominates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack.importance._base import Target, sort_importances
from skipjack.importance._forest import ForestEvaluator

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["FanovaImportanceEvaluator"]


def _leaf_boxes(tree: Any, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, ...]:
    """(lower, upper, value) of each leaf of a fitted sklearn tree, in the box [low, high]."""
    left, right = tree.children_left, tree.children_right
    feature, threshold = tree.feature, tree.threshold
    n_nodes = left.shape[0]
    lower = np.empty((n_nodes, low.shape[0]))
    upper = np.empty((n_nodes, low.shape[0]))
    lower[0], upper[0] = low, high
    frontier = np.array([0])
    while frontier.size:
        inner = frontier[left[frontier] >= 0]
        if not inner.size:
            break
        f, t = feature[inner], threshold[inner]
        lc, rc = left[inner], right[inner]
        lower[lc], upper[lc] = lower[inner], upper[inner]
        lower[rc], upper[rc] = lower[inner], upper[inner]
        upper[lc, f] = np.clip(t, lower[inner, f], upper[inner, f])
        lower[rc, f] = upper[lc, f]
        frontier = np.concatenate([lc, rc])
    leaves = np.flatnonzero(left < 0)
    return lower[leaves], upper[leaves], tree.value[leaves].reshape(-1)


def tree_main_effects(
    tree: Any, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, float]:
    """Variance of each parameter's main effect and the total variance of one tree.

    Args:
        tree: a fitted ``sklearn.tree._tree.Tree`` (``estimator.tree_``).
        low, high: the domain box, arrays of shape (n_params,).

    Returns:
        (``main``: array (n_params,) of ``Var(a_i)``, ``total``: ``Var(f)``), both under the
        uniform measure on the box. A parameter with an empty domain (one value) gets 0.
    """
    lo, hi, value = _leaf_boxes(tree, low, high)
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    frac = np.where(width > 0, (hi - lo) / safe, 1.0)  # (leaves, params)
    vol = np.prod(frac, axis=1)
    mean = float(vol @ value)
    total = float(vol @ (value - mean) ** 2)
    main = np.zeros(low.shape[0])
    if total <= 0.0:
        return main, 0.0
    for i in range(low.shape[0]):
        if width[i] <= 0:
            continue
        points = np.unique(np.concatenate([lo[:, i], hi[:, i]]))
        if points.size < 3:  # never split on i: a constant main effect
            continue
        start = np.searchsorted(points, lo[:, i])
        stop = np.searchsorted(points, hi[:, i])
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(frac[:, i] > 0, value * vol / frac[:, i], 0.0)
        diff = np.bincount(start, weight, points.size) - np.bincount(stop, weight, points.size)
        effect = np.cumsum(diff)[:-1]  # the main effect on each cell between split points
        cell = np.diff(points) / width[i]
        main[i] = float(cell @ (effect - mean) ** 2)
    return main, total


class FanovaImportanceEvaluator(ForestEvaluator):
    """fANOVA importance evaluator.

    Fits a random forest (scikit-learn ``RandomForestRegressor``) that predicts the target from the
    parameters of COMPLETE trials, then decomposes the variance of each tree over the search space
    (functional ANOVA, Hutter et al., ICML 2014): the importance of a parameter is the fraction of
    the variance explained by its main effect, averaged over the trees. The more accurate the
    forest, the more reliable the importances; an exploring sampler (e.g. ``RandomSampler``) covers
    the space better than an exploiting one.

    Cost: the forest fit, O(n_trees * n_params * n log n) for n trials, plus a vectorized exact
    decomposition of each tree, O(n_params * n log n) per tree (see the module docstring). Pairwise
    interactions are not reported.

    Args:
        n_trees: number of trees in the forest.
        max_depth: maximum depth of each tree.
        seed: seed of the forest; an integer makes the result reproducible.

    Requires scikit-learn (``pip install 'skipjack[importance]'``).
    """

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        fitted = self._fit(study, params, target)
        if fitted is None:
            return {}
        enc, forest = fitted
        shares = []
        for estimator in forest.estimators_:
            main, total = tree_main_effects(estimator.tree_, enc.low, enc.high)
            if total > 0.0:
                shares.append(main / total)
        importance = np.mean(shares, axis=0) if shares else np.zeros(len(enc.names))
        return sort_importances(enc.names, importance)

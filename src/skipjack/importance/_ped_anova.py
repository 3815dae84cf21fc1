"""PED-ANOVA importance (Watanabe, Bansal and Hutter, IJCAI 2023, arXiv:2304.10255).

PED-ANOVA measures, for each parameter, how far the marginal distribution of the top-``gamma'``
trials is from the marginal distribution of a reference region: the top-``gamma`` trials
(``evaluate_on_local=True``) or the whole search space, uniformly (``False``). The paper shows
that the local variance of the objective's main effect, for the indicator "better than the
``gamma'`` quantile", equals ``(gamma'/gamma)^2`` times the Pearson divergence
``D(p || q) = E_q[(p/q - 1)^2] = sum p^2/q - 1`` between the two marginals ``p`` (top) and ``q``
(region), which is what this module computes. A conditional parameter's divergence is summed over its
regimes (the distributions it was suggested with), each weighted by ``alpha^2 / beta`` (its
shares of the top and region trials), as in conditional PED-ANOVA (Optuna 5).

Marginals are Parzen estimators: Gaussian kernels with Scott's bandwidth on the parameter's
normalized domain (log scale for ``log=True``), tabulated on a grid (256 cells for a continuous
parameter, one point per value for a discrete one with at most 1024 values), plus a prior of one
observation spread uniformly, so ``q > 0`` everywhere. A categorical parameter uses the choice
frequencies with the same prior. Observations are binned first (1024 bins), so the cost is
O(n_trials + grid * bins) per parameter: the evaluator needs numpy only and runs in milliseconds
on 10 000 trials.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from skipjack._records import FrozenTrial, StudyDirection
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.importance._base import (
    BaseImportanceEvaluator,
    Target,
    appearing_params,
    column_values,
    completed_trials,
    domain,
    finite_trials,
    sort_importances,
)
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["PedAnovaImportanceEvaluator"]

_logger = get_logger(__name__)

_GRID = 256  # cells of a continuous parameter's grid
_BINS = 1024  # bins the observations of a continuous parameter are counted in
_MAX_VALUES = 1024  # a discrete parameter with more values is treated as continuous
_MIN_BANDWIDTH = 2.0 / _GRID
_MIN_TRIALS_IN_REGIME = 2  # a regime of a conditional parameter with fewer trials is left out


def _support(dist: BaseDistribution, low: float, high: float) -> np.ndarray | None:
    """Grid points (encoded scale) of a discrete numeric parameter, or None if continuous."""
    if isinstance(dist, IntDistribution):
        count = (dist.high - dist.low) // dist.step + 1
        if count > _MAX_VALUES:
            return None
        values = np.arange(dist.low, dist.high + 1, dist.step, dtype=float)
        return np.log(values) if dist.log else values
    if isinstance(dist, FloatDistribution) and dist.step is not None:
        count = int(round((dist.high - dist.low) / dist.step)) + 1
        if count > _MAX_VALUES:
            return None
        return dist.low + dist.step * np.arange(count)
    return None


def _bandwidth(u: np.ndarray, floor: float) -> float:
    """Scott's rule on normalized values ``u``, never below ``floor``."""
    if u.size < 2:
        return max(floor, 1.0)
    scott = 1.059 * float(np.std(u)) * math.pow(u.size, -0.2)
    return max(scott, floor)


def _parzen(
    points: np.ndarray, cells: np.ndarray, atoms: np.ndarray, counts: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Probability of each grid cell under the Parzen estimator of ``u`` plus a uniform prior.

    ``points``: grid positions in [0, 1]; ``cells``: the share of [0, 1] each one stands for (the
    uniform prior); ``atoms``: the positions the observations ``u`` were counted at (``counts``).
    """
    n = u.size
    if n == 0:
        return cells
    floor = _MIN_BANDWIDTH
    if points.size > 1:
        floor = max(floor, 0.5 * float(np.min(np.diff(points))))
    h = _bandwidth(u, floor)
    used = counts > 0
    kernel = np.exp(-0.5 * ((points[:, None] - atoms[None, used]) / h) ** 2)
    kde = (kernel @ counts[used]) * cells
    kde /= kde.sum()
    result: np.ndarray = (n * kde + cells) / (n + 1)
    return result


class _Column:
    """How one parameter's observations become a probability vector on its grid."""

    def __init__(self, dist: BaseDistribution, low: float, high: float) -> None:
        self.categorical = isinstance(dist, CategoricalDistribution)
        self.width = high - low
        self.low = low
        if self.categorical:
            k = len(dist.choices)  # type: ignore[attr-defined]
            self.cells = np.full(k, 1.0 / k)
            return
        values = _support(dist, low, high)
        if values is not None:
            # One point per value; its cell reaches halfway to its neighbours (log scale included).
            self.points = (values - low) / self.width
            edges = np.concatenate([[0.0], 0.5 * (self.points[1:] + self.points[:-1]), [1.0]])
            self.cells = np.diff(edges)
            self.atoms = self.points
            self.discrete = True
        else:
            self.points = (np.arange(_GRID) + 0.5) / _GRID
            self.cells = np.full(_GRID, 1.0 / _GRID)
            self.atoms = (np.arange(_BINS) + 0.5) / _BINS
            self.discrete = False

    def uniform(self) -> np.ndarray:
        """The uniform distribution on the parameter's domain, per grid cell."""
        return self.cells

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        k = self.cells.size
        if self.categorical:
            counts = np.bincount(x.astype(int), minlength=k).astype(float)
            result: np.ndarray = (counts + self.cells) / (x.size + 1)
            return result
        u = (x - self.low) / self.width
        if self.discrete:
            index = np.searchsorted(0.5 * (self.points[1:] + self.points[:-1]), u)
        else:
            index = np.clip((u * _BINS).astype(int), 0, _BINS - 1)
        counts = np.bincount(index, minlength=self.atoms.size).astype(float)
        return _parzen(self.points, self.cells, self.atoms, counts, u)


def _best_k_multi(losses: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` best trials of a (n, m) loss matrix: whole non-domination ranks first,
    the rank that does not fit whole cut by greedy hypervolume subset selection (as MOTPE does)."""
    from skipjack._mo import fast_non_dominated_sort, solve_hssp

    big = np.finfo(float).max / 10
    losses = np.where(np.isfinite(losses), losses, big)
    ranks = fast_non_dominated_sort(losses)
    chosen: list[np.ndarray] = []
    left = k
    for rank in range(int(ranks.max()) + 1 if ranks.size else 0):
        front = np.flatnonzero(ranks == rank)
        if front.size <= left:
            chosen.append(front)
            left -= front.size
        else:
            pts = losses[front]
            worst = pts.max(axis=0)
            ref = np.maximum(1.1 * worst, 0.9 * worst)
            ref = np.where(ref == worst, worst + 1.0, ref)
            chosen.append(np.asarray(solve_hssp(pts, front, left, ref), dtype=int))
            left = 0
        if left == 0:
            break
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)


def _count(quantile: float, n: int, at_least: int) -> int:
    return min(n, max(at_least, math.ceil(quantile * n - 1e-12)))


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA importance evaluator (the default of ``get_param_importances``).

    Compares, parameter by parameter, the distribution of the top-``target_quantile`` COMPLETE
    trials with the distribution of the top-``region_quantile`` trials (or of the whole search
    space) via the Pearson divergence of Parzen estimators (Watanabe et al., IJCAI 2023). The
    importance says how much each parameter matters to reach the top ``target_quantile`` of the
    trials. It needs no model fit: O(n_trials + grid^2) per parameter with numpy alone (see the
    module docstring). Include at least about 5 trials in the top quantile for a stable result.

    Conditional parameters (conditional PED-ANOVA, as Optuna 5): a parameter's trials are split
    into regimes, one per distribution it was suggested with plus one where it was not
    suggested; each regime holding at least 2 of the region's trials adds
    ``alpha^2 / beta * D(p || q)``, with ``alpha`` and ``beta`` the regime's shares of the top and
    region trials and ``D`` the divergence within the regime. So ``params=None`` assesses every
    parameter that appears in a COMPLETE trial. Trials with a non-finite value (or ``target``) are
    left out; with fewer than 2 left, every parameter gets 0 (with a ``UserWarning``).

    Ranking: the objective value in the study's direction; a ``target`` is always minimized (negate
    it to maximize). A multi-objective study without ``target`` ranks trials by non-domination
    rank, the last rank that fits only partly cut by greedy hypervolume subset selection.

    Args:
        target_quantile: the top quantile whose distribution is explained (``gamma'`` in the
            paper), e.g. 0.1 for the top 10% of trials.
        region_quantile: the top quantile that defines the region the importance is measured in
            (``gamma``); 1.0 is the whole search space.
        evaluate_on_local: compare with the trials of the region (True: how the parameters mattered
            during this optimization), or with the uniform distribution on the search space
            (False).

    Raises:
        ValueError: unless ``0 < target_quantile < region_quantile <= 1``.
    """

    def __init__(
        self,
        *,
        target_quantile: float = 0.1,
        region_quantile: float = 1.0,
        evaluate_on_local: bool = True,
    ) -> None:
        if not 0.0 < target_quantile < region_quantile <= 1.0:
            raise ValueError(
                "PedAnovaImportanceEvaluator needs 0 < target_quantile < region_quantile <= 1. "
                f"Got target_quantile={target_quantile!r}, region_quantile={region_quantile!r}."
            )
        self._target_quantile = target_quantile
        self._region_quantile = region_quantile
        self._evaluate_on_local = evaluate_on_local

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`; ``target`` is optional on any study.

        With ``params=None`` every parameter that appears in a COMPLETE trial is assessed,
        conditional ones included (see the class docstring).
        """
        if params is not None and len(params) == 0:
            return {}
        trials = completed_trials(study)
        if not trials and params is None:
            _logger.warning("The study has no COMPLETE trials: no parameter importance to assess.")
            return {}
        names = appearing_params(trials, params)
        trials = finite_trials(trials, target)
        if len(trials) <= 1:
            warnings.warn(
                f"{len(trials)} COMPLETE trial(s) with a finite value: too few to compare "
                "distributions, so every parameter gets importance 0.",
                UserWarning, stacklevel=2,
            )
            return {name: 0.0 for name in names}
        n = len(trials)
        n_top = _count(self._target_quantile, n, 1)
        n_region = _count(self._region_quantile, n, n_top)
        top, region = self._split(study, trials, target, n_top, n_region)
        in_top = np.zeros(n, dtype=bool)
        in_top[top] = True
        scale = (top.size / region.size) ** 2
        importance = np.zeros(len(names))
        region_rows = region.tolist()
        region_dists = [trials[i].distributions for i in region_rows]
        for j, name in enumerate(names):
            # Group the region's trials by the distribution of `name` (None: not suggested).
            # Distribution objects are mostly shared between trials: group by identity first,
            # so each distinct object is hashed once.
            by_id: dict[int, list[int]] = {}
            first: dict[int, BaseDistribution | None] = {}
            for i, dists in zip(region_rows, region_dists):
                d = dists.get(name)
                key = id(d)
                rows_of = by_id.get(key)
                if rows_of is None:
                    by_id[key] = rows_of = []
                    first[key] = d
                rows_of.append(i)
            regimes: dict[BaseDistribution | None, list[int]] = {}
            for key, rows_of in by_id.items():
                regimes.setdefault(first[key], []).extend(rows_of)
            small = [d for d, rows in regimes.items() if len(rows) < _MIN_TRIALS_IN_REGIME]
            if small:
                _logger.warning(
                    f"Parameter {name!r}: {len(small)} of its regimes (a distribution, or not "
                    f"suggested) hold fewer than {_MIN_TRIALS_IN_REGIME} trials of the region and "
                    "are left out; its importance may be inaccurate."
                )
            for dist, rows in regimes.items():
                if dist is None or dist.single() or len(rows) < _MIN_TRIALS_IN_REGIME:
                    continue
                rows_arr = np.array(rows)
                is_top = in_top[rows_arr]
                n_top_regime = int(is_top.sum())
                if n_top_regime == 0:
                    continue
                alpha = n_top_regime / top.size  # share of the top trials in this regime
                beta = rows_arr.size / region.size  # share of the region's trials in it
                x = column_values(dist, [trials[i].params[name] for i in rows])
                importance[j] += alpha**2 / beta * self._divergence(dist, x[is_top], x)
        return sort_importances(names, scale * importance)

    def _divergence(self, dist: BaseDistribution, top: np.ndarray, region: np.ndarray) -> float:
        """Pearson divergence between the top trials' and the region's marginals of one
        parameter (encoded values of one regime)."""
        low, high = domain(dist)
        if high <= low:
            return 0.0
        column = _Column(dist, low, high)
        p = column.probabilities(top)
        q = column.probabilities(region) if self._evaluate_on_local else column.uniform()
        return max(float(np.sum(p * p / q)) - 1.0, 0.0)

    def _split(
        self,
        study: Study,
        trials: list[FrozenTrial],
        target: Target | None,
        n_top: int,
        n_region: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row indices of the top trials and of the region's trials."""
        directions = study.directions
        if target is None and len(directions) > 1:
            signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
            losses = np.array([t.values for t in trials], dtype=float) * signs
            return _best_k_multi(losses, n_top), _best_k_multi(losses, n_region)
        if target is None:
            sign = -1.0 if directions[0] == StudyDirection.MAXIMIZE else 1.0
            values = sign * np.array([t.value for t in trials], dtype=float)
        else:
            values = np.array([target(t) for t in trials], dtype=float)
        ranked = np.sort(values)
        # Quantile sets as in the paper, {x : f(x) <= f_gamma}: ties with the cut-off belong.
        top = np.flatnonzero(values <= ranked[n_top - 1])
        region = np.flatnonzero(values <= ranked[n_region - 1])
        return top, region

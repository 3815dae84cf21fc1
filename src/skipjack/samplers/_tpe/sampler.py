"""``TPESampler``: the Tree-structured Parzen Estimator, skipjack's default sampler.

For each new trial, the finished trials are split into a good group (the best ``gamma(n)``) and a
bad group (the rest, plus running trials under the constant liar); one Parzen estimator is fitted to
each, ``l(x)`` and ``g(x)``; ``n_ei_candidates`` points drawn from ``l`` are scored by
``log l(x) - log g(x)`` and the best one is returned. With ``multivariate`` the parameters of the
joint search space are modelled together (one kernel per trial over all of them); otherwise each
parameter has its own one-dimensional estimators.

Design note (work per trial): finished trials are ingested once into numpy columns
(``_history.History``); the split, the kernels and the scoring are array operations; the bad group,
the only one that grows with the study, is capped at ``max_above_kernels`` kernels (see
``_split.cap_above`` and docs/tpe.md for the measured trade-off). Below 98 finished trials g(x) is
fitted to the bad trials themselves (Optuna's rule; the magic clip's floor still changes with every
trial there). From 98 on its kernels are not rebuilt per trial: each finished trial's kernel is computed once and kept up to date as neighbours arrive
(``_row_kernels``), and g(x) is gathered from them; the bandwidths are then neighbour gaps among
all finished trials rather than among the bad ones only (measured on BBOB: docs/tpe.md). A search
space whose parameters changed distribution falls back to building g(x) from scratch.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack._records import FrozenTrial, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack._study_feed import TrialFeed
from skipjack.distributions import BaseDistribution
from skipjack.logging import get_logger
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._constraints import store_constraints
from skipjack.samplers._random import RandomSampler
from skipjack.samplers._tpe._arguments import check_arguments
from skipjack.samplers._tpe._groups import SpaceTracker
from skipjack.samplers._tpe._history import History, running_rows
from skipjack.samplers._tpe._parzen import (
    EstimatorSettings,
    GatheredMixture,
    ParzenEstimator,
    Workspace,
    subset_bandwidths,
)
from skipjack.samplers._tpe._row_kernels import RowKernels, gather_mixture
from skipjack.samplers._tpe._space import ParamSpec, make_spec
from skipjack.samplers._tpe._split import (
    cap_above,
    default_gamma,
    default_gamma_multiobjective,
    default_weights,
    hyperopt_default_gamma,
    split_rows,
)

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["TPESampler", "default_gamma", "default_weights"]

_logger = get_logger(__name__)

_DEFAULT_MAX_ABOVE_KERNELS = 1024
# from this many finished trials on, g(x) is gathered from the incrementally kept row kernels
# (the magic clip's floor, width / min(100, n + 2), no longer changes from trial to trial)
_ROW_KERNELS_FROM = 98


class _TrialState:
    """What one trial's sampling calls share: the history size and running trials at its start."""

    __slots__ = ("n", "running", "split")

    def __init__(self, n: int, running: list[FrozenTrial]) -> None:
        self.n = n
        self.running = running
        self.split: tuple[np.ndarray, np.ndarray] | None = None


class TPESampler(BaseSampler):
    """Sampler using TPE (Tree-structured Parzen Estimator).

    Args:
        consider_prior: deprecated (Optuna 4.3); the prior is always used.
        prior_weight: deprecated (Optuna 4.9); weight of the prior kernel (default 1.0).
        consider_magic_clip: deprecated (Optuna 4.9); floor the bandwidths (default True).
        consider_endpoints: deprecated (Optuna 4.9); count the domain ends as neighbours when
            computing univariate bandwidths (default False).
        n_startup_trials: finished trials sampled at random before TPE starts.
        n_ei_candidates: candidates drawn from ``l(x)`` per decision.
        gamma: deprecated (Optuna 4.9); ``gamma(n)`` is the size of the good group out of ``n``
            finished trials (default ``min(ceil(0.1 n), 25)``).
        weights: deprecated (Optuna 4.9); ``weights(n)`` gives the weights of ``n`` trials in time
            order (default: the newest 25 weigh 1, older ones ramp down).
        seed: seed of the generator; the same seed gives the same sequence of suggestions in a
            sequential run.
        multivariate: model the joint search space with one multivariate estimator. ``None`` (the
            default) decides per study: True for single-objective, False for multi-objective.
        group: with multivariate TPE, decompose a conditional search space into groups of
            parameters that always occur together and sample each group from its own trials.
        warn_independent_sampling: deprecated (Optuna 4.9); log a warning when multivariate TPE
            samples a parameter it has seen before on its own (default False, as Optuna 5).
        constant_liar: count running trials as bad ones, so parallel workers spread out.
        constraints_func: deprecated (Optuna 5.0; use ``Trial.set_constraint``). Called with each
            finished trial; returns constraint values, feasible when all are <= 0. As in Optuna,
            the values are stored in the trial's system attribute ``constraints`` (so every
            worker sees them); a NaN value raises ``ValueError`` after the trial is stored.
        categorical_distance_func: optional ``{param_name: f(choice_a, choice_b) -> distance}``;
            the categorical kernels of that parameter then favour nearby choices.

    Raises:
        ValueError: invalid ``n_startup_trials``/``n_ei_candidates``, or ``group=True`` with
            ``multivariate=False``.
    """

    def __init__(
        self,
        *,
        consider_prior: bool | None = None,
        prior_weight: float | None = None,
        consider_magic_clip: bool | None = None,
        consider_endpoints: bool | None = None,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | None = None,
        weights: Callable[[int], np.ndarray] | None = None,
        seed: int | None = None,
        multivariate: bool | None = None,
        group: bool = False,
        warn_independent_sampling: bool | None = None,
        constant_liar: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        categorical_distance_func: dict[str, Callable[[Any, Any], float]] | None = None,
    ) -> None:
        check_arguments(locals())
        self._n_startup_trials = n_startup_trials
        self._n_ei_candidates = n_ei_candidates
        self._gamma = gamma or default_gamma
        self._gamma_given = gamma is not None
        self._weights = weights or default_weights
        self._seed = seed
        self._multivariate = multivariate
        self._group = group
        self._warned_group_mo: str | None = None
        self._warn_independent_sampling = bool(warn_independent_sampling)
        self._constant_liar = constant_liar
        self._constraints_func = constraints_func
        base = EstimatorSettings(
            prior_weight=1.0 if prior_weight is None else float(prior_weight),
            consider_prior=True,
            consider_magic_clip=True if consider_magic_clip is None else consider_magic_clip,
            consider_endpoints=bool(consider_endpoints),
            categorical_distance_func=categorical_distance_func,
        )
        self._settings = base
        self.max_above_kernels = _DEFAULT_MAX_ABOVE_KERNELS
        self._rng = np.random.default_rng(seed)
        self._random_sampler = RandomSampler(seed=seed)
        self._lock = threading.RLock()
        self._work = Workspace()
        self._reset(None)

    # --- state ----------------------------------------------------------------------------------

    def _reset(self, study_name: str | None) -> None:
        self._study_name = study_name
        self._history: History | None = None
        self._tracker = SpaceTracker()
        # the study view: finished trials once each, running ones as last read (the liar's);
        # TPE keeps its own search space (SpaceTracker), so the feed computes none
        self._feed = TrialFeed(space_states=())
        self._trial_states: dict[int, _TrialState] = {}
        self._specs: dict[tuple[str, BaseDistribution], ParamSpec] = {}
        # the same distribution objects come back every trial (the joint space is kept): look
        # them up by identity first, which skips hashing the distribution
        self._specs_by_id: dict[int, tuple[BaseDistribution, ParamSpec]] = {}
        self._kernels: dict[str, RowKernels] = {}
        self._block: np.ndarray | None = None  # the rows block of the last kernel rebuild
        self._weights_cache: dict[int, np.ndarray] = {}
        self._good_cache: dict[tuple[tuple[int, ...], bytes], ParzenEstimator] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_trial_states"] = {}
        state["_good_cache"] = {}  # keyed by object ids, which do not survive pickling
        state["_specs_by_id"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def reseed_rng(self) -> None:
        with self._lock:
            self._rng = np.random.default_rng()
            self._random_sampler.reseed_rng()

    def _is_multivariate(self, study: ReadOnlyStudy) -> bool:
        if self._multivariate is None:
            if self._group and study._is_multi_objective():
                if self._warned_group_mo != study.study_name:
                    self._warned_group_mo = study.study_name  # once per study, not per call
                    warnings.warn(
                        "``multivariate`` defaults to False for multi-objective optimization, "
                        "but it is treated as True because ``group`` can only be enabled with "
                        "the multivariate TPE. Set ``multivariate=True`` explicitly to suppress "
                        "this warning.",
                        stacklevel=3,
                    )
                return True
            return self._group or not study._is_multi_objective()
        return self._multivariate

    def _sync(self, study: ReadOnlyStudy, trial: FrozenTrial) -> _TrialState:
        """Ingest trials finished since the last call; note the running ones for the liar.

        Reads through the study view (``TrialFeed``: the study's incremental read, one rule for
        unfinished trials), so the cost does not grow with the study.
        """
        if self._history is None or study.study_name != self._study_name:
            self._reset(study.study_name)
            self._history = History(study.directions)
        history = self._history
        feed = self._feed
        for t in feed.poll(study, self._study_name):
            self._ingest(history, t)
        running = feed.running
        lies = (
            [t for number, t in running.items() if number != trial.number]
            if self._constant_liar else []
        )
        ts = _TrialState(history.n, lies)
        if len(self._trial_states) > 256:
            self._trial_states.clear()
        self._trial_states[trial.number] = ts
        return ts

    def _ingest(self, history: History, trial: FrozenTrial) -> None:
        history.add(trial, trial.system_attrs.get(CONSTRAINTS_KEY))
        if trial.state == TrialState.COMPLETE:
            self._tracker.add(trial.distributions)

    def _trial_state(self, study: ReadOnlyStudy, trial: FrozenTrial) -> _TrialState:
        ts = self._trial_states.get(trial.number)
        if ts is None or self._history is None or study.study_name != self._study_name:
            ts = self._sync(study, trial)
        return ts

    # --- the sampler interface ------------------------------------------------------------------

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        if self._multivariate is False:
            return {}  # independent TPE: nothing joint (the study is read when suggesting)
        with self._lock:
            self._sync(study, trial)
            if not self._is_multivariate(study):
                return {}
            if self._group:
                space: dict[str, BaseDistribution] = {}
                for g in self._tracker.groups():
                    space.update(g)
                return dict(sorted(space.items()))
            return self._tracker.intersection()

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        with self._lock:
            ts = self._trial_state(study, trial)
            if ts.n < self._n_startup_trials:
                return {}
            if self._group:
                spaces = [
                    {n: d for n, d in g.items() if search_space.get(n) == d}
                    for g in self._tracker.groups()
                ]
            else:
                spaces = [search_space]
            params: dict[str, Any] = {}
            for space in spaces:
                if space:
                    params.update(self._sample(ts, space))
            return params

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        with self._lock:
            ts = self._trial_state(study, trial)
            if ts.n < self._n_startup_trials:
                return self._random_sampler.sample_independent(
                    study, trial, param_name, param_distribution
                )
            if self._warn_independent_sampling and self._is_multivariate(study):
                self._log_independent_sampling(study, trial, param_name)
            space = {param_name: param_distribution}
            return self._sample(ts, space)[param_name]

    @staticmethod
    def hyperopt_parameters() -> dict[str, Any]:
        """The default parameters of hyperopt 0.1.2, for ``TPESampler(**TPESampler.
        hyperopt_parameters())``. Deprecated (Optuna 4.9, removed in 6.0), as in Optuna."""
        warnings.warn(
            "TPESampler.hyperopt_parameters has been deprecated in v4.9.0. This feature will be "
            "removed in v6.0.0. See https://github.com/optuna/optuna/releases/tag/v4.9.0.",
            FutureWarning,
            stacklevel=2,
        )
        return {
            "consider_prior": True,
            "prior_weight": 1.0,
            "consider_magic_clip": True,
            "consider_endpoints": False,
            "n_startup_trials": 20,
            "n_ei_candidates": 24,
            "gamma": hyperopt_default_gamma,
            "weights": default_weights,
        }

    @staticmethod
    def _log_independent_sampling(study: ReadOnlyStudy, trial: FrozenTrial, param_name: str) -> None:
        """Optuna 5's log line for a parameter seen before that multivariate TPE samples on its
        own (not at a parameter's first appearance)."""
        finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        if any(param_name in t.params for t in finished):
            _logger.warning(
                f"The parameter '{param_name}' in trial#{trial.number} is sampled independently "
                "using `RandomSampler` instead of `TPESampler` (optimization performance may be "
                "degraded). `multivariate=True,group=False` does not support dynamic search "
                "space (but `multivariate=True,group=True` works). You can suppress this warning "
                "by setting `warn_independent_sampling` to `False` in the constructor of "
                "`TPESampler`, if this independent sampling is intended behavior."
            )

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._trial_states.pop(trial.number, None)
        if self._constraints_func is not None:
            store_constraints(self._constraints_func, study, trial, state, "TPESampler")

    # --- TPE --------------------------------------------------------------------------------------

    def _spec(self, name: str, distribution: BaseDistribution) -> ParamSpec:
        found = self._specs_by_id.get(id(distribution))
        if found is not None and found[0] is distribution and found[1].name == name:
            return found[1]
        key = (name, distribution)
        spec = self._specs.get(key)
        if spec is None:
            spec = self._specs[key] = make_spec(name, distribution)
        if len(self._specs_by_id) >= 4096:
            self._specs_by_id.clear()
        self._specs_by_id[id(distribution)] = (distribution, spec)  # holds it: the id stays valid
        return spec

    def _sample(self, ts: _TrialState, space: dict[str, BaseDistribution]) -> dict[str, Any]:
        history = self._history
        assert history is not None
        n = ts.n
        if ts.split is None:
            gamma = self._gamma
            if not self._gamma_given and len(history.signs) > 1:
                gamma = default_gamma_multiobjective
            n_below = int(gamma(n))
            if n_below < 0:
                raise ValueError(f"The 'gamma' function of TPESampler must return an int >= 0. "
                                 f"Got {n_below!r} for {n} trials.")
            ts.split = split_rows(history, min(n_below, n), n)
        below, above = ts.split
        mask = history.mask_for(space, n)
        if mask is not None:
            below = below[mask[below]]
            above = above[mask[above]]
        if len(history.signs) > 1:
            w_below = np.ones(len(below))
        else:
            w_below = self._checked_weights(len(below))
        w_above = self._checked_weights(len(above))
        names = list(space)
        specs = [self._spec(name, dist) for name, dist in space.items()]
        lies = running_rows(ts.running, space) if ts.running else None
        if lies is not None and not len(lies):
            lies = None
        good = self._good_estimator(history, specs, names, below, w_below)
        # the kept row kernels only once the magic clip's floor has settled (below that every new
        # trial would rebuild them all): before, g(x) is fitted to the bad trials themselves, with
        # their own neighbour bandwidths and floor, which is Optuna's rule exactly
        kernels = self._row_kernels(history, specs) if n >= _ROW_KERNELS_FROM else None
        bad: GatheredMixture | ParzenEstimator
        if kernels is not None:
            bad = self._bad_estimator(history, specs, kernels, above, w_above, lies)
        else:
            bad = self._bad_estimator_subset(history, specs, above, w_above, lies, n)
        candidates = good.sample(self._rng, self._n_ei_candidates)
        score = good.log_pdf(candidates, self._work) - bad.log_pdf(candidates, self._work)
        best = candidates[int(np.argmax(score))]
        return {
            name: dist.to_external_repr(float(best[j])) for j, (name, dist) in enumerate(space.items())
        }

    def _good_estimator(
        self,
        history: History,
        specs: list[ParamSpec],
        names: list[str],
        below: np.ndarray,
        weights: np.ndarray,
    ) -> ParzenEstimator:
        """l(x), reused while the good group stays the same (it changes only when a new trial
        ranks among the best ``gamma(n)``, so most trials of a long study reuse it)."""
        cacheable = self._weights is default_weights
        if cacheable:
            key = (tuple(map(id, specs)), below.tobytes())
            found = self._good_cache.get(key)
            if found is not None:
                return found
        good = ParzenEstimator(specs, history.column_values(names, below), weights, self._settings)
        if cacheable:
            if len(self._good_cache) >= 64:
                self._good_cache.clear()
            self._good_cache[key] = good
        return good

    def _row_kernels(
        self, history: History, specs: list[ParamSpec]
    ) -> list[RowKernels] | None:
        """The incrementally kept kernels of the numeric parameters of ``specs``, or None when one
        of them was recorded with another distribution or is missing from some rows (or a
        categorical one has a distance function)."""
        dist_funcs = self._settings.categorical_distance_func or {}
        for spec in specs:
            if not history.uniform(spec.name, spec.distribution) or (
                spec.categorical and spec.name in dist_funcs
            ):
                return None
        out = []
        for spec in specs:
            if spec.categorical:
                continue
            rk = self._kernels.get(spec.name)
            if rk is None or rk.spec is not spec:
                settings = self._settings
                rk = self._kernels[spec.name] = RowKernels(
                    spec, settings.consider_endpoints, settings.consider_magic_clip
                )
            out.append(rk)
        self._block = RowKernels.update_all(out, history.columns, history.n)
        return out

    def _bad_estimator(
        self,
        history: History,
        specs: list[ParamSpec],
        kernels: list[RowKernels],
        above: np.ndarray,
        weights: np.ndarray,
        lies: np.ndarray | None,
    ) -> GatheredMixture:
        """g(x) from the kept kernels of the bad rows (at most ``max_above_kernels`` of them, see
        ``cap_above``) plus the running trials' (constant liar)."""
        if len(above) > self.max_above_kernels:
            above, weights = cap_above(history, above, weights, self.max_above_kernels, self._rng)
        block = self._block
        self._block = None  # valid for this step only
        return gather_mixture(specs, kernels, history.columns, above, weights, lies,
                              self._settings, self._work, block=block)

    def _bad_estimator_subset(
        self,
        history: History,
        specs: list[ParamSpec],
        above: np.ndarray,
        weights: np.ndarray,
        lies: np.ndarray | None,
        ts_n: int,
    ) -> ParzenEstimator:
        """g(x) when some parameter's rows mix distributions: bandwidths among the bad rows."""
        observations = history.column_values([s.name for s in specs], above)
        if lies is not None:
            observations = np.vstack([observations, lies])
            weights = np.concatenate([weights, np.ones(len(lies))])
        if len(above) <= self.max_above_kernels:
            return ParzenEstimator(specs, observations, weights, self._settings)
        n = len(above)
        kept_rows, kept_w = cap_above(history, above, weights[:n], self.max_above_kernels,
                                      self._rng)
        position = np.searchsorted(above, kept_rows)
        keep = np.concatenate([position, np.arange(n, len(observations))])  # liars stay
        lo, hi = ParzenEstimator.domain(specs)
        sigmas = subset_bandwidths(
            ParzenEstimator.coordinates(specs, observations), keep, lo, hi, self._settings
        )
        return ParzenEstimator(
            specs, observations[keep], np.concatenate([kept_w, weights[n:]]), self._settings,
            bandwidths=sigmas,
        )

    def _checked_weights(self, n: int) -> np.ndarray:
        """``weights(n)``, checked; the default rule's arrays are kept for the last few ``n``
        (every parameter of a trial asks for the same sizes). Callers must not modify them."""
        cached = self._weights_cache.get(n)
        if cached is not None:
            return cached
        w = np.asarray(self._weights(n), dtype=float)
        if w.shape != (n,) or (n and (not np.all(np.isfinite(w)) or np.any(w < 0))):
            raise ValueError(
                f"The 'weights' function of TPESampler must return {n} finite weights >= 0 for "
                f"{n} trials. Got {w!r}."
            )
        if self._weights is default_weights:
            if len(self._weights_cache) >= 8:
                self._weights_cache.clear()
            w.setflags(write=False)
            self._weights_cache[n] = w
        return w

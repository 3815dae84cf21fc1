"""``GPSampler``: Bayesian optimization with Gaussian processes, on numpy and scipy.

Per trial after ``n_startup_trials`` complete trials: fit one GP per objective (and one per
constraint) on the unit-cube encoding of the intersection search space, condition them on the
posterior mean at the points of running trials (a kriging believer, so parallel workers spread
out), and maximize log expected improvement (one objective) or log expected hypervolume
improvement (several), plus the log probability that every constraint is satisfied.

Design note: Optuna's GPSampler needs torch; this one needs only numpy and scipy, and keeps its
per-trial cost low by warm-starting each hyperparameter fit from the previous one and by refining
all acquisition starts in a single batched L-BFGS-B run.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack._deprecation import warn_experimental_argument
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.samplers._base import BaseSampler, warn_independent_sampling
from skipjack.samplers._gp._acquisition import Acquisition
from skipjack.samplers._gp._boxes import non_dominated_boxes, pareto_front
from skipjack.samplers._gp._data import DegenerateHistory, History, build_history, standardize
from skipjack.samplers._gp._encoding import Encoding
from skipjack.samplers._gp._gpr import GPModel, fit_gp
from skipjack.samplers._gp._optimize import optimize_acquisition
from skipjack.samplers._gp._threads import single_blas_thread
from skipjack.samplers._random import RandomSampler
from skipjack.search_space import IntersectionSearchSpace

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["GPSampler"]

# The MAP fit also restarts from the prior's mode on every this many fits, and whenever the
# warm-started fit has a collapsed lengthscale (warm start only otherwise). Restarting only every
# 4th fit, without the collapse check, left d=10 fits stuck in poor optima for several trials
# (BBOB f13/f20/f21/f23 in 10-D: mean final log10 gap 2.06 against 1.29 with every fit).
_RESTART_EVERY = 4


class GPSampler(BaseSampler):
    """Gaussian-process Bayesian optimization (Optuna's ``GPSampler`` API, without torch).

    Suited to small budgets (tens to a few hundred trials) of mostly numerical parameters. Each
    trial costs a GP fit, so it is slower per trial than TPE but usually finds better values.

    Args:
        seed: seed of the sampler (quasi-random candidates and the default independent sampler).
        independent_sampler: sampler for the startup trials, for parameters outside the
            intersection search space and for fallbacks. Defaults to ``RandomSampler(seed)``.
        n_startup_trials: number of complete trials sampled by ``independent_sampler`` before the
            GP is used.
        deterministic_objective: the objective has no noise; the GP then interpolates (its noise
            variance is pinned to 1e-10 of the standardized variance instead of being fitted).
        max_history: skipjack extra. At most this many complete trials are used to fit the GPs:
            the best half of them and the most recent others. Fitting is cubic in this number; see
            docs/gp.md for the measured trade-off. ``None`` uses every trial.
        warn_independent_sampling: warn when a parameter is sampled by ``independent_sampler``
            after the startup trials (because it is not in the intersection search space).

    Raises:
        ValueError: ``n_startup_trials`` is negative or ``max_history`` is below 2.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        max_history: int | None = 300,
        warn_independent_sampling: bool = True,
    ) -> None:
        if isinstance(n_startup_trials, bool) or not isinstance(n_startup_trials, int) or (
            n_startup_trials < 0
        ):
            raise ValueError(
                f"The 'n_startup_trials' argument of GPSampler must be an int >= 0. "
                f"Got {n_startup_trials!r}."
            )
        if max_history is not None and (
            isinstance(max_history, bool) or not isinstance(max_history, int) or max_history < 2
        ):
            raise ValueError(
                f"The 'max_history' argument of GPSampler must be an int >= 2 or None. "
                f"Got {max_history!r}."
            )
        self._seed = seed
        self._rng = np.random.default_rng(seed)
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._n_startup_trials = n_startup_trials
        self._deterministic = bool(deterministic_objective)
        if deterministic_objective:
            warn_experimental_argument("deterministic_objective")
        self._max_history = max_history
        self._warn_independent_sampling = warn_independent_sampling
        self._search_space = IntersectionSearchSpace()
        self._lock = threading.Lock()
        self._theta_cache: dict[Any, np.ndarray] = {}
        self._n_fits: dict[Any, int] = {}
        self._pending: dict[tuple[str, int], dict[str, Any]] = {}
        self._fallback_trials: set[tuple[str, int]] = set()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        self._rng = np.random.default_rng()
        self._independent_sampler.reseed_rng()

    # --- the sampler contract ---------------------------------------------------------------------

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._search_space.calculate(study)
        return {n: d for n, d in space.items() if not d.single()}

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(completed) < self._n_startup_trials:
            return {}
        key = (study.study_name, trial.number)
        with self._lock, single_blas_thread():
            try:
                params = self._propose(study, trial, search_space, completed)
            except DegenerateHistory as e:
                self._fallback(key, trial, str(e))
                return {}
            except (np.linalg.LinAlgError, ValueError, FloatingPointError, ArithmeticError) as e:
                self._fallback(key, trial, f"the Gaussian-process fit failed numerically ({e})")
                return {}
            self._pending[key] = params
        return params

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling and (
            (study.study_name, trial.number) not in self._fallback_trials
        ):
            n_complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            if n_complete >= self._n_startup_trials:
                warn_independent_sampling(
                    param_name,
                    trial.number,
                    type(self).__name__,
                    type(self._independent_sampler).__name__,
                    "Parameters outside the intersection search space of the complete trials "
                    "are not modelled by the Gaussian process.",
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: ReadOnlyStudy, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        key = (study.study_name, trial.number)
        with self._lock:
            self._pending.pop(key, None)
            self._fallback_trials.discard(key)
        self._independent_sampler.after_trial(study, trial, state, values)

    # --- internals --------------------------------------------------------------------------------

    def _fallback(self, key: tuple[str, int], trial: FrozenTrial, reason: str) -> None:
        self._fallback_trials.add(key)
        warnings.warn(
            f"GPSampler samples trial #{trial.number} with "
            f"{type(self._independent_sampler).__name__} instead of the Gaussian process: "
            f"{reason}.",
            UserWarning,
            stacklevel=4,
        )

    def _fit(
        self, key: Any, X: np.ndarray, y: np.ndarray, is_cat: np.ndarray
    ) -> GPModel:
        self._n_fits[key] = self._n_fits.get(key, 0) + 1
        gp = fit_gp(
            X,
            y,
            is_cat,
            self._deterministic,
            warm_start=self._theta_cache.get(key),
            restart=self._n_fits[key] % _RESTART_EVERY == 1 % _RESTART_EVERY,
        )
        if len(self._theta_cache) > 256:
            self._theta_cache.clear()
            self._n_fits.clear()
        self._theta_cache[key] = gp.theta
        return gp

    def _running_points(
        self, study: ReadOnlyStudy, trial: FrozenTrial, enc: Encoding, space: dict[str, BaseDistribution]
    ) -> np.ndarray:
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        params_list: list[dict[str, Any]] = []
        numbers = set()
        for t in running:
            if t.number == trial.number:
                continue
            numbers.add(t.number)
            if all(t.distributions.get(n) == d for n, d in space.items()):
                params_list.append(t.params)
            elif (study.study_name, t.number) in self._pending:
                params = self._pending[(study.study_name, t.number)]
                if set(params) == set(space):
                    params_list.append(params)
        for key in [k for k in self._pending if k[0] == study.study_name]:
            if key[1] not in numbers and key[1] != trial.number:
                del self._pending[key]  # finished elsewhere or abandoned
        if not params_list:
            return np.empty((0, enc.dim))
        return enc.round(enc.encode(params_list))

    def _propose(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        space: dict[str, BaseDistribution],
        completed: list[FrozenTrial],
    ) -> dict[str, Any]:
        enc = Encoding(space)
        usable = [
            t for t in completed if all(t.distributions.get(n) == d for n, d in space.items())
        ]
        hist = build_history(usable, study.directions, self._max_history)
        X = enc.round(enc.encode([t.params for t in hist.trials]))
        X_run = self._running_points(study, trial, enc, space)
        space_key = tuple(space.items())

        n_obj = hist.losses.shape[1]
        # Running trials are believed at their posterior mean; with one objective the belief is
        # floored at the incumbent (a kriging believer that never believes in an improvement), so
        # that a running point and its neighbourhood lose their EI and parallel workers spread out.
        ref_rows = hist.feasible if hist.feasible.any() else np.ones(len(X), dtype=bool)
        floor = float(hist.losses[ref_rows, 0].min()) if n_obj == 1 else -np.inf
        objectives = []
        believed = np.empty((len(X_run), n_obj))
        for k in range(n_obj):
            gp = self._fit((space_key, "objective", k), X, hist.losses[:, k], enc.is_cat)
            gp, believed[:, k] = _believe(gp, X_run, floor)
            objectives.append(gp)
        constraints, believed_feasible = self._constraint_models(space_key, X, hist, enc, X_run)

        feasible = hist.feasible
        acq = Acquisition(objectives, constraints=constraints)
        if feasible.any() or not constraints:
            rows = feasible if feasible.any() else np.ones_like(feasible)
            # with several objectives the believed points join the Pareto front
            losses = np.vstack([hist.losses[rows], believed[believed_feasible]])
            if losses.shape[1] == 1:
                acq.best = float(losses[:, 0].min())
            else:
                ref = hist.losses.max(axis=0) + 0.1 * np.ptp(hist.losses, axis=0) + 1e-3
                acq.box_lower, acq.box_upper = non_dominated_boxes(pareto_front(losses), ref)
            seeds = X[rows][np.argsort(hist.losses[rows].sum(axis=1))[:2]]
        else:
            seeds = np.empty((0, enc.dim))
        x = optimize_acquisition(acq, enc, self._rng, seeds)
        return enc.decode(x)

    def _constraint_models(
        self,
        space_key: Any,
        X: np.ndarray,
        hist: History,
        enc: Encoding,
        X_run: np.ndarray,
    ) -> tuple[list[tuple[GPModel, float]], np.ndarray]:
        """Constraint GPs with their thresholds, and whether each running point is believed
        feasible (every constraint's posterior mean at or below its threshold)."""
        believed_feasible = np.ones(len(X_run), dtype=bool)
        if hist.constraints is None:
            return [], believed_feasible
        models = []
        for j in range(hist.constraints.shape[1]):
            column = hist.constraints[:, j]
            rows = np.isfinite(column)
            if rows.sum() < 2:
                continue
            values, mean, std = standardize(column[rows])
            if std == 0.0:
                continue  # constant constraint: its feasibility does not depend on the parameters
            gp = self._fit((space_key, "constraint", j), X[rows], values, enc.is_cat)
            gp, believed = _believe(gp, X_run)
            models.append((gp, -mean / std))
            believed_feasible &= believed <= -mean / std
        return models, believed_feasible


def _believe(
    gp: GPModel, X_run: np.ndarray, floor: float = -np.inf
) -> tuple[GPModel, np.ndarray]:
    """Condition on ``max(posterior mean, floor)`` at running points (kriging believer); return
    the GP and the believed values."""
    if len(X_run) == 0:
        return gp, np.empty(0)
    believed = np.maximum(gp.posterior(X_run)[0], floor)
    return gp.condition_on(X_run, believed), believed

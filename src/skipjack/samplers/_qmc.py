"""``QMCSampler``: quasi-Monte Carlo sampling (Sobol' or Halton points from scipy.stats.qmc).

Which point a trial gets is Optuna's rule, so Optuna and skipjack workers share one sequence: a
counter in the study's system attributes, under ``"qmc:" + sha256(json of the QMC type, the search
space and, when scrambled, the seed)``, is read and advanced for each relative sample; the sample
takes that point of the sequence (point 0 first). The read-and-advance is atomic between the
threads of a process; across processes it is not (as Optuna's), so two workers may now and then
take the same point.

The search space is that of the study's first finished (COMPLETE or PRUNED) trial, fixed from then
on; before any trial finished it is the union of the running trials' spaces. Parameters outside
it are sampled by the independent sampler. scipy is imported on first use.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.logging import get_logger
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._random import RandomSampler

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["QMCSampler", "unit_to_value"]

_QMC_TYPES = ("sobol", "halton")
_SUGGESTED_STATES = (TrialState.COMPLETE, TrialState.PRUNED)

_logger = get_logger(__name__)
_COUNTER_LOCK = threading.Lock()


def unit_to_value(u: float, distribution: BaseDistribution) -> Any:
    """Map ``u`` in [0, 1) to a value of ``distribution`` (external representation).

    Continuous floats are affine (in log space with ``log=True``); discrete parameters (ints,
    floats with ``step``, categoricals) take value ``floor(u * n)`` of their ``n`` values, so equal
    sub-intervals of [0, 1) map to each value; log ints are rounded from log space over
    ``[low - 0.5, high + 0.5]``.
    """
    u = min(max(float(u), 0.0), math.nextafter(1.0, 0.0))
    if isinstance(distribution, CategoricalDistribution):
        choices = distribution.choices
        return choices[min(int(u * len(choices)), len(choices) - 1)]
    if isinstance(distribution, FloatDistribution):
        low, high = distribution.low, distribution.high
        if distribution.log:
            v = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
            return min(high, max(low, v))
        if distribution.step is None:
            return min(high, low + u * (high - low))
        n = int(round((high - low) / distribution.step)) + 1
        return min(high, low + min(int(u * n), n - 1) * distribution.step)
    if isinstance(distribution, IntDistribution):
        low, high = distribution.low, distribution.high
        if distribution.log:
            a, b = math.log(low - 0.5), math.log(high + 0.5)
            return int(min(high, max(low, round(math.exp(a + u * (b - a))))))
        n = (high - low) // distribution.step + 1
        return low + min(int(u * n), n - 1) * distribution.step
    raise TypeError(f"Unsupported distribution {distribution!r}.")


@experimental("3.0.0")
class QMCSampler(BaseSampler):
    """Quasi-Monte Carlo sampler: low-discrepancy points spread over the search space.

    Each relative sample takes the next point of the sequence by the study's counter (see the
    module docstring), so a sequential run with the same seed repeats itself.

    Args:
        qmc_type: ``"sobol"`` or ``"halton"``.
        scramble: randomise the sequence (Owen scrambling for Sobol', permutations for Halton).
        seed: seed of the scrambling and of the default independent sampler. With
            ``scramble=True`` and no seed, a seed is drawn at random and every worker process
            gets a different sequence (a logged warning says so, unless
            ``warn_asynchronous_seeding`` is False).
        independent_sampler: samples the first trial and parameters outside the search space
            (default ``RandomSampler(seed=seed)``).
        warn_asynchronous_seeding: warn when ``scramble=True`` has no seed.
        warn_independent_sampling: log a warning when a parameter falls back to the independent
            sampler after the first finished trial.

    Raises:
        ValueError: ``qmc_type`` is not one of ``"sobol"``, ``"halton"``.
    """

    def __init__(
        self,
        *,
        qmc_type: str = "sobol",
        scramble: bool = False,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        warn_asynchronous_seeding: bool = True,
        warn_independent_sampling: bool = True,
    ) -> None:
        if qmc_type not in _QMC_TYPES:
            raise ValueError(
                f"The 'qmc_type' argument of QMCSampler must be one of {list(_QMC_TYPES)}. Got "
                f"{qmc_type!r}."
            )
        if seed is None and scramble and warn_asynchronous_seeding:
            self._log_asynchronous_seeding()
        self._qmc_type = qmc_type
        self._scramble = scramble
        # the sequence's seed (a random one when none is given, as Optuna)
        self._seed = int(np.random.SeedSequence().generate_state(1)[0]) if seed is None else seed
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._warn_independent_sampling = warn_independent_sampling
        self._initial_search_space: dict[str, BaseDistribution] | None = None
        self._lock = threading.Lock()
        self._points: np.ndarray | None = None  # the first rows of the sequence, grown on demand
        self._engine: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_engine"] = None
        state["_points"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        # The sequence keeps its seed (all workers must share it); only the fallback reseeds.
        self._independent_sampler.reseed_rng()

    # --- search space -----------------------------------------------------------------------------

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        if self._initial_search_space is not None:
            return self._initial_search_space
        finished = study.get_trials(deepcopy=False, states=_SUGGESTED_STATES)
        if finished:
            first = min(finished, key=lambda t: t.number)
            self._initial_search_space = dict(first.distributions)
            return self._initial_search_space
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        union: dict[str, BaseDistribution] = {}
        common: set[str] | None = None
        for t in running:
            union.update(t.distributions)
            if common is None:
                common = set(t.distributions)
            elif t.distributions:
                common &= set(t.distributions)
        if common is not None and common != set(union):
            _logger.warning(
                "`QMCSampler` assumes that the search space does not include any conditions. "
                "Please make sure the provided search space is non-conditional."
            )
        return union

    @staticmethod
    def _log_asynchronous_seeding() -> None:
        _logger.warning(
            "No seed is provided for `QMCSampler` and the seed is set randomly. If you are "
            "running multiple `QMCSampler`s in parallel and/or distributed  environment, the same "
            "seed must be used in all samplers to ensure that resulting samples are taken from "
            "the same QMC sequence. "
        )

    def _log_independent_sampling(self, trial: FrozenTrial, param_name: str) -> None:
        _logger.warning(
            f"The parameter '{param_name}' in trial#{trial.number} is sampled independently using "
            f"`{type(self._independent_sampler).__name__}` instead of `QMCSampler` (optimization "
            "performance may be degraded). Dynamic search space is not supported by "
            "`QMCSampler`. You can suppress this warning by setting `warn_independent_sampling` "
            "to `False` in the constructor of `QMCSampler`, if this independent sampling is "
            "intended behavior."
        )

    def _find_sample_id(self, study: ReadOnlyStudy, search_space: dict[str, BaseDistribution]) -> int:
        """Read and advance the study's counter of this sequence (Optuna's attribute key)."""
        qmc_vars: dict[str, Any] = {
            "qmc_type": self._qmc_type,
            "search_space": {name: str(d) for name, d in sorted(search_space.items())},
        }
        if self._scramble:
            qmc_vars.update(scramble=True, seed=self._seed)
        else:
            qmc_vars.update(scramble=False)
        key = "qmc:" + hashlib.sha256(json.dumps(qmc_vars).encode()).hexdigest()
        storage, study_id = study.storage, study.study_id
        with _COUNTER_LOCK:  # threads of one process never share a point
            sample_id = int(storage.get_study_system_attrs(study_id).get(key, -1)) + 1
            storage.set_study_system_attr(study_id, key, sample_id)
        return sample_id

    def _sample_qmc(self, study: ReadOnlyStudy, search_space: dict[str, BaseDistribution]) -> np.ndarray:
        """The next point of the sequence, shape (1, len(search_space))."""
        return self.point(self._find_sample_id(study, search_space), len(search_space))[None, :]

    # --- sequence ---------------------------------------------------------------------------------

    def _make_engine(self, dim: int) -> Any:
        from scipy.stats import qmc  # scipy loads on first use

        cls = qmc.Sobol if self._qmc_type == "sobol" else qmc.Halton
        return cls(dim, scramble=self._scramble, **{_seed_keyword(cls): self._seed})

    def point(self, index: int, dim: int) -> np.ndarray:
        """Return point ``index`` of the ``dim``-dimensional sequence (row ``index`` of
        ``scipy.stats.qmc.Sobol(dim, scramble=..., rng=seed).random(index + 1)``)."""
        with self._lock:
            points = self._points
            if points is None or points.shape[1] != dim:
                self._engine = self._make_engine(dim)
                points = np.empty((0, dim))
            if index >= points.shape[0]:
                n_new = max(index + 1, 2 * points.shape[0], 64) - points.shape[0]
                with warnings.catch_warnings():
                    # Sobol' balance needs powers of two; one point at a time is what we want.
                    warnings.simplefilter("ignore", UserWarning)
                    points = np.vstack([points, self._engine.random(n_new)])
            self._points = points
            return cast(np.ndarray, points[index].copy())

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        u = self._sample_qmc(study, search_space)[0]
        return {
            name: unit_to_value(u[i], dist) for i, (name, dist) in enumerate(search_space.items())
        }

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling and study.get_trials(
            deepcopy=False, states=_SUGGESTED_STATES
        ):
            self._log_independent_sampling(trial, param_name)
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
        self._independent_sampler.after_trial(study, trial, state, values)


def _seed_keyword(cls: type) -> str:
    import inspect

    # scipy >= 1.15 names the seed `rng`; older versions call it `seed`.
    return "rng" if "rng" in inspect.signature(cls).parameters else "seed"

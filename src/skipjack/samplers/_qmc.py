"""``QMCSampler``: quasi-Monte Carlo sampling (Sobol' or Halton points from scipy.stats.qmc).

Which point a trial gets (samplers never write to the storage, so Optuna's study-level counter
attribute is not kept): trial number ``n`` takes point ``n`` of the sequence. Trial numbers are
unique and contiguous in a study, so threads and processes sharing a storage take consecutive,
distinct points with no coordination, and the result does not depend on timing. Trials that do not
use the sequence (the first trial, which fixes the search space; enqueued or added trials) leave
their point unused. See docs/enumerating_samplers.md.

The search space is that of the study's first COMPLETE trial (single-value parameters left out),
fixed from then on; that first trial and any parameter outside the space are sampled by the
independent sampler. scipy is imported on first use.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.samplers._base import BaseSampler, warn_independent_sampling
from skipjack.samplers._random import RandomSampler

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["QMCSampler", "unit_to_value"]

_QMC_TYPES = ("sobol", "halton")


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


class QMCSampler(BaseSampler):
    """Quasi-Monte Carlo sampler: low-discrepancy points spread over the search space.

    Trial number ``n`` takes point ``n`` of the sequence (see the module docstring), so parallel
    workers take consecutive points and a sequential run with the same seed repeats itself.

    Args:
        qmc_type: ``"sobol"`` or ``"halton"``.
        scramble: randomise the sequence (Owen scrambling for Sobol', permutations for Halton).
        seed: seed of the scrambling and of the default independent sampler. With
            ``scramble=True`` and no seed, a seed is drawn at random and every worker process
            gets a different sequence (a warning says so, unless ``warn_asynchronous_seeding``
            is False).
        independent_sampler: samples the first trial and parameters outside the search space
            (default ``RandomSampler(seed=seed)``).
        warn_asynchronous_seeding: warn when ``scramble=True`` has no seed.
        warn_independent_sampling: warn when a parameter falls back to the independent sampler.

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
        if seed is None and scramble:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
            if warn_asynchronous_seeding:
                warnings.warn(
                    "No seed is provided for `QMCSampler` and the seed is set randomly. If you "
                    "are running multiple `QMCSampler`s in parallel and/or distributed "
                    "environment, the same seed must be used in all samplers to ensure that "
                    "resulting samples are taken from the same QMC sequence. ",
                    stacklevel=2,
                )
        self._qmc_type = qmc_type
        self._scramble = scramble
        self._seed = seed
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
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        if self._initial_search_space is not None:
            return self._initial_search_space
        first = next(iter(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))), None)
        if first is None:
            return {}
        space = {
            name: dist for name, dist in sorted(first.distributions.items()) if not dist.single()
        }
        self._initial_search_space = space
        return space

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
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        u = self.point(trial.number, len(search_space))
        return {
            name: unit_to_value(u[i], dist) for i, (name, dist) in enumerate(search_space.items())
        }

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._initial_search_space is not None and self._warn_independent_sampling:
            warn_independent_sampling(
                param_name,
                trial.number,
                "QMCSampler",
                type(self._independent_sampler).__name__,
                "The parameter is not in the search space fixed by the study's first complete "
                "trial, or its value from the sequence lies outside this trial's range.",
            )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._independent_sampler.after_trial(study, trial, state, values)


def _seed_keyword(cls: type) -> str:
    import inspect

    # scipy >= 1.15 names the seed `rng`; older versions call it `seed`.
    return "rng" if "rng" in inspect.signature(cls).parameters else "seed"

"""``CmaEsSampler``: CMA-ES on the ``cmaes`` library, with generations shared by all workers."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any


from skipjack._deprecation import warn_experimental_argument
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution, CategoricalDistribution
from skipjack.samplers._base import BaseSampler, warn_independent_sampling
from skipjack.samplers._feed import TrialFeed
from skipjack.samplers._cmaes._state import TAG_KEY, X_KEY, CmaConfig, CmaState, space_hash
from skipjack.samplers._numeric_space import NumericSpace
from skipjack.samplers._random import RandomSampler

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["CmaEsSampler"]

_RESTART_STRATEGIES = (None, "ipop", "bipop")
# A surplus draw waits at most this many median trial durations, and never longer than
# _MAX_WAIT seconds, for the trials that keep its generation from being told.
_WAIT_DURATIONS = 2.0
_MAX_WAIT = 1.0


class CmaEsSampler(BaseSampler):
    """Sample with CMA-ES (the ``cmaes`` library: ``pip install skipjack[cmaes]``).

    Float and int parameters shared by every finished trial are sampled jointly by CMA-ES;
    categorical parameters (and everything during the first ``n_startup_trials``) go to the
    independent sampler. The optimizer's state is rebuilt from the study's trials (each sampled
    trial records the generation it was drawn from), so workers on one storage advance one shared
    generation and a restarted worker resumes where the study is. Single-objective only.

    Args:
        x0: initial mean, by parameter name (default: the centre of each range).
        sigma0: initial step size in the encoded space (default: 1/6 of the smallest range).
        n_startup_trials: complete trials sampled independently before CMA-ES starts.
        independent_sampler: sampler for the other parameters (default: ``RandomSampler``).
        warn_independent_sampling: warn when a parameter falls back to the independent sampler
            after the startup trials.
        seed: seed of the sampler's random numbers.
        consider_pruned_trials: also tell PRUNED trials, with their last reported value.
        restart_strategy: None, ``"ipop"`` (restart with a population ``inc_popsize`` times
            larger each time the search stalls) or ``"bipop"`` (alternate large and small
            populations).
        popsize: population size (default: ``4 + floor(3 ln(d))``).
        inc_popsize: growth factor of the population at each restart (-1: 2).
        use_separable_cma: diagonal covariance (Sep-CMA-ES), for many parameters.
        with_margin: CMA-ES with margin, which keeps discrete parameters from freezing.
        lr_adapt: learning-rate adaptation (for multimodal or noisy problems).
        source_trials: finished trials of a similar task to warm-start from (WS-CMA-ES).

    Raises:
        ValueError: an unknown ``restart_strategy``, or options that cannot be combined (the
            message names them).
    """

    def __init__(
        self,
        x0: dict[str, Any] | None = None,
        sigma0: float | None = None,
        n_startup_trials: int = 1,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        seed: int | None = None,
        *,
        consider_pruned_trials: bool = False,
        restart_strategy: str | None = None,
        popsize: int | None = None,
        inc_popsize: int = -1,
        use_separable_cma: bool = False,
        with_margin: bool = False,
        lr_adapt: bool = False,
        source_trials: list[FrozenTrial] | None = None,
    ) -> None:
        if restart_strategy not in _RESTART_STRATEGIES:
            raise ValueError(
                "The 'restart_strategy' argument of CmaEsSampler must be None, 'ipop' or 'bipop'. "
                f"Got {restart_strategy!r}."
            )
        if sigma0 is not None and not sigma0 > 0:
            raise ValueError(f"The 'sigma0' argument of CmaEsSampler must be > 0. Got {sigma0}.")
        if popsize is not None and popsize < 2:
            raise ValueError(f"The 'popsize' argument of CmaEsSampler must be >= 2. Got {popsize}.")
        if inc_popsize != -1 and inc_popsize < 1:
            raise ValueError(
                f"The 'inc_popsize' argument of CmaEsSampler must be >= 1 (or -1 for 2). Got "
                f"{inc_popsize}."
            )
        if n_startup_trials < 0:
            raise ValueError(
                "The 'n_startup_trials' argument of CmaEsSampler must be >= 0. Got "
                f"{n_startup_trials}."
            )
        exclusive = [("use_separable_cma", use_separable_cma), ("with_margin", with_margin),
                     ("lr_adapt", lr_adapt)]
        chosen = [name for name, on in exclusive if on]
        if len(chosen) > 1:
            raise ValueError(
                f"CmaEsSampler cannot combine {' and '.join(chosen)}: pick one of them."
            )
        if source_trials is not None and (x0 is not None or sigma0 is not None):
            raise ValueError(
                "CmaEsSampler cannot take 'source_trials' with 'x0' or 'sigma0': the warm start "
                "computes both from the source trials. Pass only 'source_trials'."
            )
        if source_trials is not None and use_separable_cma:
            raise ValueError(
                "CmaEsSampler's 'source_trials' warm start needs the full covariance: it cannot "
                "be combined with use_separable_cma."
            )
        if source_trials is not None and not [
            t for t in source_trials if t.state == TrialState.COMPLETE
        ]:
            raise ValueError(
                "The 'source_trials' argument of CmaEsSampler must hold at least one COMPLETE "
                "trial."
            )
        self._x0 = x0
        self._sigma0 = sigma0
        self._n_startup_trials = n_startup_trials
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._warn_independent_sampling = warn_independent_sampling
        self._seed = seed
        self._rng = random.Random(seed)
        self._seed_base = self._rng.randrange(2**31)
        self._consider_pruned_trials = consider_pruned_trials
        self._restart_strategy = restart_strategy
        self._popsize = popsize
        self._inc_popsize = 2 if inc_popsize == -1 else inc_popsize
        self._use_separable_cma = use_separable_cma
        self._with_margin = with_margin
        self._lr_adapt = lr_adapt
        self._source_trials = list(source_trials) if source_trials is not None else None
        for name, on in (("consider_pruned_trials", consider_pruned_trials),
                         ("use_separable_cma", use_separable_cma),
                         ("source_trials", source_trials is not None),
                         ("with_margin", with_margin), ("lr_adapt", lr_adapt)):
            if on:
                warn_experimental_argument(name)
        self._eligible_states = (
            (TrialState.COMPLETE, TrialState.PRUNED)
            if consider_pruned_trials
            else (TrialState.COMPLETE,)
        )
        self._feed = TrialFeed(self._eligible_states)
        self._finished: list[FrozenTrial] = []  # every finished trial, for a state built later
        self._space_cache: tuple[Any, dict[str, BaseDistribution], int] | None = None
        self._synced_for: tuple[int, int] | None = None
        self._n_eligible = 0
        self._lock = threading.RLock()
        self._state: CmaState | None = None
        self._state_key: tuple[Any, ...] | None = None
        self._pending: dict[int, dict[str, Any]] = {}
        self._own: set[int] = set()  # trials this sampler object is sampling (never waited for)
        self._waited_out: set[int] = set()  # running trials a draw already waited for in vain

    def __getstate__(self) -> dict[str, Any]:
        # The lock cannot be pickled; the per-study cache is rebuilt from the study's trials.
        state = self.__dict__.copy()
        for name in ("_lock", "_state", "_state_key", "_finished", "_feed", "_pending", "_own",
                     "_waited_out"):
            state.pop(name)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._state = None
        self._state_key = None
        self._finished = []
        self._n_eligible = 0
        self._pending = {}
        self._own = set()
        self._waited_out = set()
        self._feed = TrialFeed(self._eligible_states)

    # --- BaseSampler ------------------------------------------------------------------------------

    def reseed_rng(self) -> None:
        with self._lock:
            self._rng = random.Random()
            self._seed_base = self._rng.randrange(2**31)
            self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        with self._lock:
            self._own.add(trial.number)
            self._poll(study, trial.number)
            self._synced_for = (id(study), trial.number)
            space = self._feed.search_space
            cached = self._space_cache
            if cached is None or cached[0] is not space:
                relative = {
                    name: dist
                    for name, dist in space.items()
                    if not isinstance(dist, CategoricalDistribution) and not dist.single()
                }
                cached = self._space_cache = (space, relative, space_hash(relative))
            # The same object while the space is unchanged, so its hash is computed once.
            return cached[1]

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._raise_error_if_multi_objective(study)
        if len(search_space) < 2:
            # CMA-ES needs two dimensions or more; one parameter is sampled independently.
            return {}
        number = trial.number
        with self._lock:
            self._own.add(number)
            if self._synced_for != (id(study), number):
                self._poll(study, number)  # not synced by infer_relative_search_space
            if self._n_eligible < self._n_startup_trials:
                return {}
            state = self._get_state(study, search_space, number)
            blockers = self._blockers(state, number) if state.running else []
            bound = self._wait_bound() if blockers else 0.0
        if blockers and bound > 0:
            self._wait_for_generation(study, search_space, number, bound)
        with self._lock:
            state = self._get_state(study, search_space, number)
            optimizer = state.optimizer
            restart, generation = state.tag
            optimizer.reseed_rng((self._seed_base + 1_000_003 * number) % (2**31))
            attrs: dict[str, Any] = {TAG_KEY: [state.space_id, restart, generation]}
            if state.uses_margin:
                x_eval, x_tell = optimizer.ask()
                attrs[X_KEY] = [float(v) for v in x_tell]
            else:
                x_eval = state.ask()
            self._pending[number] = attrs
            return state.space.decode(x_eval)

    def trial_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        """Attributes to record on ``trial``: the generation it was sampled from (see the hook in
        ``BaseSampler``'s docstring)."""
        with self._lock:
            return self._pending.pop(trial.number, {})

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._raise_error_if_multi_objective(study)
        if (
            self._warn_independent_sampling
            and self._n_eligible >= self._n_startup_trials
            and trial.number > self._n_startup_trials
        ):
            warn_independent_sampling(
                param_name,
                trial.number,
                "CmaEsSampler",
                type(self._independent_sampler).__name__,
                "Dynamic search space and categorical distributions are not supported by "
                "CmaEsSampler.",
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
        with self._lock:
            self._pending.pop(trial.number, None)
            self._own.discard(trial.number)
        self._independent_sampler.after_trial(study, trial, state, values)

    # --- state ------------------------------------------------------------------------------------

    def _poll(self, study: ReadOnlyStudy, current_number: int) -> None:
        key = (id(study), study.study_name)
        if key != self._feed.key:
            self._feed.reset(key)
            self._finished = []
            self._n_eligible = 0
            self._state = None
            self._state_key = None
        finished = self._feed.poll(study)
        if not finished and self._state is None:
            return
        self._finished.extend(finished)
        if self._waited_out:
            self._waited_out.difference_update(t.number for t in finished)
        self._n_eligible += sum(1 for t in finished if t.state in self._eligible_states)
        if self._state is not None:
            self._state.update(finished, self._feed.running, current_number)

    def _blockers(self, state: CmaState, number: int) -> list[int]:
        """Trials of other workers that a draw for ``number`` waits for (see
        ``_wait_for_generation``); never this sampler's own, nor one already waited for."""
        return [n for n in state.blockers_of_surplus_draw(number)
                if n not in self._own and n not in self._waited_out]

    def _wait_bound(self) -> float:
        """How long a surplus draw waits: ``_WAIT_DURATIONS`` times the median duration of the
        study's last finished trials (about what evaluating the surplus point would cost), at
        most ``_MAX_WAIT`` seconds."""
        durations = sorted(
            (t.datetime_complete - t.datetime_start).total_seconds()
            for t in self._finished[-20:]
            if t.datetime_start is not None and t.datetime_complete is not None
        )
        if not durations:
            return 0.0
        return min(_WAIT_DURATIONS * durations[len(durations) // 2], _MAX_WAIT)

    def _wait_for_generation(
        self, study: ReadOnlyStudy, search_space: dict[str, BaseDistribution], number: int,
        bound: float,
    ) -> None:
        """Wait (lock released, up to ``bound`` seconds) until the current generation is told.

        Called when the draw for ``number`` would be surplus: the generation already has
        ``popsize`` finished solutions numbered below it, and other workers' lower-numbered
        trials that are still running are all that keeps it from being told (its members are
        its lowest-numbered trials, the rule that keeps every worker's optimizer equal). Drawn
        now, the point would be evaluated and discarded; drawn after the tell, it belongs to the
        next generation. Without the wait a generation wastes about as many points as the
        workers draw while its straggling members run, which grows with the trial rate: cheaper
        trials meant fewer generations per trial budget. The points drawn while its last members
        are still running (about one per other worker) stay surplus: waiting for those would
        idle every worker at every generation. Trials still running when the wait ends are not
        waited for again (a dead worker's trial costs one wait, not one per draw).
        """
        deadline = time.monotonic() + bound
        pause = 0.0005
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                with self._lock:
                    state = self._get_state(study, search_space, number)
                    self._waited_out.update(self._blockers(state, number))
                return
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, bound / 8)
            with self._lock:
                self._poll(study, number)
                if not self._blockers(self._get_state(study, search_space, number), number):
                    return

    def _get_state(
        self, study: ReadOnlyStudy, search_space: dict[str, BaseDistribution], current_number: int
    ) -> CmaState:
        cached = self._space_cache
        if cached is not None and cached[1] is search_space:
            space_id = cached[2]
        else:
            space_id = space_hash(search_space)
        key = (id(study), study.study_name, space_id)
        if self._state is None or self._state_key != key:
            space = NumericSpace(search_space, discrete_as_steps=self._with_margin)
            config = CmaConfig(
                x0=self._x0,
                sigma0=self._sigma0,
                seed=self._seed,
                popsize=self._popsize,
                inc_popsize=self._inc_popsize,
                restart_strategy=self._restart_strategy,
                use_separable_cma=self._use_separable_cma,
                with_margin=self._with_margin,
                lr_adapt=self._lr_adapt,
                consider_pruned_trials=self._consider_pruned_trials,
                source_trials=self._source_trials,
                direction=study.direction,
            )
            self._state = CmaState(config, space, space_id)
            self._state_key = key
            self._state.update(self._finished, self._feed.running, current_number)
        return self._state

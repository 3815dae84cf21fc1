"""``NSGAIISampler``: the elitist multi-objective genetic algorithm of Deb et al. (2002)."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from skipjack._deprecation import warn_deprecated_argument, warn_experimental_argument
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
)
from skipjack.samplers._constraints import store_constraints
from skipjack.samplers._ga._base import BaseGASampler
from skipjack.samplers._numeric_space import NumericSpace
from skipjack.samplers._random import RandomSampler
from skipjack.samplers.nsgaii._crossovers import BaseCrossover, UniformCrossover
from skipjack.samplers.nsgaii._draws import LegacyDraws
from skipjack.samplers.nsgaii._elite import crowding_distance, select_elite_crowding
from skipjack.samplers.nsgaii._mutations import BaseMutation

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["NSGAIISampler"]

_MAX_CROSSOVER_TRIES = 100


@dataclass
class _Plan:
    """Parents of one generation prepared for making children in one search space."""

    search_space: dict[str, BaseDistribution]
    parents: list[FrozenTrial]
    ranks: np.ndarray
    crowd: np.ndarray
    space: NumericSpace
    categorical: list[str]
    encoded: np.ndarray
    keys: list[tuple[float, float]]  # tournament order: (rank, -crowding distance), smaller wins
    plain: bool  # every numeric parameter a float without log or step: coordinates are values
    names: list[str]  # the search space's parameter names, in order
    rows: list[list[float]]  # ``encoded`` as Python floats
    low: list[float]  # box of the numeric coordinates
    high: list[float]
    inside: bool  # every parent inside the box (so is every uniform-crossover child)


class NSGAIISampler(BaseGASampler):
    """Multi-objective optimization with NSGA-II.

    Generation 0 is sampled at random. Each later trial is a child of the generation's parents:
    parents are picked by binary tournament (constraint-domination rank, then crowding distance),
    recombined by ``crossover`` with probability ``crossover_prob``, and each parameter is mutated
    with probability ``mutation_prob``. The parents of a generation are the best
    ``population_size`` of the previous parents and the previous generation (NSGA-II survival).
    Generations are rebuilt from the study's trials, so several workers evolve one population.

    Constraints: a trial is feasible when all its constraints are <= 0. They come from
    ``Trial.set_constraint`` or, deprecated, ``constraints_func(trial)``, which is called on each
    finished record (a pure function of it, so every worker agrees). A feasible trial dominates
    every infeasible one; of two infeasible trials the one with the smaller total violation
    dominates.

    Args:
        population_size: trials per generation (>= 2).
        mutation_prob: probability of mutating each parameter; None: ``1 / n_params``.
        crossover: a ``BaseCrossover`` (default ``UniformCrossover(swapping_prob)``).
        crossover_prob: probability that a child comes from crossover rather than a copy.
        swapping_prob: probability of taking a categorical parameter (and, with the uniform
            crossover, any parameter) from the second parent.
        seed: seed of the sampler's random numbers.
        constraints_func: deprecated (use ``Trial.set_constraint``).
        mutation: a ``BaseMutation`` for numerical parameters; None: a mutated parameter is
            redrawn at random (by the independent sampler), as in Optuna.
        elite_population_selection_strategy: ``f(study, candidates) -> parents`` replacing the
            NSGA-II survival (it must be deterministic for workers to agree).
        child_generation_strategy: ``f(study, search_space, parents) -> params`` replacing
            tournament, crossover and mutation.
        after_trial_strategy: ``f(study, trial, state, values)`` called when a trial finishes.

    Raises:
        ValueError: an argument out of range, or a crossover that needs more parents than
            ``population_size``.
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        mutation: BaseMutation | None = None,
        elite_population_selection_strategy: (
            Callable[[ReadOnlyStudy, list[FrozenTrial]], list[FrozenTrial]] | None
        ) = None,
        child_generation_strategy: (
            Callable[[ReadOnlyStudy, dict[str, BaseDistribution], list[FrozenTrial]], dict[str, Any]]
            | None
        ) = None,
        after_trial_strategy: (
            Callable[[ReadOnlyStudy, FrozenTrial, TrialState, Sequence[float] | None], None] | None
        ) = None,
    ) -> None:
        owner = type(self).__name__
        super().__init__(population_size)
        for name, value in (("crossover_prob", crossover_prob), ("swapping_prob", swapping_prob),
                            ("mutation_prob", mutation_prob)):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"The '{name}' argument of {owner} must be in [0, 1]. Got {value}."
                )
        if crossover is not None and not isinstance(crossover, BaseCrossover):
            raise ValueError(
                f"The 'crossover' argument of {owner} must be a BaseCrossover, such as "
                f"SBXCrossover(). Got {crossover!r}."
            )
        crossover = crossover or UniformCrossover(swapping_prob)
        if population_size < crossover.n_parents:
            raise ValueError(
                f"The 'population_size' argument of {owner} must be >= the number of parents "
                f"of {crossover} ({crossover.n_parents}). Got {population_size}."
            )
        if constraints_func is not None:
            warn_deprecated_argument(owner, "constraints_func", "5.0.0", "7.0.0",
                                     "Trial.set_constraint")
        for name, strategy in (("elite_population_selection_strategy",
                                elite_population_selection_strategy),
                               ("child_generation_strategy", child_generation_strategy),
                               ("after_trial_strategy", after_trial_strategy)):
            if strategy is not None and owner == "NSGAIISampler":
                warn_experimental_argument(name)
        self._mutation_prob = mutation_prob
        self._crossover = crossover
        self._crossover_prob = crossover_prob
        self._swapping_prob = swapping_prob
        self._seed = seed
        self._mutation = mutation
        self._elite_strategy = elite_population_selection_strategy
        self._child_strategy = child_generation_strategy
        self._after_trial_strategy = after_trial_strategy
        self._constraints_func = constraints_func
        self._violations: dict[int, float] = {}
        self._random_sampler = RandomSampler(seed=seed)
        self._rng = random.Random(seed)
        self._seed_base = self._rng.randrange(2**31)
        self._spaces: dict[int, NumericSpace] = {}
        self._tournament: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._plans: dict[int, _Plan] = {}
        self._synced_for: tuple[int, int] | None = None
        # reseeded for every child; the default child path reads the bit generator directly
        self._child_bits = np.random.MT19937(0)
        self._child_rng = np.random.RandomState(self._child_bits)
        self._space_cache: tuple[Any, dict[str, BaseDistribution]] | None = None

    # --- BaseSampler ------------------------------------------------------------------------------

    def reseed_rng(self) -> None:
        with self._ga_lock:
            self._rng = random.Random()
            self._seed_base = self._rng.randrange(2**31)
            self._random_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        # acquire/release rather than ``with`` in the per-trial hooks: half the instructions
        # (``with`` looks up and calls ``__enter__``/``__exit__``)
        lock = self._ga_lock
        lock.acquire()
        try:
            number = trial.number
            self._sync(study, number)
            self._synced_for = (id(study), number)
            space = self._feed.search_space
            cached = self._space_cache
            if cached is None or cached[0] is not space:
                relative = {name: dist for name, dist in space.items() if not dist.single()}
                cached = self._space_cache = (space, relative)
            # The same object while the space is unchanged: children plans are cached by it.
            return cached[1]
        finally:
            lock.release()

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        lock = self._ga_lock
        lock.acquire()
        try:
            # infer_relative_search_space synced for this trial a moment ago
            number = trial.number
            synced = self._synced_for == (id(study), number)
            log = self._log if synced else self._sync(study, number)
            generation = log.generation
            self._pending_generation[number] = generation
            if generation == 0 or not search_space:
                return {}
            parents = self._parents_of(study, generation)
            if self._child_strategy is not None:
                return self._child_strategy(study, search_space, parents)
            return self._make_child(study, trial, search_space, generation, parents)
        finally:
            lock.release()

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._random_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        lock = self._ga_lock
        lock.acquire()
        try:
            self._pending_generation.pop(trial.number, None)
        finally:
            lock.release()
        if self._after_trial_strategy is not None:
            self._after_trial_strategy(study, trial, state, values)
        elif self._constraints_func is not None:
            store_constraints(self._constraints_func, study, trial, state, type(self).__name__)

    def _on_reset(self) -> None:
        self._violations = {}
        self._tournament = {}
        self._plans = {}

    # --- selection --------------------------------------------------------------------------------

    def _violation(self, trial: FrozenTrial) -> float:
        constraints = trial.system_attrs.get(CONSTRAINTS_KEY)
        if constraints is None and self._constraints_func is not None:
            cached = self._violations.get(trial.number)
            if cached is not None:
                return cached
            raw = self._constraints_func(trial)
            try:
                constraints = [float(c) for c in raw]
            except (TypeError, ValueError):
                raise ValueError(
                    f"The 'constraints_func' of {type(self).__name__} must return a sequence of "
                    f"floats. Got {raw!r}."
                ) from None
            if any(c != c for c in constraints):
                raise ValueError(
                    f"The constraint values returned by 'constraints_func' must not be NaN. Got "
                    f"{constraints!r}."
                )
            value = float(sum(c for c in constraints if c > 0))
            self._violations[trial.number] = value
            return value
        if constraints is None:
            return 0.0
        return float(sum(c for c in constraints if c > 0))

    def _losses(self, study: ReadOnlyStudy, trials: Sequence[FrozenTrial]) -> np.ndarray:
        signs = np.array(
            [-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions]
        )
        values = np.array([t.values for t in trials], dtype=float).reshape(len(trials), -1)
        return cast(np.ndarray, values * signs)

    def _generation_rng(self, generation: int) -> np.random.Generator:
        # Same in every worker: selection must not depend on who computes it.
        return np.random.default_rng([generation, (self._seed or 0) % (2**31), 0x6A])

    def select_parent(self, study: ReadOnlyStudy, generation: int) -> list[FrozenTrial]:
        members = self._members_for_selection(generation)
        if self._elite_strategy is not None:
            return list(self._elite_strategy(study, members))
        losses = self._losses(study, members)
        violations = np.array([self._violation(t) for t in members])
        chosen = self._select_elite(study, losses, violations, generation)
        return [members[i] for i in sorted(chosen)]

    def _select_elite(
        self, study: ReadOnlyStudy, losses: np.ndarray, violations: np.ndarray, generation: int
    ) -> list[int]:
        return select_elite_crowding(
            losses, violations, self._population_size, self._generation_rng(generation)
        )

    def _tournament_keys(
        self, study: ReadOnlyStudy, generation: int, parents: list[FrozenTrial]
    ) -> tuple[np.ndarray, np.ndarray]:
        keys = self._tournament.get(generation)
        if keys is None:
            from skipjack._mo import constrained_non_dominated_sort

            losses = self._losses(study, parents)
            violations = np.array([self._violation(t) for t in parents])
            ranks = constrained_non_dominated_sort(losses, violations)
            crowd = np.zeros(len(parents))
            for rank in np.unique(ranks):
                front = np.flatnonzero(ranks == rank)
                crowd[front] = crowding_distance(losses[front])
            keys = self._tournament[generation] = (ranks, crowd)
        return keys

    # --- children ---------------------------------------------------------------------------------

    def _plan(
        self,
        study: ReadOnlyStudy,
        search_space: dict[str, BaseDistribution],
        generation: int,
        parents: list[FrozenTrial],
    ) -> _Plan | None:
        """What every child of ``generation`` in ``search_space`` shares, computed once."""
        plan = self._plans.get(generation)
        if plan is not None and plan.search_space is search_space:
            return plan
        all_ranks, all_crowd = self._tournament_keys(study, generation, parents)
        wanted = search_space.keys()
        usable = [i for i, p in enumerate(parents) if p.params.keys() >= wanted]
        if len(usable) < 2:
            return None
        numeric = {n: d for n, d in search_space.items()
                   if not isinstance(d, CategoricalDistribution)}
        space = self._numeric_space(numeric)
        chosen = [parents[i] for i in usable]
        encoded = space.encode_rows([p.params for p in chosen])
        plan = _Plan(
            search_space=search_space,
            parents=chosen,
            ranks=all_ranks[usable],
            crowd=all_crowd[usable],
            space=space,
            categorical=[n for n, d in search_space.items()
                         if isinstance(d, CategoricalDistribution)],
            encoded=encoded,
            keys=list(zip(all_ranks[usable].tolist(), (-all_crowd[usable]).tolist())),
            plain=all(isinstance(d, FloatDistribution) and not d.log and d.step is None
                      for d in numeric.values()),
            names=list(search_space),
            rows=encoded.tolist(),
            low=space.bounds[:, 0].tolist(),
            high=space.bounds[:, 1].tolist(),
            inside=bool(np.all((encoded >= space.bounds[:, 0]) & (encoded <= space.bounds[:, 1]))),
        )
        self._plans = {generation: plan}
        return plan

    def _make_child(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
        generation: int,
        parents: list[FrozenTrial],
    ) -> dict[str, Any]:
        plan = self._plan(study, search_space, generation, parents)
        if plan is None:
            return {}
        # Seeded per trial: reproducible with a seed, and different for concurrent workers.
        rng = self._child_rng
        rng.seed(zlib.crc32(f"{self._seed_base}:{trial.number}".encode()) % (2**31))
        if self._mutation is None and type(self._crossover) is UniformCrossover:
            return self._make_uniform_child(search_space, plan)
        space = plan.space
        n_members = len(plan.parents)
        use_crossover = rng.rand() < self._crossover_prob
        n_parents = self._crossover.n_parents if use_crossover else 1
        if n_parents > n_members:
            use_crossover, n_parents = False, 1
        chosen = _tournaments(plan.keys, n_parents, rng)
        if use_crossover and space.dim:
            x = self._crossover_numeric(study, rng, space, plan.encoded[chosen])
        else:
            x = plan.encoded[chosen[0]].copy()
        names = list(search_space)
        prob = self._mutation_prob
        if prob is None:
            prob = 1.0 / max(1, len(names))
        hits = np.flatnonzero(rng.rand(len(names)) < prob).tolist()
        mutated = {names[h] for h in hits}
        if mutated and self._mutation is not None:
            for i, name in enumerate(space.names):
                if name in mutated:
                    x[i] = self._mutation.mutation(float(x[i]), rng, study, space.bounds[i])
                    mutated.discard(name)
        child: dict[str, Any]
        if not space.dim:
            child = {}
        elif plan.plain:
            bounds = space.bounds
            child = dict(zip(space.names,
                             np.minimum(np.maximum(x, bounds[:, 0]), bounds[:, 1]).tolist()))
        else:
            child = space.decode(x)
        for name in plan.categorical:
            source = plan.parents[chosen[0]]
            if use_crossover and rng.rand() < self._swapping_prob:
                source = plan.parents[chosen[1 + int(rng.randint(len(chosen) - 1))]]
            child[name] = source.params[name]
        for name in mutated:  # redrawn at random by sample_independent
            child.pop(name, None)
        return child

    def _make_uniform_child(
        self, search_space: dict[str, BaseDistribution], plan: _Plan
    ) -> dict[str, Any]:
        """``_make_child`` for the default operators (uniform crossover, mutation by redrawing)
        with few interpreter steps: the same draws in the same order, read by ``LegacyDraws``, so
        the child is the one the general path makes.
        """
        names = plan.names
        space = plan.space
        dim = space.dim
        n_categorical = len(plan.categorical)
        # crossover coin 2 outputs, tournaments ~3 each, swaps and mutations 2 per coordinate
        draws = LegacyDraws(self._child_bits, 12 + 2 * (dim + len(names)))
        use_crossover = draws.rand() < self._crossover_prob
        n_parents = 2 if use_crossover else 1
        if n_parents > len(plan.parents):
            use_crossover, n_parents = False, 1
        chosen = _tournaments(plan.keys, n_parents, draws)
        prob = self._mutation_prob
        if prob is None:
            prob = 1.0 / max(1, len(names))
        first = plan.rows[chosen[0]]
        if use_crossover and dim:
            second = plan.rows[chosen[1]]
            swapping = cast(UniformCrossover, self._crossover)._swapping_prob
            x = [b if swap else a
                 for a, b, swap in zip(first, second, draws.below(dim, swapping))]
        else:
            x = first
        hits = draws.below(len(names), prob)
        child: dict[str, Any]
        if not dim:
            child = {}
        elif plan.plain:
            if plan.inside:
                child = dict(zip(space.names, x))
            else:
                child = {name: min(max(v, lo), hi)
                         for name, v, lo, hi in zip(space.names, x, plan.low, plan.high)}
        else:
            child = space.decode(np.array(x))
        if n_categorical:
            parents = plan.parents
            swap_prob = self._swapping_prob
            for name in plan.categorical:
                source = parents[chosen[0]]
                if use_crossover and draws.rand() < swap_prob:
                    source = parents[chosen[1 + draws.randint(len(chosen) - 1)]]
                child[name] = source.params[name]
        if True in hits:
            for name, hit in zip(names, hits):  # redrawn at random by sample_independent
                if hit:
                    child.pop(name, None)
        return child

    def _crossover_numeric(
        self,
        study: ReadOnlyStudy,
        rng: np.random.RandomState,
        space: NumericSpace,
        parents_x: np.ndarray,
    ) -> np.ndarray:
        if type(self._crossover) is UniformCrossover:
            # each coordinate is one parent's, so the child is inside the box: no retries
            return self._crossover.crossover(parents_x, rng, study, space.bounds)
        low, high = space.bounds[:, 0], space.bounds[:, 1]
        child = parents_x[0]
        for _ in range(_MAX_CROSSOVER_TRIES):
            child = np.asarray(
                self._crossover.crossover(parents_x, rng, study, space.bounds), dtype=float
            )
            if np.all((child >= low) & (child <= high)):
                return child
        return cast(np.ndarray, np.clip(child, low, high))

    def _numeric_space(self, numeric: dict[str, BaseDistribution]) -> NumericSpace:
        key = hash(tuple(numeric.items()))
        space = self._spaces.get(key)
        if space is None:
            space = self._spaces[key] = NumericSpace(numeric)
        return space


def _tournaments(
    keys: list[tuple[float, float]], n: int, rng: np.random.RandomState | LegacyDraws
) -> list[int]:
    """``n`` distinct winners of binary tournaments among ``range(len(keys))``.

    Each tournament pits two different members still in the pool; the smaller key wins (a tie is
    a coin flip) and leaves the pool.
    """
    pool = list(range(len(keys)))
    winners = []
    for _ in range(n):
        m = len(pool)
        if m == 1:
            winners.append(pool.pop())
            continue
        a = int(rng.randint(m))
        b = (a + 1 + int(rng.randint(m - 1))) % m  # a different member
        i, j = pool[a], pool[b]
        key_i, key_j = keys[i], keys[j]
        if key_i != key_j:
            win = i if key_i < key_j else j
        else:
            win = i if rng.rand() < 0.5 else j
        pool.remove(win)
        winners.append(win)
    return winners

"""The CMA-ES state of one study, rebuilt from the study's trials and advanced incrementally.

Design note: the optimizer state is never stored; it is a pure function of the study's history.
Every trial that CMA-ES samples is tagged (system attribute ``TAG_KEY``, written by the trial loop
through the sampler's ``trial_system_attrs`` hook) with the generation it was drawn from. A
generation is told to the optimizer when its first ``popsize`` eligible trials (by number) are
finished, counting only trials numbered below the lowest trial that is still running and may
belong to it. Finished records never change, so every worker that replays the history makes the
same ``tell`` calls, in the same order, and holds the same mean, step size and covariance: all
workers advance one shared generation. Restarts are decided by ``should_stop`` after a ``tell``
and draw their random start from a generator seeded by the told values, so they agree too. The
replay is incremental: each finished trial is taken in once.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.samplers._numeric_space import NumericSpace

__all__ = ["CmaConfig", "CmaState", "TAG_KEY", "X_KEY", "space_hash"]

# [space hash, restart index, generation] of the distribution a trial was sampled from.
TAG_KEY = "skipjack:cmaes:generation"
# The optimizer's own coordinates of a CMA-with-margin trial (they differ from the parameters).
X_KEY = "skipjack:cmaes:x"


def space_hash(space: dict[str, Any]) -> int:
    """A short, process-independent fingerprint of a search space."""
    return zlib.crc32(repr(sorted((k, repr(v)) for k, v in space.items())).encode())


@dataclass
class CmaConfig:
    """The sampler's CMA-ES settings (see ``CmaEsSampler`` for their meaning)."""

    x0: dict[str, Any] | None
    sigma0: float | None
    seed: int | None
    popsize: int | None
    inc_popsize: int
    restart_strategy: str | None
    use_separable_cma: bool
    with_margin: bool
    lr_adapt: bool
    consider_pruned_trials: bool
    source_trials: list[FrozenTrial] | None
    direction: StudyDirection


def _plain_cma(optimizer: Any) -> bool:
    """Whether ``optimizer`` is a ``cmaes.CMA`` whose sampling ``CmaState.ask`` may reproduce:
    the library's own class and methods, with the attributes that ask reads."""
    cls = type(optimizer)
    if cls.__name__ != "CMA" or not cls.__module__.startswith("cmaes"):
        return False
    ok = _PLAIN_CMA.get(cls)
    if ok is None:
        import cmaes

        ok = _PLAIN_CMA[cls] = cls is cmaes.CMA and all(
            hasattr(optimizer, name)
            for name in ("_eigen_decomposition", "_rng", "_mean", "_sigma", "_n_dim", "_bounds",
                         "_n_max_resampling", "_repair_infeasible_params")
        )
    return ok


_PLAIN_CMA: dict[type, bool] = {}


def _loss(trial: FrozenTrial, direction: StudyDirection) -> float | None:
    values = trial.values
    if values is None:
        return None
    v = float(values[0])
    if math.isnan(v):
        return None
    return -v if direction == StudyDirection.MAXIMIZE else v


@dataclass
class _Solution:
    number: int
    x: np.ndarray
    loss: float


@dataclass
class CmaState:
    """The optimizer of one study and search space, with the replay bookkeeping."""

    config: CmaConfig
    space: NumericSpace
    space_id: int
    optimizer: Any = None
    restart: int = 0
    buckets: dict[tuple[int, int], list[_Solution]] = field(default_factory=dict)
    running: dict[int, tuple[int, int] | None] = field(default_factory=dict)
    n_evals_small: int = 0
    n_evals_large: int = 0
    n_restarts_large: int = 0
    popsize_default: int = 0
    sigma_default: float = 0.0
    large_regime: bool = True
    uses_margin: bool = False
    # ask's sampling transform B @ diag(D), and the eigenvector matrix B it was computed from
    _transform: Any = field(default=None, repr=False)
    _transform_of: Any = field(default=None, repr=False)
    # the optimizer's bounds as (low, high) Python floats per coordinate, and the array they are of
    _box: list[tuple[float, float]] = field(default_factory=list, repr=False)
    _box_of: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # CMA with margin only when asked for and some parameter is discrete
        self.uses_margin = self.config.with_margin and bool(np.any(self.space.steps > 0))
        lb, ub = self.space.bounds[:, 0], self.space.bounds[:, 1]
        self.sigma_default = (
            self.config.sigma0 if self.config.sigma0 is not None else float(np.min(ub - lb)) / 6
        )
        self.popsize_default = self.config.popsize or 4 + int(3 * math.log(self.space.dim))
        self.optimizer = self._initial_optimizer()

    # --- optimizers -------------------------------------------------------------------------------

    def _make(self, mean: np.ndarray, sigma: float, popsize: int, cov: np.ndarray | None) -> Any:
        import cmaes

        cfg = self.config
        bounds = self.space.bounds
        seed = None if cfg.seed is None else (cfg.seed + 7919 * self.restart) % (2**31)
        mean = np.clip(mean, bounds[:, 0], bounds[:, 1])
        if cfg.use_separable_cma:
            return cmaes.SepCMA(
                mean=mean, sigma=sigma, bounds=bounds, seed=seed, population_size=popsize
            )
        if self.uses_margin:
            return cmaes.CMAwM(
                mean=mean, sigma=sigma, bounds=bounds, steps=self.space.steps, seed=seed,
                population_size=popsize, cov=cov,
            )
        return cmaes.CMA(
            mean=mean, sigma=sigma, bounds=bounds, seed=seed, population_size=popsize, cov=cov,
            lr_adapt=cfg.lr_adapt,
        )

    def _initial_optimizer(self) -> Any:
        cfg = self.config
        bounds = self.space.bounds
        mean = bounds.mean(axis=1)
        sigma = self.sigma_default
        cov = None
        if cfg.source_trials:
            from cmaes import get_warm_start_mgd

            solutions = []
            for t in cfg.source_trials:
                loss = _loss(t, cfg.direction)
                if t.state != TrialState.COMPLETE or loss is None:
                    continue
                if not all(n in t.params for n in self.space.names):
                    continue
                solutions.append((self.space.encode(t.params), loss))
            if not solutions:
                raise ValueError(
                    "The 'source_trials' argument of CmaEsSampler has no COMPLETE trial with the "
                    f"parameters {self.space.names}; pass trials of a similar study."
                )
            mean, sigma, cov = get_warm_start_mgd(solutions)
        elif cfg.x0 is not None:
            mean = self.space.encode_partial(cfg.x0, mean)
        return self._make(mean, sigma, self.popsize_default, cov)

    def _restart(self, told: np.ndarray) -> None:
        cfg = self.config
        evals = self.optimizer.population_size * self.optimizer.generation
        if self.large_regime:
            self.n_evals_large += evals
        else:
            self.n_evals_small += evals
        self.restart += 1
        # Seeded by the history, so every worker draws the same restart.
        entropy = [zlib.crc32(told.tobytes()), self.restart, (cfg.seed or 0) % (2**31)]
        rng = np.random.default_rng(entropy)
        bounds = self.space.bounds
        mean = rng.uniform(bounds[:, 0], bounds[:, 1])
        sigma = self.sigma_default
        inc = cfg.inc_popsize
        if cfg.restart_strategy == "bipop" and self.n_restarts_large > 0 and (
            self.n_evals_small < self.n_evals_large
        ):
            self.large_regime = False
            u = rng.uniform()
            large = self.popsize_default * inc**self.n_restarts_large
            ratio = 0.5 * large / self.popsize_default
            popsize = max(int(self.popsize_default * ratio ** (u**2)), self.popsize_default)
            sigma = self.sigma_default * 10 ** (-2 * u)
        else:
            self.large_regime = True
            self.n_restarts_large += 1
            popsize = self.popsize_default * inc**self.n_restarts_large
        self.optimizer = self._make(mean, sigma, popsize, None)

    def ask(self) -> Any:
        """``optimizer.ask()``: the same points, drawn from the same generator.

        For plain CMA (``cmaes.CMA``, whose ``ask`` is the same in every supported version:
        redraw up to ``n_max_resampling`` times until inside the box, then clip) the sampling
        transform ``B @ diag(D)`` is kept until the next eigendecomposition instead of being
        rebuilt for every sample, and the box test compares Python floats instead of calling
        four numpy functions on 10-element arrays. The library builds the same matrix from the
        same operands, so the samples are bit-identical (tests/samplers/test_cmaes.py compares
        them over many generations).
        """
        opt = self.optimizer
        if not _plain_cma(opt):
            return opt.ask()
        B, D = opt._eigen_decomposition()
        if self._transform_of is not B:
            self._transform = B.dot(np.diag(D))
            self._transform_of = B
        transform = self._transform
        rng, mean, sigma, n = opt._rng, opt._mean, opt._sigma, opt._n_dim
        bounds = opt._bounds
        if bounds is None:
            return mean + sigma * transform.dot(rng.randn(n))
        if self._box_of is not bounds:
            self._box = [(float(low), float(high)) for low, high in bounds]
            self._box_of = bounds
        box = self._box
        for _ in range(opt._n_max_resampling):
            x = mean + sigma * transform.dot(rng.randn(n))
            if all(low <= v <= high for v, (low, high) in zip(x.tolist(), box)):
                return x
        x = mean + sigma * transform.dot(rng.randn(n))
        return opt._repair_infeasible_params(x)

    # --- replay -----------------------------------------------------------------------------------

    @property
    def tag(self) -> tuple[int, int]:
        """(restart, generation) of the distribution the next trial is drawn from."""
        return (self.restart, int(self.optimizer.generation))

    def _solution_x(self, trial: FrozenTrial) -> np.ndarray | None:
        if self.uses_margin:
            x = trial.system_attrs.get(X_KEY)
            return None if x is None else np.asarray(x, dtype=float)
        params = trial.params
        for n in self.space.names:
            if n not in params:
                return None
        return self.space.encode(params)

    def update(
        self,
        finished: Sequence[FrozenTrial],
        running: Mapping[int, FrozenTrial],
        current_number: int,
    ) -> None:
        """Take in newly finished trials and tell every generation that is complete.

        Args:
            finished: trials that finished since the last call (each passed once).
            running: the study's RUNNING trials by number, as they are now.
            current_number: the trial being sampled now (it never blocks a generation).
        """
        eligible = (
            (TrialState.COMPLETE, TrialState.PRUNED)
            if self.config.consider_pruned_trials
            else (TrialState.COMPLETE,)
        )
        for trial in finished:
            self._add(trial, eligible)
        self.running = {}
        for number, trial in running.items():
            if number == current_number:
                continue
            tag = trial.system_attrs.get(TAG_KEY)
            if tag is None:
                self.running[number] = None
            elif tag[0] == self.space_id:
                self.running[number] = (int(tag[1]), int(tag[2]))
        self._tell_complete_generations()

    def blockers_of_surplus_draw(self, current_number: int) -> list[int]:
        """The running trials that alone keep the current generation from being told, when a
        draw for ``current_number`` could not join it anyway; else ``[]``.

        That is when the generation already has ``popsize`` finished solutions numbered below
        ``current_number``: its members are its ``popsize`` lowest-numbered eligible trials, so
        barring failures this draw is surplus (evaluated, then discarded), and the tell waits
        only for lower-numbered trials that are still running, untagged or tagged with it.
        """
        if not self.running:  # one worker: nothing else runs
            return []
        tag = self.tag
        bucket = self.buckets.get(tag)
        popsize = self.optimizer.population_size
        if not bucket or len(bucket) < popsize:
            return []
        if sum(1 for s in bucket if s.number < current_number) < popsize:
            return []
        return [n for n, t in self.running.items()
                if n < current_number and (t is None or t == tag)]

    def _add(self, trial: FrozenTrial, eligible: tuple[TrialState, ...]) -> None:
        if trial.state not in eligible:
            return
        tag = trial.system_attrs.get(TAG_KEY)
        if tag is None or tag[0] != self.space_id:
            return
        key = (int(tag[1]), int(tag[2]))
        if key < self.tag:
            return
        loss = _loss(trial, self.config.direction)
        x = self._solution_x(trial)
        if loss is None or x is None:
            return
        self.buckets.setdefault(key, []).append(_Solution(trial.number, x, loss))

    def _tell_complete_generations(self) -> None:
        while True:
            tag = self.tag
            bucket = self.buckets.get(tag)
            popsize = self.optimizer.population_size
            if not bucket or len(bucket) < popsize:
                return
            blockers = [n for n, t in self.running.items() if t is None or t == tag]
            limit = min(blockers) if blockers else math.inf
            chosen = sorted((s for s in bucket if s.number < limit), key=lambda s: s.number)
            if len(chosen) < popsize:
                return
            chosen = chosen[:popsize]
            solutions = [(s.x, s.loss) for s in chosen]
            self.optimizer.tell(solutions)
            del self.buckets[tag]
            for stale in [k for k in self.buckets if k < self.tag]:
                del self.buckets[stale]
            if self.config.restart_strategy is not None and self.optimizer.should_stop():
                self._restart(np.array([s.loss for s in chosen]))
                self.buckets = {k: v for k, v in self.buckets.items() if k >= self.tag}

"""``BaseGASampler``: generations and parent populations for genetic-algorithm samplers."""

from __future__ import annotations

import abc
import threading
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._feed import TrialFeed
from skipjack.samplers._ga._generations import GenerationLog, generation_key

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["BaseGASampler"]


class BaseGASampler(BaseSampler, abc.ABC):
    """Base class of samplers that evolve a population generation by generation.

    A subclass implements ``select_parent(study, generation)``: the parents of ``generation`` from
    the parents and the members of the generation before it. This class keeps the generations,
    which are rebuilt from the study's trials (see ``_generations``), so several workers on one
    storage evolve one population and a restarted worker resumes at the study's generation.

    Args:
        population_size: trials per generation.

    Raises:
        ValueError: ``population_size`` is not an int >= 2.
    """

    def __init__(self, population_size: int) -> None:
        if isinstance(population_size, bool) or not isinstance(population_size, int) or (
            population_size < 2
        ):
            raise ValueError(
                f"The 'population_size' argument of {type(self).__name__} must be an int >= 2. "
                f"Got {population_size!r}."
            )
        self._population_size = population_size
        self._ga_lock = threading.RLock()
        self._log_key: tuple[Any, ...] | None = None
        self._log = GenerationLog(population_size, self._get_generation_key())
        self._parents: dict[int, list[FrozenTrial]] = {}
        self._pending_generation: dict[int, int] = {}
        self._feed = TrialFeed()

    def __getstate__(self) -> dict[str, Any]:
        # The lock cannot be pickled; generations are rebuilt from the study's trials.
        state = self.__dict__.copy()
        del state["_ga_lock"]
        state["_log_key"] = None
        state["_log"] = GenerationLog(self._population_size, self._get_generation_key())
        state["_parents"] = {}
        state["_pending_generation"] = {}
        state["_feed"] = TrialFeed()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._ga_lock = threading.RLock()

    @property
    def population_size(self) -> int:
        """Trials per generation."""
        return self._population_size

    @classmethod
    def _get_generation_key(cls) -> str:
        return generation_key(cls)

    def _sync(self, study: ReadOnlyStudy, current_number: int | None = None) -> GenerationLog:
        key = (id(study), study.study_name)
        if key != self._log_key:
            self._log_key = key
            self._log = GenerationLog(self._population_size, self._get_generation_key())
            self._parents = {}
            self._feed.reset(key)
            self._on_reset()
        finished = self._feed.poll(study)
        self._log.update(finished, self._feed.running, current_number)
        return self._log

    def _on_reset(self) -> None:
        """Forget per-study caches (called when the sampler meets another study)."""

    def get_trial_generation(self, study: ReadOnlyStudy, trial: FrozenTrial) -> int:
        """The generation ``trial`` belongs to (the one it would join, if not sampled yet)."""
        tag = trial.system_attrs.get(self._get_generation_key())
        if tag is not None:
            return int(tag)
        with self._ga_lock:
            return self._sync(study, trial.number).generation

    def get_population(self, study: ReadOnlyStudy, generation: int) -> list[FrozenTrial]:
        """The members of a closed ``generation`` (empty while it is open)."""
        with self._ga_lock:
            log = self._sync(study)
            return list(log.populations[generation]) if generation < log.generation else []

    def get_parent_population(self, study: ReadOnlyStudy, generation: int) -> list[FrozenTrial]:
        """The parents of ``generation`` (>= 1): selected from generation ``generation - 1`` and
        its own parents. Empty for generation 0, whose trials are sampled at random."""
        if generation <= 0:
            return []
        with self._ga_lock:
            self._sync(study)
            return list(self._parents_of(study, generation))

    def _parents_of(self, study: ReadOnlyStudy, generation: int) -> list[FrozenTrial]:
        cached = self._parents.get(generation)
        if cached is None:
            for g in range(1, generation + 1):
                if g not in self._parents:
                    self._parents[g] = self.select_parent(study, g)
            cached = self._parents[generation]
        return cached

    def _members_for_selection(self, generation: int) -> list[FrozenTrial]:
        """Previous parents and the last closed generation, without duplicates."""
        previous = self._parents.get(generation - 1, [])
        merged = {t.number: t for t in previous}
        for t in self._log.populations[generation - 1]:
            merged[t.number] = t
        return [merged[n] for n in sorted(merged)]

    @abc.abstractmethod
    def select_parent(self, study: ReadOnlyStudy, generation: int) -> list[FrozenTrial]:
        """Return the parents of ``generation`` (>= 1).

        Called at most once per generation and process, in increasing order, with generation
        ``generation - 1`` closed; ``self._members_for_selection(generation)`` gives the
        candidates. Must be deterministic (seed any randomness from ``generation``) so that all
        workers select the same parents.
        """

    def trial_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        """The generation of a trial that was just sampled (recorded by the trial loop)."""
        lock = self._ga_lock
        lock.acquire()  # not ``with``: half the instructions, once per trial
        try:
            generation = self._pending_generation.pop(trial.number, None)
            key = self._log.key  # the generation key, computed when the log was made
        finally:
            lock.release()
        return {} if generation is None else {key: generation}

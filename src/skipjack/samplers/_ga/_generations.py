"""Generations of a genetic algorithm, rebuilt from a study's trials and shared by its workers.

Design note: a GA sampler never stores its populations. Each trial it samples records the
generation it belongs to (Optuna's system attribute ``"<sampler class name>:generation"``, e.g.
``"NSGAIISampler:generation"``, written by the trial loop from the sampler's ``trial_system_attrs``
hook, so Optuna and skipjack workers read each other's generations); a finished trial without it (the first trials, added or
enqueued ones) belongs to generation 0. Generation ``g`` closes when its first ``population_size``
COMPLETE trials by number are known and no trial numbered below the last of them is still running
with generation ``g`` or no generation yet. Finished records never change, so every worker and
every restarted process closes the same generations with the same members: the populations are a
pure function of the history. The replay is incremental: each finished trial is taken in once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from skipjack._records import FrozenTrial, TrialState

__all__ = ["generation_key", "GenerationLog"]

# read once: an Enum class attribute costs ~1 000 instructions per read (EnumType.__getattr__)
_COMPLETE = TrialState.COMPLETE


def generation_key(sampler_class: type) -> str:
    """Optuna's system-attribute key of a GA sampler's generation: ``"<class name>:generation"``."""
    return f"{sampler_class.__name__}:generation"


class GenerationLog:
    """Incremental replay of a study's generations.

    Args:
        population_size: members of a closed generation.
        key: the system attribute holding a trial's generation.
    """

    def __init__(self, population_size: int, key: str) -> None:
        self.population_size = population_size
        self.key = key
        self.populations: list[list[FrozenTrial]] = []  # closed generations, in order
        self._buckets: dict[int, list[FrozenTrial]] = {}
        self._running: dict[int, int | None] = {}

    @property
    def generation(self) -> int:
        """The generation a trial starting now joins: the number of closed generations."""
        return len(self.populations)

    def update(
        self,
        finished: Sequence[FrozenTrial],
        running: Mapping[int, FrozenTrial],
        current_number: int | None = None,
    ) -> None:
        """Take in newly finished trials and close every generation that is complete.

        Args:
            finished: trials that finished since the last call (each passed once).
            running: the study's RUNNING trials by number, as they are now.
            current_number: the trial being sampled now (it never blocks a generation).
        """
        for trial in finished:
            if trial.state is _COMPLETE:
                generation = int(trial.system_attrs.get(self.key, 0))
                if generation >= self.generation:
                    self._buckets.setdefault(generation, []).append(trial)
        self._running = {}
        for number, trial in running.items():
            if number != current_number:
                tag = trial.system_attrs.get(self.key)
                self._running[number] = None if tag is None else int(tag)
        self._close()

    def _close(self) -> None:
        while True:
            generation = self.generation
            bucket = self._buckets.get(generation)
            if not bucket or len(bucket) < self.population_size:
                return
            blockers = [n for n, g in self._running.items() if g is None or g == generation]
            limit = min(blockers) if blockers else math.inf
            members = sorted((t for t in bucket if t.number < limit), key=lambda t: t.number)
            if len(members) < self.population_size:
                return
            self.populations.append(members[: self.population_size])
            del self._buckets[generation]

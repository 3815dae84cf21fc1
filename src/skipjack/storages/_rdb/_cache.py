"""The per-process view of a study's trials, kept in step by incremental syncs.

Design note: finished trials never change (the storage refuses writes to them), so a study's
history is described by two numbers' worth of state: the highest trial number seen, and the
numbers of the trials seen unfinished (RUNNING or WAITING). A sync re-reads only trials above the
highest number or among the unfinished ones, in one round trip (see ``_reader``); its cost follows
the number of trials that changed, not the size of the study. The cache also keeps the best
COMPLETE trial of a single-objective study, updated as finished trials arrive.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from skipjack._records import FrozenTrial, StudyDirection, TrialState

__all__ = ["StudyCache", "FULL_RESYNC_THRESHOLD"]

_COMPLETE = TrialState.COMPLETE

# Above this many unfinished trials a sync re-reads everything instead of sending a long IN list.
FULL_RESYNC_THRESHOLD = 5000


class StudyCache:
    """Trials of one study as last synced, ordered by number (the caller holds a lock)."""

    __slots__ = ("trials", "max_number", "unfinished", "directions", "best")

    def __init__(self, directions: list[StudyDirection]) -> None:
        self.trials: list[FrozenTrial | None] = []
        self.max_number = -1
        self.unfinished: set[int] = set()
        self.directions = directions
        self.best: FrozenTrial | None = None

    def watermark(self) -> tuple[int, list[int]]:
        """``(max_number, unfinished numbers)`` to send to the sync query."""
        if len(self.unfinished) > FULL_RESYNC_THRESHOLD:
            low = min(self.unfinished)
            return low - 1, []
        return self.max_number, sorted(self.unfinished)

    def merge(self, changed: Iterable[FrozenTrial]) -> None:
        """Take in the trials a sync returned."""
        trials = self.trials
        for trial in changed:
            number = trial.number
            while len(trials) <= number:
                trials.append(None)
            known = trials[number]
            if known is not None and known.state.is_finished():
                # Finished trials never change; a sync that started before another one and
                # answered after it may bring an older, unfinished copy: keep the finished one.
                continue
            trials[number] = trial
            if number > self.max_number:
                self.max_number = number
            if trial.state.is_finished():
                self.unfinished.discard(number)
                if trial.state is _COMPLETE and len(self.directions) == 1:
                    self._offer_best(trial)
            else:
                self.unfinished.add(number)

    def _offer_best(self, trial: FrozenTrial) -> None:
        if not trial.values:
            return
        best = self.best
        if best is None:
            self.best = trial
            return
        value, current = trial.values[0], best.values[0]  # type: ignore[index]
        if self.directions[0] == StudyDirection.MAXIMIZE:
            better = value > current or (value == current and trial.number < best.number)
        else:
            better = value < current or (value == current and trial.number < best.number)
        if better:
            self.best = trial

    def select(self, states: Container[TrialState] | None) -> list[FrozenTrial]:
        """The cached trials (optionally only those in ``states``), ordered by number."""
        if states is None:
            return [t for t in self.trials if t is not None]
        return [t for t in self.trials if t is not None and t.state in states]

"""The study view: one incremental feed of a study's trials, read "since the last poll".

A ``TrialFeed`` follows one study through its storage's watermark read
(``get_trials_since(watermark)``: every trial that changed since the watermark, possibly more,
never fewer) and turns it into the one view every consumer of "what changed" uses: the
stateful samplers (TPE, CMA-ES, the GA samplers), the intersection search space
(``search_space.py``) and the stop callbacks (``study/_budgets.py``).

The rule for unfinished trials, the same for every consumer:

- A trial is handed out by ``poll`` once, the first time it is read finished (COMPLETE, PRUNED
  or FAIL), in number order. A finished trial never changes again, so it is never handed out
  twice and never taken back.
- A trial that is not finished (RUNNING or WAITING) is never handed out. While RUNNING it is in
  ``running`` as last read (its parameters so far: constant-liar samplers and generation logs
  read it), and the storage's watermark read returns it again at every poll until it finishes.

The search space kept alongside is the intersection of the distributions of the finished trials
in ``space_states``, so a sampler needs no second pass over the history.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["TrialFeed"]

_RUNNING = TrialState.RUNNING


class TrialFeed:
    """Finished trials once each, running trials as they are now, and the intersection space.

    Not thread safe: a consumer shared between threads holds its own lock around ``poll``.

    Args:
        space_states: states of the finished trials whose parameters define the intersection
            search space (e.g. COMPLETE, or COMPLETE and PRUNED).
        keep: also keep every finished trial handed out, by number, in ``finished``.
    """

    def __init__(
        self, space_states: Container[TrialState] = (TrialState.COMPLETE,), *, keep: bool = False
    ) -> None:
        self._space_states = space_states
        self._keep = keep
        self.reset(None)

    def reset(self, key: Any) -> None:
        """Forget everything (the consumer met another study); ``key`` names the new one."""
        self.key = key
        self._watermark: Any = None
        self._done: set[int] = set()
        self.running: dict[int, FrozenTrial] = {}
        self.finished: dict[int, FrozenTrial] = {}
        self._space: dict[str, BaseDistribution] | None = None
        self._sorted_space: dict[str, BaseDistribution] = {}

    def poll(self, study: ReadOnlyStudy, key: Any = None) -> list[FrozenTrial]:
        """Return the trials of ``study`` that finished since the last poll, ordered by number.

        Args:
            key: what identifies the study for this consumer (default: the study object and its
                name); a poll with another key starts over, as after ``reset``.
        """
        if key is None:
            key = (id(study), study.study_name)
        if key != self.key:
            self.reset(key)
        changed, self._watermark = study.get_trials_since(self._watermark)
        return self._take(changed)

    def _take(self, changed: list[FrozenTrial]) -> list[FrozenTrial]:
        finished = []
        running = self.running
        done = self._done
        for trial in changed:
            number = trial.number
            state = trial.state
            if state.is_finished():
                if number not in done:
                    done.add(number)
                    running.pop(number, None)
                    finished.append(trial)
            elif state is _RUNNING:
                running[number] = trial
        if finished:
            finished.sort(key=lambda t: t.number)
            if self._keep:
                kept = self.finished
                for trial in finished:
                    kept[trial.number] = trial
            self._update_space(finished)
        return finished

    def _update_space(self, finished: list[FrozenTrial]) -> None:
        space = self._space
        changed = False
        for trial in finished:
            if trial.state not in self._space_states:
                continue
            dists = trial.distributions
            if space is None:
                space = dict(dists)
                changed = True
            else:
                # identity first: the trial loop shares distribution objects between trials
                drop = [n for n, d in space.items()
                        if (other := dists.get(n)) is not d and other != d]
                for n in drop:
                    del space[n]
                changed = changed or bool(drop)
        self._space = space
        if changed and space is not None:
            self._sorted_space = dict(sorted(space.items()))

    @property
    def search_space(self) -> dict[str, BaseDistribution]:
        """The parameters (with equal distributions) of every finished trial in ``space_states``,
        sorted by name. Do not mutate."""
        return self._sorted_space

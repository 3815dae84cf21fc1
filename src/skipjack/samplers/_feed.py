"""An incremental view of a study's trials for stateful samplers (CMA-ES, the GA samplers).

``TrialFeed.poll`` returns each finished trial once, and keeps the running trials up to date, by
reading only what changed since the previous poll (``Study.get_trials_since``); a study without
that method (a third-party facade) is read whole each time. It also keeps the intersection search
space of the finished trials, so the sampler needs no second pass over the history.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["TrialFeed"]


class TrialFeed:
    """Finished trials once each, running trials as they are now, and the intersection space.

    Args:
        space_states: states of the finished trials whose parameters define the intersection
            search space (e.g. COMPLETE, or COMPLETE and PRUNED).
    """

    def __init__(self, space_states: Container[TrialState] = (TrialState.COMPLETE,)) -> None:
        self._space_states = space_states
        self.reset(None)

    def reset(self, key: Any) -> None:
        """Forget everything (the sampler met another study)."""
        self.key = key
        self._watermark: Any = None
        self._done: set[int] = set()
        self.running: dict[int, FrozenTrial] = {}
        self._space: dict[str, BaseDistribution] | None = None
        self._sorted_space: dict[str, BaseDistribution] = {}

    def poll(self, study: ReadOnlyStudy) -> list[FrozenTrial]:
        """Return the trials that finished since the last poll, ordered by number."""
        key = (id(study), study.study_name)
        if key != self.key:
            self.reset(key)
        since = getattr(study, "get_trials_since", None)
        if since is not None:
            changed, self._watermark = since(self._watermark)
        else:
            changed = study.get_trials(deepcopy=False)
        finished = []
        running = self.running
        done = self._done
        for trial in changed:
            number = trial.number
            if trial.state.is_finished():
                if number not in done:
                    done.add(number)
                    running.pop(number, None)
                    finished.append(trial)
            elif trial.state == TrialState.RUNNING:
                running[number] = trial
        if finished:
            finished.sort(key=lambda t: t.number)
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

"""The improvement evaluators ``RegretBoundEvaluator`` (GP regret bound) and
``BestValueStagnationEvaluator`` (trials since the best value last improved)."""

from __future__ import annotations

import abc
from collections.abc import Mapping

import numpy as np

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.search_space import intersection_search_space

__all__ = [
    "DEFAULT_MIN_N_TRIALS",
    "DEFAULT_TOP_TRIALS_RATIO",
    "BaseImprovementEvaluator",
    "BestValueStagnationEvaluator",
    "RegretBoundEvaluator",
]

DEFAULT_TOP_TRIALS_RATIO = 0.5
DEFAULT_MIN_N_TRIALS = 20


@experimental("3.2.0")
class BaseImprovementEvaluator(metaclass=abc.ABCMeta):
    """Base class of improvement evaluators."""

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The room left for improvement given ``trials`` (larger = more room)."""


@experimental("3.2.0")
class RegretBoundEvaluator(BaseImprovementEvaluator):
    """An upper bound of the regret (Makarova et al., 2022, "Automatic termination for
    hyperparameter optimization").

    A GP is fitted to the best ``max(top_trials_ratio * n, min_n_trials)`` complete trials over
    their intersection search space; the bound is the largest upper confidence bound over the
    space minus the largest lower confidence bound at those trials, in the objective's units.

    Args:
        top_trials_ratio: the fraction of the best trials the GP sees. Defaults to 0.5.
        min_n_trials: the least number of trials the GP sees (all of them when fewer exist).
            Defaults to 20.
        seed: seed of the random points where the upper confidence bound is maximized.
    """

    def __init__(
        self,
        top_trials_ratio: float = DEFAULT_TOP_TRIALS_RATIO,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
        seed: int | None = None,
    ) -> None:
        self._top_trials_ratio = top_trials_ratio
        self._min_n_trials = min_n_trials
        self._seed = seed
        self._rng: np.random.Generator | None = None

    def _generator(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        return self._rng

    def _top_n(self, X: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(values)
        top_n = int(np.clip(int(n * self._top_trials_ratio), self._min_n_trials, n))
        cut = np.partition(values, n - top_n)[n - top_n]
        mask = values >= cut
        return X[mask], values[mask]

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the regret bound.

        Raises:
            ValueError: no trial is complete, or the complete trials share no parameter.
        """
        from skipjack.terminator import _gp

        space = intersection_search_space(trials)
        self._validate_input(trials, space)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        encoding, X = _gp.encode(space, complete)
        values = _gp.signed_values(complete, study_direction)
        X_top, top = self._top_n(X, values)
        std = max(1e-10, float(top.std()))
        y = (top - top.mean()) / std
        gp = _gp.fit(X_top, y, encoding.is_cat)
        bound = _gp.standardized_regret_bound(gp, encoding, X_top, 0.1, self._generator())
        return bound * std

    @classmethod
    def _validate_input(cls, trials: list[FrozenTrial], space: Mapping[str, object]) -> None:
        if not any(t.state == TrialState.COMPLETE for t in trials):
            raise ValueError(
                "Because no trial has been completed yet, the regret bound cannot be evaluated."
            )
        if not space:
            raise ValueError(
                "The intersection search space is empty. This condition is not supported by "
                f"{cls.__name__}: the complete trials must share at least one parameter."
            )


@experimental("3.4.0")
class BestValueStagnationEvaluator(BaseImprovementEvaluator):
    """``max_stagnation_trials`` minus the number of complete trials since the best value last
    improved: negative once the best value has stagnated that long.

    Args:
        max_stagnation_trials: the tolerated number of trials without improvement. Defaults to 30.

    Raises:
        ValueError: a negative ``max_stagnation_trials``.
    """

    def __init__(self, max_stagnation_trials: int = 30) -> None:
        if max_stagnation_trials < 0:
            raise ValueError(
                "The maximum number of stagnant trials must not be negative; "
                f"got max_stagnation_trials={max_stagnation_trials}."
            )
        self._max_stagnation_trials = max_stagnation_trials

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the remaining tolerance (a whole number).

        Raises:
            ValueError: no trial is complete.
        """
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if not complete:
            raise ValueError(
                "Because no trial has been completed yet, the improvement cannot be evaluated."
            )
        maximize = study_direction == StudyDirection.MAXIMIZE
        best_step = 0
        best = float(complete[0].value)  # type: ignore[arg-type]
        for i, trial in enumerate(complete):
            value = float(trial.value)  # type: ignore[arg-type]
            if (value > best) if maximize else (value < best):
                best_step, best = i, value
        return self._max_stagnation_trials - (len(complete) - 1 - best_step)

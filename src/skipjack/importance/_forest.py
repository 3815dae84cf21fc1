"""What the two random-forest evaluators share: the inputs and the fitted forest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack.importance._base import (
    BaseImportanceEvaluator,
    Encoded,
    Target,
    check_target,
    completed_trials,
    encode,
    left_out_params,
    select,
    target_values,
    warn_left_out,
)
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.study import Study

_logger = get_logger(__name__)


def forest_inputs(
    study: Study, params: list[str] | None, target: Target | None, evaluator: str
) -> tuple[Encoded, np.ndarray] | None:
    """Encoded trials and their target values, or None when there is nothing to assess.

    Trials whose target value is not finite (inf, nan) are left out: a regression cannot fit them.

    Raises:
        ValueError: see ``BaseImportanceEvaluator.evaluate``.
    """
    check_target(study, target)
    trials = completed_trials(study)
    if params is not None and len(params) == 0:
        return None
    if not trials and params is None:
        _logger.warning("The study has no COMPLETE trials: no parameter importance to evaluate.")
        return None
    space, trials = select(trials, params)
    if params is None:
        warn_left_out(evaluator, left_out_params(trials, space))
    if not space:
        return None
    y = target_values(trials, target)
    finite = np.isfinite(y)
    if not finite.all():
        _logger.warning(
            f"{int((~finite).sum())} COMPLETE trials have a non-finite target value; "
            "importances are evaluated without them."
        )
        trials = [t for t, ok in zip(trials, finite) if ok]
        y = y[finite]
        if not trials:
            return None
    return encode(space, trials), y


def fit_forest(
    x: np.ndarray, y: np.ndarray, n_trees: int, max_depth: int, seed: int | None
) -> Any:
    """Fit scikit-learn's RandomForestRegressor (imported here: it is an optional dependency)."""
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Parameter importance with a random forest needs scikit-learn: "
            "pip install 'skipjack[importance]' (or pip install scikit-learn)."
        ) from e
    forest = RandomForestRegressor(
        n_estimators=n_trees,
        max_depth=max_depth,
        min_samples_split=2,
        min_samples_leaf=1,
        random_state=seed,
    )
    forest.fit(x, y)
    return forest


class ForestEvaluator(BaseImportanceEvaluator):
    """Base of the evaluators that read a random forest fitted to the trials (fANOVA, MDI)."""

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        self._n_trees = n_trees
        self._max_depth = max_depth
        self._seed = seed

    def _fit(
        self, study: Study, params: list[str] | None, target: Target | None
    ) -> tuple[Encoded, Any] | None:
        """The encoded trials and the forest fitted to them (None: nothing to assess)."""
        inputs = forest_inputs(study, params, target, type(self).__name__)
        if inputs is None:
            return None
        enc, y = inputs
        return enc, fit_forest(enc.x, y, self._n_trees, self._max_depth, self._seed)

"""Mean decrease impurity (MDI): the random forest's own ``feature_importances_``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from skipjack.importance._base import Target, sort_importances
from skipjack.importance._forest import ForestEvaluator

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["MeanDecreaseImpurityImportanceEvaluator"]


class MeanDecreaseImpurityImportanceEvaluator(ForestEvaluator):
    """Mean Decrease Impurity (MDI) parameter importance evaluator.

    Fits a random forest (scikit-learn ``RandomForestRegressor``) that predicts the target from the
    parameters of COMPLETE trials and returns its ``feature_importances_``: for each parameter, the
    decrease of squared error brought by the splits on it, weighted by the samples they split and
    averaged over the trees. Categorical parameters enter the forest as the index of their choice.

    Cost: the forest fit, O(n_trees * n_params * n log n) for n trials.

    Args:
        n_trees: number of trees in the forest.
        max_depth: maximum depth of each tree.
        seed: seed of the forest; an integer makes the result reproducible.

    Requires scikit-learn (``pip install 'skipjack[importance]'``).
    """

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        fitted = self._fit(study, params, target)
        if fitted is None:
            return {}
        enc, forest = fitted
        importance = np.asarray(forest.feature_importances_, dtype=float)
        return sort_importances(enc.names, importance)

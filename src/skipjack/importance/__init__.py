"""Hyperparameter importance: which parameters explain the objective (Optuna's ``importance``).

``get_param_importances(study)`` uses PED-ANOVA by default (numpy only, fast); the fANOVA and MDI
evaluators fit a scikit-learn random forest (``pip install 'skipjack[importance]'``), imported on
first use. See ``docs/importance.md``.
"""

from skipjack.importance._api import get_param_importances
from skipjack.importance._base import BaseImportanceEvaluator
from skipjack.importance._fanova import FanovaImportanceEvaluator
from skipjack.importance._mdi import MeanDecreaseImpurityImportanceEvaluator
from skipjack.importance._ped_anova import PedAnovaImportanceEvaluator

__all__ = [
    "BaseImportanceEvaluator",
    "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]

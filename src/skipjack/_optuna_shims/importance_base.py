"""``optuna.importance._base``: the evaluator base class and the helpers add-ons call.

``BaseImportanceEvaluator`` is skipjack's own; the ``_get_*`` helpers are written for
optuna-integration's SHAP evaluator and similar add-ons.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.importance._base import BaseImportanceEvaluator
from skipjack.search_space import intersection_search_space
from skipjack.study import Study

__all__ = [
    "BaseImportanceEvaluator",
    "_get_distributions",
    "_get_filtered_trials",
    "_get_target_values",
    "_get_trans_params",
    "_param_importances_to_dict",
    "_sort_dict_by_importance",
]

Target = Callable[[FrozenTrial], float]


def _completed(study: Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def _get_distributions(study: Study, params: list[str] | None) -> dict[str, BaseDistribution]:
    """The intersection search space of the completed trials, or the given ``params`` of it."""
    completed = _completed(study)
    if params is None:
        return intersection_search_space(completed)
    if not completed:
        raise ValueError("Cannot evaluate parameter importances without completed trials.")
    out: dict[str, BaseDistribution] = {}
    for name in params:
        for trial in completed:
            if name in trial.distributions:
                out[name] = trial.distributions[name]
                break
        else:
            raise ValueError(f"params: parameter {name!r} appears in no completed trial.")
    return out


def _get_filtered_trials(
    study: Study, params: list[str] | None, target: Target | None
) -> list[FrozenTrial]:
    """Completed trials that have every parameter of ``params`` and a finite target value."""
    out = []
    for trial in _completed(study):
        if params is not None and any(name not in trial.params for name in params):
            continue
        value = target(trial) if target is not None else trial.value
        if value is not None and math.isfinite(value):
            out.append(trial)
    return out


def _get_trans_params(trials: list[FrozenTrial], trans: Any) -> np.ndarray:
    return np.array([trans.transform(trial.params) for trial in trials])


def _get_target_values(trials: list[FrozenTrial], target: Target | None) -> np.ndarray:
    return np.array([target(t) if target is not None else t.value for t in trials], dtype=float)


def _param_importances_to_dict(
    params: Any, param_importances: np.ndarray | float
) -> dict[str, float]:
    names = [p if isinstance(p, str) else getattr(p, "name", str(p)) for p in params]
    importances = np.atleast_1d(np.asarray(param_importances, dtype=float))
    return {name: float(v) for name, v in zip(names, importances)}


def _sort_dict_by_importance(param_importances: dict[str, float]) -> dict[str, float]:
    return dict(sorted(param_importances.items(), key=lambda kv: kv[1], reverse=True))

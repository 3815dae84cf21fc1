"""``get_param_importances``: the one entry point users call."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from skipjack.exceptions import ExperimentalWarning
from skipjack.importance._base import BaseImportanceEvaluator, Target
from skipjack.importance._ped_anova import PedAnovaImportanceEvaluator

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["get_param_importances"]


def get_param_importances(
    study: Study,
    *,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    target: Target | None = None,
    normalize: bool = True,
) -> dict[str, float]:
    """Evaluate parameter importances from the COMPLETE trials of ``study``.

    Args:
        study: the study to analyse.
        evaluator: the algorithm; defaults to ``PedAnovaImportanceEvaluator()`` (as in Optuna 5).
        params: names of the parameters to assess. ``None`` assesses every parameter that appears
            in a COMPLETE trial, conditional ones included, as Optuna 5 does (PED-ANOVA, the
            default). fANOVA and MDI fit one model to one set of trials, so with ``None`` they
            assess the parameters every COMPLETE trial holds with one distribution and warn
            (``UserWarning``) naming each parameter left out and why; with names they use the
            COMPLETE trials holding all of them. ``[]`` returns ``{}``.
        target: a function of a trial returning the value to explain; ``None`` uses the objective
            value. A multi-objective study needs it, except with ``PedAnovaImportanceEvaluator``
            (which then ranks trials by Pareto dominance), e.g. ``target=lambda t: t.values[0]``.
        normalize: scale the importances to sum to 1 (equal shares when they are all 0).
            ``normalize=False`` is experimental, as in Optuna (``ExperimentalWarning``).

    Returns:
        A dict of parameter name -> non-negative importance, most important first. ``{}`` (with a
        logged warning) when the study has no COMPLETE trial.

    Raises:
        TypeError: ``evaluator`` is not a ``BaseImportanceEvaluator``.
        TypeError: ``params`` is not a list of strings.
        ValueError: a name in ``params`` is in no COMPLETE trial (for fANOVA and MDI: not held
            together with the other names), or ``target`` is missing on a multi-objective study
            (forest-based evaluators).

    Example:
        >>> import skipjack as optuna
        >>> study = optuna.create_study()
        >>> def objective(t):
        ...     return t.suggest_float("x", -1, 1) ** 2 + 0.01 * t.suggest_float("y", 0, 1)
        >>> study.optimize(objective, n_trials=50)  # doctest: +SKIP
        >>> optuna.importance.get_param_importances(study)  # doctest: +SKIP
        {'x': 0.9..., 'y': 0.0...}
    """
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise TypeError(
            "The 'evaluator' argument must be a BaseImportanceEvaluator (e.g. "
            f"FanovaImportanceEvaluator()). Got {type(evaluator).__name__}."
        )
    if not normalize:
        warnings.warn(
            "The 'normalize' argument of get_param_importances is experimental (as in Optuna "
            "5): normalize=False may change in the future.", ExperimentalWarning, stacklevel=2,
        )
    raw = evaluator.evaluate(study, params=params, target=target)
    importances = {name: max(float(value), 0.0) for name, value in raw.items()}
    if normalize and importances:
        total = sum(importances.values())
        if total > 0.0:
            importances = {name: value / total for name, value in importances.items()}
        else:
            share = 1.0 / len(importances)
            importances = {name: share for name in importances}
    return dict(sorted(importances.items(), key=lambda item: -item[1]))

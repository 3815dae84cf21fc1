"""What ``plot_param_importances`` draws: the importances from ``skipjack.importance``, one set
per plotted target, with the parameters in drawing order."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from skipjack.importance import get_param_importances
from skipjack.visualization._common import Target, check_target, complete_trials, logger

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial
    from skipjack.importance import BaseImportanceEvaluator
    from skipjack.study import Study

__all__ = ["ImportanceInfo", "ImportanceSet", "bar_text", "importance_info"]


class ImportanceSet(NamedTuple):
    label: str
    importances: dict[str, float]


class ImportanceInfo(NamedTuple):
    """``params`` runs from the least to the most important (of the first set), so that a
    horizontal bar chart shows the most important at the top."""

    sets: list[ImportanceSet]
    params: list[str]


def _objective(index: int) -> Target:
    def value(trial: FrozenTrial) -> float:
        return math.nan if trial.values is None else float(trial.values[index])

    return value


def importance_info(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Target | None,
    target_name: str,
) -> ImportanceInfo:
    """Importances of the target, or of every objective of a multi-objective study without one."""
    if target is not None:
        check_target(study, target, target_name)  # warns when target_name is left default
    if not complete_trials(study):
        logger.warning("Study instance does not contain completed trials.")
        return ImportanceInfo([], [])
    targets: list[tuple[str, Target | None]] = [(target_name, target)]
    if target is None and study._is_multi_objective():
        names = study.metric_names or [f"{target_name} {i}" for i in range(len(study.directions))]
        targets = [(name, _objective(i)) for i, name in enumerate(names)]
    sets = [
        ImportanceSet(label, get_param_importances(study, evaluator=evaluator, params=params,
                                                   target=tgt))
        for label, tgt in targets
    ]
    return ImportanceInfo(sets, list(reversed(sets[0].importances)))


def bar_text(value: float) -> str:
    """The label printed beside a bar."""
    return f"{value:.2f}" if value >= 0.01 else "<0.01"

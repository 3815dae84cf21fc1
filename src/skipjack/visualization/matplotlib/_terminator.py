"""Matplotlib renderer of ``plot_terminator_improvement`` (same data as the plotly one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skipjack.visualization._common import logger
from skipjack.visualization._imports import require
from skipjack.visualization._terminator_info import improvement_info, y_range
from skipjack.visualization.matplotlib._history import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from skipjack.study import Study
    from skipjack.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

__all__ = ["plot_terminator_improvement"]

_ALPHA = 0.25


def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = 20,
) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_terminator_improvement``: the
    improvement is ``ax.lines[0]`` (faded before ``min_n_trials``) and ``[1]`` after it, the
    error the last line."""
    info = improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    ax = new_axes("Terminator Improvement Plot", "Trial", "Terminator Improvement")
    n = len(info.trial_numbers)
    if n == 0:
        logger.warning("There are no complete trials.")
        return ax
    cmap = require("matplotlib.pyplot").get_cmap("tab10")
    head = slice(0, min_n_trials + 1)
    ax.plot(info.trial_numbers[head], info.improvements[head], marker="o", color=cmap(0),
            alpha=_ALPHA, label="Terminator Improvement" if n <= min_n_trials else None)
    if n > min_n_trials:
        ax.plot(info.trial_numbers[min_n_trials:], info.improvements[min_n_trials:], marker="o",
                color=cmap(0), label="Terminator Improvement")
    if info.errors is not None:
        ax.plot(info.trial_numbers, info.errors, marker="o", color=cmap(3), label="Error")
    ax.legend()
    ax.set_ylim(y_range(info, min_n_trials))
    return ax

"""Plotly renderer of ``plot_terminator_improvement`` (data from ``_terminator_info``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skipjack.visualization._common import logger
from skipjack.visualization._imports import require
from skipjack.visualization._terminator_info import improvement_info, y_range

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from skipjack.study import Study
    from skipjack.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

__all__ = ["plot_terminator_improvement"]

_OPACITY = 0.25


def _improvement_trace(
    go_: object, x: list[int], y: list[float], opacity: float, showlegend: bool
) -> go.Scatter:
    color = f"rgba(99, 110, 250, {opacity})"
    return go_.Scatter(  # type: ignore[attr-defined]
        x=x, y=y, mode="markers+lines", marker={"color": color}, line={"color": color},
        name="Terminator Improvement", showlegend=showlegend, legendgroup="improvement",
    )


def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = 20,
) -> go.Figure:
    """Plot the terminator's improvement (and, with ``plot_error``, its error) per trial.

    The points before ``min_n_trials`` (where the ``Terminator`` does not stop yet) are drawn
    faded. Evaluators default to the ``Terminator``'s; each point costs one evaluation (a GP fit
    for the default ``RegretBoundEvaluator``).

    Raises:
        ValueError: the study has several objectives.
    """
    go_ = require("plotly.graph_objects")
    info = improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    fig = go_.Figure(layout={"title": {"text": "Terminator Improvement Plot"},
                             "xaxis": {"title": {"text": "Trial"}},
                             "yaxis": {"title": {"text": "Terminator Improvement"}}})
    n = len(info.trial_numbers)
    if n == 0:
        logger.warning("There are no complete trials.")
        return fig
    head = slice(0, min_n_trials + 1)
    fig.add_trace(_improvement_trace(go_, info.trial_numbers[head], info.improvements[head],
                                     _OPACITY, n <= min_n_trials))
    if n > min_n_trials:
        fig.add_trace(_improvement_trace(go_, info.trial_numbers[min_n_trials:],
                                         info.improvements[min_n_trials:], 1.0, True))
    if info.errors is not None:
        red = "rgb(239, 85, 59)"
        fig.add_trace(go_.Scatter(x=info.trial_numbers, y=info.errors, mode="markers+lines",
                                  name="Error", marker={"color": red}, line={"color": red}))
    fig.update_yaxes(range=y_range(info, min_n_trials))
    return fig

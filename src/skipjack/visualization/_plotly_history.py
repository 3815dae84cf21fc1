"""Plotly renderers of the history plots (the data comes from ``_history_info`` and
``_pareto_info``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial
from skipjack.visualization._common import (
    DEFAULT_TARGET_NAME,
    INFEASIBLE_COLOR,
    Target,
)
from skipjack.visualization._history_info import (
    edf_info,
    history_info,
    hypervolume_info,
    intermediate_info,
    timeline_info,
)
from skipjack.visualization._imports import require
from skipjack.visualization._pareto_info import ParetoPoints, pareto_info

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from skipjack.study import Study

__all__ = [
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_pareto_front",
    "plot_timeline",
]



def _figure(title: str, x_title: str, y_title: str) -> go.Figure:
    go = require("plotly.graph_objects")
    return go.Figure(layout={"title": {"text": title}, "xaxis": {"title": {"text": x_title}},
                             "yaxis": {"title": {"text": y_title}}})


def _band(numbers: list[int], mean: list[float], std: list[float]) -> dict[str, Any]:
    upper = [m + s for m, s in zip(mean, std)]
    lower = [m - s for m, s in zip(mean, std)]
    return {"x": numbers + numbers[::-1], "y": upper + lower[::-1], "fill": "toself",
            "mode": "lines", "line": {"width": 0}, "opacity": 0.3, "hoverinfo": "skip",
            "showlegend": False}


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
    error_bar: bool = False,
) -> go.Figure:
    """Plot each COMPLETE trial's value and the best value so far, trial by trial.

    Args:
        study: a study, or several to compare (one series each, or their mean with ``error_bar``).
        target: function of a trial giving the value to plot; required for multi-objective
            studies. With a target, no best-value line is drawn.
        target_name: the target's name on the axis and in the legend.
        error_bar: draw the mean over the studies with one standard deviation.

    Returns:
        A ``plotly.graph_objects.Figure``; infeasible trials are grey and never count as best.

    Raises:
        ValueError: a study has several objectives and ``target`` is None.
    """
    info = history_info(study, target, target_name, error_bar)
    fig = _figure("Optimization History Plot", "Trial", target_name)
    for s in info.series:
        ok = [i for i, f in enumerate(s.feasible) if f]
        bad = [i for i, f in enumerate(s.feasible) if not f]
        error = None if s.stds is None else {"type": "data", "array": s.stds, "visible": True}
        fig.add_scatter(x=[s.numbers[i] for i in ok], y=[s.values[i] for i in ok], mode="markers",
                        name=s.label, error_y=error)
        if bad:
            fig.add_scatter(x=[s.numbers[i] for i in bad], y=[s.values[i] for i in bad],
                            mode="markers", name="Infeasible Trial",
                            marker={"color": INFEASIBLE_COLOR}, showlegend=False)
        if s.best is not None:
            fig.add_scatter(x=s.numbers, y=s.best, mode="lines", name=s.best_label)
            if s.best_stds is not None:
                fig.add_scatter(**_band(s.numbers, s.best, s.best_stds))
    return fig


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> go.Figure:
    """Plot the empirical distribution function of the COMPLETE trials' values, one line per study.

    Raises:
        ValueError: a study has several objectives and ``target`` is None.
    """
    info = edf_info(study, target, target_name)
    fig = _figure("Empirical Distribution Function Plot", target_name, "Cumulative Probability")
    for line in info.lines:
        fig.add_scatter(x=info.x, y=line.ratios, mode="lines", name=line.study_name)
    return fig


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> go.Figure:
    """Plot the hypervolume of the feasible Pareto front after each COMPLETE trial.

    Args:
        study: a study with two or more objectives.
        reference_point: one value per objective, worse than the interesting region.

    Raises:
        ValueError: the study has one objective or the reference point the wrong length.
    """
    info = hypervolume_info(study, reference_point)
    fig = _figure("Hypervolume History Plot", "Trial", "Hypervolume")
    if info.numbers:
        fig.add_scatter(x=info.numbers, y=info.values, mode="lines+markers", name="Hypervolume")
    return fig


def plot_intermediate_values(study: Study) -> go.Figure:
    """Plot the values each trial reported with ``trial.report``: one line per trial."""
    info = intermediate_info(study)
    fig = _figure("Intermediate Values Plot", "Step", "Intermediate Value")
    for line in info.lines:
        fig.add_scatter(x=line.steps, y=line.values, mode="lines+markers",
                        name=f"Trial{line.number}", marker={"size": 5})
    fig.update_layout(showlegend=False)
    return fig


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> go.Figure:
    """Plot one horizontal bar per trial from its start to its end, coloured by state.

    Args:
        study: the study.
        n_recent_trials: plot only the last trials (a positive integer), or all when None.

    Raises:
        ValueError: ``n_recent_trials`` is 0 or negative.
    """
    info = timeline_info(study, n_recent_trials)
    fig = _figure("Timeline Plot", "Datetime", "Trial")
    for name, color, bars in info.groups():
        fig.add_bar(
            x=[(b.end - b.start).total_seconds() * 1000.0 for b in bars],
            base=[b.start.isoformat() for b in bars], y=[b.number for b in bars],
            orientation="h", name=name, marker={"color": color},
            hovertext=[f"Trial {b.number}: {b.state.name}" for b in bars],
        )
    fig.update_xaxes(type="date")
    return fig


def _pareto_trace(points: ParetoPoints, n_targets: int, name: str, color: Any) -> dict[str, Any]:
    columns = list(zip(*points.values)) or [()] * n_targets
    trace = {"x": list(columns[0]), "y": list(columns[1]), "mode": "markers", "name": name,
             "customdata": points.numbers, "text": [f"Trial {n}" for n in points.numbers],
             "marker": {"color": color, "line": {"width": 0.5, "color": "Grey"}}}
    if n_targets == 3:
        trace["z"] = list(columns[2])
    return trace


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> go.Figure:
    """Plot the COMPLETE trials' objective values, the Pareto-optimal ones highlighted.

    Args:
        study: a study with 2 or 3 objectives (any number with ``targets``).
        target_names: axis titles (default: the study's metric names, else "Objective i").
        include_dominated_trials: also draw the dominated (and infeasible) trials.
        constraints_func: function of a trial giving its constraints (feasible when all <= 0);
            by default the constraints the trials recorded are used.
        targets: function of a trial giving the 2 or 3 values to draw.

    Returns:
        A figure with traces "Infeasible Trial" (grey, when constraints are in use), "Trial"
        (dominated) and "Best Trial" (the Pareto front); ``customdata`` holds trial numbers.

    Raises:
        ValueError: see ``target_names`` and ``targets`` above.
    """
    info = pareto_info(study, target_names, include_dominated_trials, constraints_func, targets)
    go = require("plotly.graph_objects")
    fig = go.Figure(layout={"title": {"text": "Pareto-front Plot"}})
    make = fig.add_scatter3d if info.n_targets == 3 else fig.add_scatter
    for name, color, points in info.groups():
        make(**_pareto_trace(points, info.n_targets, name, color))
    titles = [{"title": {"text": name}} for name in info.target_names]
    if info.n_targets == 3:
        fig.update_layout(scene={"xaxis": titles[0], "yaxis": titles[1], "zaxis": titles[2]})
    else:
        fig.update_layout(xaxis=titles[0], yaxis=titles[1])
    return fig

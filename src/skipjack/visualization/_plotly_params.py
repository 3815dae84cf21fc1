"""Plotly renderers of the parameter plots (the data comes from ``_params_info``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skipjack.visualization._common import (
    DEFAULT_TARGET_NAME,
    INFEASIBLE_COLOR,
    ParamAxis,
    Target,
)
from skipjack.visualization._importance_info import bar_text, importance_info
from skipjack.visualization._imports import require
from skipjack.visualization._params_info import (
    PointSet,
    contour_info,
    parallel_info,
    rank_info,
    slice_info,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from skipjack.importance import BaseImportanceEvaluator
    from skipjack.study import Study

__all__ = [
    "plot_contour",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_rank",
    "plot_slice",
]


def _grid_figure(rows: int, cols: int, title: str) -> go.Figure:
    """One figure, or a grid of subplots; rows and columns are 1-based in ``add_trace``."""
    if rows * cols > 1:
        fig = require("plotly.subplots").make_subplots(
            rows=rows, cols=cols, horizontal_spacing=0.3 / max(cols, 1) if cols > 1 else None,
            vertical_spacing=0.3 / max(rows, 1) if rows > 1 else None)
    else:
        fig = require("plotly.graph_objects").Figure()
    fig.update_layout(title={"text": title})
    return fig


def _axis_layout(axis: ParamAxis) -> dict[str, Any]:
    layout: dict[str, Any] = {"title": {"text": axis.name}}
    if axis.kind == "log":
        layout["type"] = "log"
    elif axis.kind == "category":
        layout.update(type="category", categoryorder="array", categoryarray=axis.categories)
    return layout


def _where(fig: go.Figure, row: int, col: int) -> dict[str, int]:
    grid = getattr(fig.layout, "xaxis2", None) is not None  # made by make_subplots
    return {"row": row, "col": col} if grid else {}


def _set_axes(fig: go.Figure, x: ParamAxis, y: ParamAxis, row: int, col: int) -> None:
    where = _where(fig, row, col)
    fig.update_xaxes(**_axis_layout(x), **where)
    fig.update_yaxes(**_axis_layout(y), **where)


def _add(fig: go.Figure, trace: Any, row: int, col: int) -> None:
    fig.add_trace(trace, **_where(fig, row, col))


def _scatter(points: PointSet, pick: list[int], marker: dict[str, Any], name: str) -> Any:
    go = require("plotly.graph_objects")
    return go.Scatter(
        x=[points.x.values[i] for i in pick], y=[points.y.values[i] for i in pick],
        mode="markers", marker=marker, name=name, customdata=[points.numbers[i] for i in pick],
        text=[f"Trial {points.numbers[i]}: {points.targets[i]:.6g}" for i in pick],
        showlegend=False,
    )


def _split(points: PointSet) -> tuple[list[int], list[int]]:
    ok = [i for i, f in enumerate(points.feasible) if f]
    return ok, [i for i, f in enumerate(points.feasible) if not f]


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> go.Figure:
    """Plot each parameter's value against the target, one subplot per parameter.

    Points are coloured by trial number; log-distributed parameters get log axes and categorical
    ones category axes.

    Args:
        study: the study.
        params: the parameters to plot (default: all).
        target: function of a trial giving the value to plot; required for multi-objective studies.
        target_name: the target's name on the y axis.

    Raises:
        ValueError: a parameter does not exist, or the study has several objectives and no target.
    """
    info = slice_info(study, params, target, target_name)
    fig = _grid_figure(1, len(info.subplots), "Slice Plot")
    for col, points in enumerate(info.subplots, start=1):
        ok, bad = _split(points)
        marker = {"color": [points.numbers[i] for i in ok], "colorscale": "Blues",
                  "showscale": col == 1, "colorbar": {"title": {"text": "Trial"}},
                  "line": {"width": 0.5, "color": "Grey"}}
        _add(fig, _scatter(points, ok, marker, "Feasible Trial"), 1, col)
        if bad:
            grey = {"color": INFEASIBLE_COLOR}
            _add(fig, _scatter(points, bad, grey, "Infeasible Trial"), 1, col)
        _set_axes(fig, points.x, points.y, 1, col)
    return fig


def _contour_trace(sub: Any, lower_is_better: bool, target_name: str, first: bool) -> Any:
    go = require("plotly.graph_objects")

    def coords(axis: ParamAxis, grid: list[float]) -> list[Any]:
        return [axis.categories[int(g)] for g in grid] if axis.kind == "category" else grid

    return go.Contour(
        x=coords(sub.points.x, sub.grid_x), y=coords(sub.points.y, sub.grid_y), z=sub.z,
        colorscale="Blues", reversescale=lower_is_better, connectgaps=True,
        contours={"coloring": "heatmap"}, showscale=first,
        colorbar={"title": {"text": target_name}}, hoverinfo="none",
    )


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> go.Figure:
    """Plot the target as a contour over each pair of parameters (a matrix for more than two).

    The surface is interpolated from the trials (inverse distance weighting in the axes' own
    scale), which are drawn on top; log parameters get log axes, categorical ones category axes.

    Raises:
        ValueError: a parameter does not exist, or the study has several objectives and no target.
    """
    info = contour_info(study, params, target, target_name)
    n = len(info.params) if len(info.params) > 2 else 1
    fig = _grid_figure(n, n, "Contour Plot")
    for k, ((row, col), sub) in enumerate(sorted(info.subplots.items())):
        r, c = (row + 1, col + 1) if n > 1 else (1, 1)
        _add(fig, _contour_trace(sub, info.lower_is_better, info.target_name, k == 0), r, c)
        ok, bad = _split(sub.points)
        marker = {"color": "black", "size": 6, "line": {"width": 1, "color": "white"}}
        _add(fig, _scatter(sub.points, ok, marker, "Feasible Trial"), r, c)
        if bad:
            _add(fig, _scatter(sub.points, bad, {"color": INFEASIBLE_COLOR}, "Infeasible Trial"),
                 r, c)
        _set_axes(fig, sub.points.x, sub.points.y, r, c)
    return fig


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> go.Figure:
    """Plot the target and the parameters as parallel axes, one line per COMPLETE trial.

    Log parameters are drawn in log10 with their real values as tick labels; categorical ones
    with their labels.

    Raises:
        ValueError: a parameter does not exist, or the study has several objectives and no target.
    """
    info = parallel_info(study, params, target, target_name)
    go = require("plotly.graph_objects")
    fig = go.Figure(layout={"title": {"text": "Parallel Coordinate Plot"}})
    if not info.dimensions:
        return fig
    dims = []
    for d in [info.target, *info.dimensions]:
        dim: dict[str, Any] = {"label": d.label, "values": d.values, "range": list(d.bounds)}
        if d.tick_values is not None:
            dim.update(tickvals=d.tick_values, ticktext=d.tick_text)
        dims.append(dim)
    fig.add_trace(go.Parcoords(dimensions=dims, labelangle=30, labelside="bottom", line={
        "color": info.target.values, "colorscale": "Blues", "reversescale": info.lower_is_better,
        "showscale": True, "colorbar": {"title": {"text": target_name}}}))
    return fig


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> go.Figure:
    """Plot parameter pairs as scatter plots, each trial coloured by the rank of its target.

    Blue is the best trial and red the worst; with one parameter the target is on the y axis.

    Raises:
        ValueError: a parameter does not exist, or the study has several objectives and no target.
    """
    info = rank_info(study, params, target, target_name)
    n = len(info.params) if len(info.params) > 2 else 1
    fig = _grid_figure(n, n, f"Rank ({target_name})")
    for k, ((row, col), points) in enumerate(sorted(info.subplots.items())):
        r, c = (row + 1, col + 1) if n > 1 else (1, 1)
        ok, bad = _split(points)
        marker = {"color": [info.colors[points.numbers[i]] for i in ok], "colorscale": "RdYlBu_r",
                  "cmin": 0.0, "cmax": 1.0, "showscale": k == 0,
                  "colorbar": {"title": {"text": "Rank"}, "tickvals": [0, 1],
                               "ticktext": ["best", "worst"]},
                  "line": {"width": 0.5, "color": "Grey"}}
        _add(fig, _scatter(points, ok, marker, "Feasible Trial"), r, c)
        if bad:
            _add(fig, _scatter(points, bad, {"color": INFEASIBLE_COLOR}, "Infeasible Trial"), r, c)
        _set_axes(fig, points.x, points.y, r, c)
    return fig



def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> go.Figure:
    """Plot the parameters' importances (``skipjack.importance.get_param_importances``) as bars.

    Args:
        study: the study.
        evaluator: the importance algorithm (default: PED-ANOVA, as ``get_param_importances``).
        params: the parameters to assess (default: all).
        target: function of a trial giving the value to explain. Without it, a multi-objective
            study gets one set of bars per objective.
        target_name: the target's name in the legend.

    Returns:
        A figure with one horizontal ``Bar`` trace per target, the most important parameter on top.
    """
    info = importance_info(study, evaluator, params, target, target_name)
    fig = _grid_figure(1, 1, "Hyperparameter Importances")
    fig.update_layout(xaxis={"title": {"text": "Hyperparameter Importance"}},
                      yaxis={"title": {"text": "Hyperparameter"}},
                      showlegend=len(info.sets) > 1)
    for s in info.sets:
        values = [s.importances.get(p, 0.0) for p in info.params]
        fig.add_bar(x=values, y=info.params, orientation="h", name=s.label,
                    text=[bar_text(v) for v in values], textposition="outside")
    return fig

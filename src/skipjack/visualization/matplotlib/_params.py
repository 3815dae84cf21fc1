"""Matplotlib renderers of the parameter plots (same data as the plotly ones: ``_params_info``).

Axes are drawn in the axes' numbers: the value on linear and log axes (log scale set), the
category index on categorical ones (with the labels as ticks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack.visualization._common import DEFAULT_TARGET_NAME, INFEASIBLE_COLOR, ParamAxis, Target
from skipjack.visualization._importance_info import bar_text, importance_info
from skipjack.visualization._imports import require
from skipjack.visualization._params_info import (
    PointSet,
    contour_info,
    parallel_info,
    rank_info,
    slice_info,
)
from skipjack.visualization.matplotlib._history import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from skipjack.importance import BaseImportanceEvaluator
    from skipjack.study import Study

__all__ = [
    "plot_contour",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_rank",
    "plot_slice",
]


def _set_axis(ax: Axes, axis: ParamAxis, which: str) -> None:
    (ax.set_xlabel if which == "x" else ax.set_ylabel)(axis.name)
    if axis.kind == "log":
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    elif axis.kind == "category":
        ticks = list(range(len(axis.categories)))
        if which == "x":
            ax.set_xticks(ticks, axis.categories)
            ax.set_xlim(*axis.bounds)
        else:
            ax.set_yticks(ticks, axis.categories)
            ax.set_ylim(*axis.bounds)


def _scatter(ax: Axes, points: PointSet, **colors: Any) -> Any:
    """Feasible trials with ``colors`` (a ``c=`` list per feasible trial, or ``color=``), then the
    infeasible ones in grey; returns the feasible collection."""
    ok = [i for i, f in enumerate(points.feasible) if f]
    bad = [i for i, f in enumerate(points.feasible) if not f]
    if "c" in colors:
        colors["c"] = [colors["c"][points.numbers[i]] for i in ok]
    drawn = ax.scatter([points.x.positions[i] for i in ok], [points.y.positions[i] for i in ok],
                       edgecolors="grey", linewidths=0.5, label="Feasible Trial", **colors)
    if bad:
        ax.scatter([points.x.positions[i] for i in bad], [points.y.positions[i] for i in bad],
                   color=INFEASIBLE_COLOR, label="Infeasible Trial")
    _set_axis(ax, points.x, "x")
    _set_axis(ax, points.y, "y")
    return drawn


def _grid(n: int, title: str) -> tuple[Any, np.ndarray]:
    """A figure with an n x n array of Axes (1 x 1 when n is 1)."""
    plt = require("matplotlib.pyplot")
    fig, axes = plt.subplots(n, n, squeeze=False, figsize=(4 * n, 3.5 * n) if n > 1 else None)
    fig.suptitle(title)
    return fig, axes


def _result(axes: np.ndarray) -> Axes | np.ndarray:
    """The single Axes of a 1 x 1 grid, else the whole array (as Optuna returns them)."""
    if axes.size == 1:
        single: Axes = axes[0, 0]
        return single
    return axes


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Axes | np.ndarray:
    """Matplotlib version of ``skipjack.visualization.plot_slice``: an Axes for one parameter,
    an array of Axes (one per parameter) for more."""
    info = slice_info(study, params, target, target_name)
    if not info.subplots:
        return new_axes("Slice Plot", "", target_name)
    plt = require("matplotlib.pyplot")
    n = len(info.subplots)
    size = (4 * n, 4) if n > 1 else None
    fig, axes = plt.subplots(1, n, sharey=True, squeeze=False, figsize=size)
    fig.suptitle("Slice Plot")
    drawn = None
    for ax, points in zip(axes[0], info.subplots):
        numbers = {k: float(k) for k in points.numbers}
        drawn = _scatter(ax, points, c=numbers, cmap="Blues")
    axes[0, 0].set_ylabel(target_name)
    fig.colorbar(drawn, ax=list(axes[0]), label="Trial")
    return _result(axes[:1, :1]) if n == 1 else axes[0]


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Axes | np.ndarray:
    """Matplotlib version of ``skipjack.visualization.plot_contour``: an Axes for two
    parameters, an n x n array of Axes for n > 2 (the diagonal left empty)."""
    info = contour_info(study, params, target, target_name)
    if not info.subplots:
        return new_axes("Contour Plot", "", "")
    n = len(info.params) if len(info.params) > 2 else 1
    fig, axes = _grid(n, "Contour Plot")
    cmap = "Blues_r" if info.lower_is_better else "Blues"
    filled = None
    for (row, col), sub in info.subplots.items():
        ax = axes[row, col] if n > 1 else axes[0, 0]
        z = np.ma.masked_invalid(np.array(sub.z, dtype=float))
        if z.count():
            filled = ax.contourf(sub.grid_x, sub.grid_y, z, levels=15, cmap=cmap)
        _scatter(ax, sub.points, color="black", s=12)
    for k in range(n if n > 1 else 0):
        axes[k, k].axis("off")
    if filled is not None:
        fig.colorbar(filled, ax=list(axes.ravel()), label=target_name)
    return _result(axes)


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_parallel_coordinate``: each trial is
    one line (``ax.lines``) across the target and parameter axes, scaled to [0, 1]."""
    info = parallel_info(study, params, target, target_name)
    ax = new_axes("Parallel Coordinate Plot", "", "")
    if not info.dimensions:
        return ax
    plt = require("matplotlib.pyplot")
    dims = [info.target, *info.dimensions]
    scaled = []
    for d in dims:
        low, high = d.bounds
        span = (high - low) or 1.0
        scaled.append([(v - low) / span for v in d.values])
        texts = d.tick_text or [f"{b:.3g}" for b in d.bounds]
        ticks = list(zip(d.tick_values or d.bounds, texts))
        for value, text in ticks:
            ax.annotate(text, ((len(scaled) - 1), (value - low) / span), fontsize=7,
                        xytext=(3, 0), textcoords="offset points", va="center")
    cmap = plt.get_cmap("Blues_r" if info.lower_is_better else "Blues")
    norm = plt.Normalize(*info.target.bounds)
    ys = np.array(scaled).T  # one row per trial, one column per axis
    xs = np.broadcast_to(np.arange(len(dims), dtype=float), ys.shape)
    collection = require("matplotlib.collections").LineCollection(
        np.stack([xs, ys], axis=-1), cmap=cmap, norm=norm, alpha=0.8, lw=1, label="Trial")
    collection.set_array(np.asarray(info.target.values, dtype=float))
    ax.add_collection(collection)
    ax.vlines(range(len(dims)), 0.0, 1.0, color="black", lw=0.8)
    ax.set_xticks(range(len(dims)), [d.label for d in dims], rotation=30)
    ax.set_yticks([])
    ax.set_xlim(-0.2, len(dims) - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.figure.colorbar(collection, ax=ax, label=target_name)
    return ax


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Axes | np.ndarray:
    """Matplotlib version of ``skipjack.visualization.plot_rank``: an Axes for one or two
    parameters, an n x n array of Axes for n > 2; colour 0 (blue) is the best rank."""
    info = rank_info(study, params, target, target_name)
    if not info.subplots:
        return new_axes(f"Rank ({target_name})", "", "")
    n = len(info.params) if len(info.params) > 2 else 1
    fig, axes = _grid(n, f"Rank ({target_name})")
    drawn = None
    for (row, col), points in info.subplots.items():
        ax = axes[row, col] if n > 1 else axes[0, 0]
        drawn = _scatter(ax, points, c=info.colors, cmap="RdYlBu_r", vmin=0.0, vmax=1.0)
    for k in range(n if n > 1 else 0):
        axes[k, k].axis("off")
    fig.colorbar(drawn, ax=list(axes.ravel()), label="Rank (0 = best)")
    return _result(axes)


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_param_importances``: one labelled bar
    container per target, the most important parameter on top."""
    info = importance_info(study, evaluator, params, target, target_name)
    ax = new_axes("Hyperparameter Importances", "Hyperparameter Importance", "Hyperparameter")
    height = 0.8 / max(len(info.sets), 1)
    for k, s in enumerate(info.sets):
        values = [s.importances.get(p, 0.0) for p in info.params]
        offset = (k - (len(info.sets) - 1) / 2) * height
        bars = ax.barh([i + offset for i in range(len(info.params))], values, height=height,
                       label=s.label)
        ax.bar_label(bars, labels=[bar_text(v) for v in values], padding=2, fontsize=8)
    ax.set_yticks(range(len(info.params)), info.params)
    if len(info.sets) > 1:
        ax.legend()
    return ax

"""Matplotlib renderers of the history plots (same data as the plotly ones: ``_history_info``,
``_pareto_info``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial
from skipjack.visualization._common import DEFAULT_TARGET_NAME, INFEASIBLE_COLOR, Target
from skipjack.visualization._history_info import (
    edf_info,
    history_info,
    hypervolume_info,
    intermediate_info,
    timeline_info,
)
from skipjack.visualization._imports import require
from skipjack.visualization._pareto_info import pareto_info

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from skipjack.study import Study

__all__ = [
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_pareto_front",
    "plot_timeline",
]


def new_axes(title: str, x_label: str, y_label: str) -> Axes:
    """A new figure with one titled Axes."""
    ax: Axes = require("matplotlib.pyplot").subplots()[1]
    ax.set_title(title)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    return ax


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
    error_bar: bool = False,
) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_optimization_history``.

    The trials are scatter points (``ax.collections``) and each best-value line is an
    ``ax.lines`` entry.
    """
    info = history_info(study, target, target_name, error_bar)
    ax = new_axes("Optimization History Plot", "Trial", target_name)
    for k, s in enumerate(info.series):
        ok = [i for i, f in enumerate(s.feasible) if f]
        bad = [i for i, f in enumerate(s.feasible) if not f]
        xs, ys = [s.numbers[i] for i in ok], [s.values[i] for i in ok]
        if s.stds is not None:
            ax.errorbar(xs, ys, yerr=s.stds, fmt="o", ms=4, color=f"C{2 * k}", label=s.label)
        else:
            ax.scatter(xs, ys, s=15, color=f"C{2 * k}", label=s.label)
        if bad:
            ax.scatter([s.numbers[i] for i in bad], [s.values[i] for i in bad], s=15,
                       color=INFEASIBLE_COLOR, label="Infeasible Trial")
        if s.best is not None:
            ax.plot(s.numbers, s.best, color=f"C{2 * k + 1}", label=s.best_label)
            if s.best_stds is not None:
                lower = [m - d for m, d in zip(s.best, s.best_stds)]
                upper = [m + d for m, d in zip(s.best, s.best_stds)]
                ax.fill_between(s.numbers, lower, upper, color=f"C{2 * k + 1}", alpha=0.2)
    if info.series:
        ax.legend()
    return ax


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Target | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_edf`` (one line per study)."""
    info = edf_info(study, target, target_name)
    ax = new_axes("Empirical Distribution Function Plot", target_name, "Cumulative Probability")
    for line in info.lines:
        ax.plot(info.x, line.ratios, label=line.study_name)
    ax.set_ylim(0.0, 1.0)
    if info.lines:
        ax.legend()
    return ax


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_hypervolume_history``."""
    info = hypervolume_info(study, reference_point)
    ax = new_axes("Hypervolume History Plot", "Trial", "Hypervolume")
    if info.numbers:
        ax.plot(info.numbers, info.values, marker="o", ms=3, label="Hypervolume")
    return ax


def plot_intermediate_values(study: Study) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_intermediate_values`` (one line per
    trial that reported values)."""
    info = intermediate_info(study)
    ax = new_axes("Intermediate Values Plot", "Step", "Intermediate Value")
    for line in info.lines:
        color = None if line.feasible else INFEASIBLE_COLOR
        ax.plot(line.steps, line.values, marker=".", color=color, label=f"Trial{line.number}")
    return ax


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_timeline`` (one bar per trial)."""
    info = timeline_info(study, n_recent_trials)
    date2num = require("matplotlib.dates").date2num
    ax = new_axes("Timeline Plot", "Datetime", "Trial")
    for name, color, bars in info.groups():
        starts = [date2num(b.start) for b in bars]
        widths = [date2num(b.end) - s for b, s in zip(bars, starts)]
        ax.barh([b.number for b in bars], widths, left=starts, color=color, label=name)
    if info.bars:
        ax.xaxis_date()
        ax.figure.autofmt_xdate()
        ax.legend(loc="upper left")
    return ax


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Axes:
    """Matplotlib version of ``skipjack.visualization.plot_pareto_front`` (a 3D Axes for three
    targets); each group of trials is one labelled scatter collection."""
    info = pareto_info(study, target_names, include_dominated_trials, constraints_func, targets)
    plt = require("matplotlib.pyplot")
    fig = plt.figure()
    ax: Axes = fig.add_subplot(projection="3d" if info.n_targets == 3 else None)
    ax.set_title("Pareto-front Plot")
    for name, color, points in info.groups():
        columns = list(zip(*points.values)) or [()] * info.n_targets
        ax.scatter(*columns, color=color, label=name, edgecolors="grey", linewidths=0.5)
    ax.set_xlabel(info.target_names[0])
    ax.set_ylabel(info.target_names[1])
    if info.n_targets == 3:
        ax.set_zlabel(info.target_names[2])  # type: ignore[attr-defined]  # a 3D Axes
    ax.legend()
    return ax

"""The plots of ``skipjack.visualization`` drawn with matplotlib; each returns a
``matplotlib.axes.Axes`` (or an array of them for grids), as Optuna's do.

The data come from the same pure functions as the plotly plots. Matplotlib is imported on first
use; pick a backend as usual (e.g. ``MPLBACKEND=Agg`` for files only).
"""

from __future__ import annotations

from skipjack.visualization._imports import is_importable
from skipjack.visualization.matplotlib._history import (
    plot_edf,
    plot_hypervolume_history,
    plot_intermediate_values,
    plot_optimization_history,
    plot_pareto_front,
    plot_timeline,
)
from skipjack.visualization.matplotlib._params import (
    plot_contour,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_rank,
    plot_slice,
)
from skipjack.visualization.matplotlib._terminator import plot_terminator_improvement

__all__ = [
    "is_available",
    "plot_contour",
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_rank",
    "plot_slice",
    "plot_terminator_improvement",
    "plot_timeline",
]


def is_available() -> bool:
    """True when matplotlib can be imported (``pip install 'skipjack[visualization]'``)."""
    return is_importable("matplotlib")

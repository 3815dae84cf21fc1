"""Plotly plots of a study, with Optuna's names and arguments; ``visualization.matplotlib`` has the
same functions drawn with matplotlib.

Each plot is computed by a pure function (``_*_info`` modules, no plotting library) and drawn by a
thin renderer, so both back ends show the same data. Plotly is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from skipjack.visualization._imports import is_importable
from skipjack.visualization._plotly_history import (
    plot_edf,
    plot_hypervolume_history,
    plot_intermediate_values,
    plot_optimization_history,
    plot_pareto_front,
    plot_timeline,
)
from skipjack.visualization._plotly_params import (
    plot_contour,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_rank,
    plot_slice,
)
from skipjack.visualization._plotly_terminator import plot_terminator_improvement

__all__ = [
    "is_available",
    "matplotlib",
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
    """True when plotly can be imported (``pip install 'skipjack[visualization]'``)."""
    return is_importable("plotly")


def __getattr__(name: str) -> Any:
    if name == "matplotlib":
        module = importlib.import_module("skipjack.visualization.matplotlib")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'skipjack.visualization' has no attribute {name!r}")

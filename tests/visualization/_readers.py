"""Read back what a plot drew, the same way for a plotly Figure and a matplotlib Axes.

Every reader returns plain Python lists, so one test checks both renderers.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

import skipjack.visualization as plotly_plots
import skipjack.visualization.matplotlib as mpl_plots


def _first_axes(result: Any) -> Any:
    return result.flat[0] if isinstance(result, np.ndarray) else result


def _all_axes(result: Any) -> list[Any]:
    return list(result.flat) if isinstance(result, np.ndarray) else [result]


class Backend(NamedTuple):
    name: str
    plots: ModuleType

    def is_figure(self, result: Any) -> bool:
        if self.name == "plotly":
            import plotly.graph_objects as go

            return isinstance(result, go.Figure)
        from matplotlib.axes import Axes

        return isinstance(result, Axes)

    def series(self, result: Any, name: str) -> list[tuple[list[float], list[float]]]:
        """(x, y) of every scatter or line labelled ``name``, subplot by subplot."""
        out = []
        if self.name == "plotly":
            for trace in result.data:
                if trace.name == name:
                    out.append((list(trace.x), list(trace.y)))
            return out
        for ax in _all_axes(result):
            for line in ax.get_lines():
                if line.get_label() == name:
                    out.append((list(line.get_xdata()), list(line.get_ydata())))
            for coll in ax.collections:
                if coll.get_label() == name:
                    offsets = np.asarray(coll.get_offsets()).reshape(-1, 2)
                    out.append((offsets[:, 0].tolist(), offsets[:, 1].tolist()))
        return out

    def lines(self, result: Any) -> list[tuple[list[float], list[float]]]:
        """(x, y) of every line (plotly traces with a line mode)."""
        if self.name == "plotly":
            return [(list(t.x), list(t.y)) for t in result.data if "lines" in (t.mode or "")]
        return [(list(map(float, ln.get_xdata())), list(map(float, ln.get_ydata())))
                for ln in _first_axes(result).get_lines()]

    def n_drawn(self, result: Any) -> int:
        """How many traces (plotly) or artists (matplotlib lines, collections, bars) were drawn."""
        if self.name == "plotly":
            return len(result.data)
        ax = _first_axes(result)
        return len(ax.get_lines()) + len(ax.collections) + len(ax.patches)

    def bars(self, result: Any) -> dict[str, tuple[list[float], str]]:
        """Horizontal bars per legend name: (their y positions, their colour)."""
        from matplotlib.colors import to_hex

        if self.name == "plotly":
            return {t.name: (list(t.y), to_hex(t.marker.color)) for t in result.data}
        out = {}
        for container in _first_axes(result).containers:
            patches = list(container)
            out[container.get_label()] = (
                [p.get_y() + p.get_height() / 2 for p in patches], to_hex(patches[0].get_facecolor())
            )
        return out

    def scales(self, result: Any, index: int = 0) -> tuple[str, str]:
        """(x, y) axis scale of subplot ``index``: "linear", "log" or "category"."""
        if self.name == "plotly":
            suffix = "" if index == 0 else str(index + 1)
            x = result.layout[f"xaxis{suffix}"].type or "linear"
            y = result.layout[f"yaxis{suffix}"].type or "linear"
            return x, y
        ax = np.ravel(result)[index] if isinstance(result, np.ndarray) else result

        from matplotlib.ticker import FixedLocator

        def kind(axis: Any) -> str:
            if axis.get_scale() == "log":
                return "log"
            return "category" if isinstance(axis.get_major_locator(), FixedLocator) else "linear"

        return kind(ax.xaxis), kind(ax.yaxis)


BACKENDS = {"plotly": Backend("plotly", plotly_plots), "matplotlib": Backend("matplotlib", mpl_plots)}

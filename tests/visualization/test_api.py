"""The public surface: Optuna's names and signatures, lazy imports, availability and the install
hint."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import skipjack
import skipjack.visualization as vis
import skipjack.visualization.matplotlib as vis_mpl
from skipjack.visualization._imports import require

NAMES = [
    "is_available", "plot_contour", "plot_edf", "plot_hypervolume_history",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinate",
    "plot_param_importances", "plot_pareto_front", "plot_rank", "plot_slice",
    "plot_terminator_improvement", "plot_timeline",
]


@pytest.mark.parametrize("module", [vis, vis_mpl])
def test_public_names(module) -> None:
    for name in NAMES:
        assert callable(getattr(module, name)), name
        assert name in module.__all__
    assert module.is_available() is True


def test_reachable_from_the_top_level_package() -> None:
    assert skipjack.visualization is vis
    assert skipjack.visualization.matplotlib is vis_mpl


def _shape(func) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(func).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signatures_match_optuna(name: str) -> None:
    optuna_vis = pytest.importorskip("optuna.visualization")
    import optuna.visualization.matplotlib as optuna_mpl

    assert _shape(getattr(vis, name)) == _shape(getattr(optuna_vis, name))
    assert _shape(getattr(vis_mpl, name)) == _shape(getattr(optuna_mpl, name))


def test_import_loads_no_plotting_library() -> None:
    code = (
        "import sys, skipjack.visualization, skipjack.visualization.matplotlib\n"
        "print(sorted(m for m in ('plotly', 'matplotlib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_library_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(ImportError, match=r"skipjack\[visualization\]"):
        require("plotly.graph_objects")

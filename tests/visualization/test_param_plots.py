"""Slice, contour, parallel coordinate and rank plots: axes follow the distributions (log,
categorical), points are the trials, and bad arguments are refused, for both renderers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import skipjack
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.trial import create_trial
from skipjack.visualization._params_info import contour_info, parallel_info, rank_info
from tests.visualization._readers import Backend

DISTS = {
    "lr": FloatDistribution(1e-4, 1.0, log=True),
    "u": FloatDistribution(-1.0, 1.0),
    "opt": CategoricalDistribution(["adam", "sgd", "rms"]),
    "k": CategoricalDistribution([1, 2, 4]),  # numeric choices: a linear axis, as in Optuna
}


def _study(n: int = 12, seed: int = 0, direction: str = "minimize",
           infeasible: tuple[int, ...] = ()) -> skipjack.Study:
    rng = np.random.default_rng(seed)
    study = skipjack.create_study(direction=direction)
    for i in range(n):
        params = {"lr": float(10 ** rng.uniform(-4, 0)), "u": float(rng.uniform(-1, 1)),
                  "opt": ["adam", "sgd", "rms"][i % 3], "k": [1, 2, 4][i % 3]}
        study.add_trial(create_trial(
            value=float(i * 7 % n), params=params, distributions=DISTS,
            constraints=[1.0 if i in infeasible else 0.0],
        ))
    return study


PLOTS = ["plot_slice", "plot_contour", "plot_parallel_coordinate", "plot_rank"]


@pytest.mark.parametrize("plot", PLOTS)
def test_unknown_param_and_missing_target_are_refused(backend: Backend, plot: str) -> None:
    with pytest.raises(ValueError, match="nope"):
        getattr(backend.plots, plot)(_study(), params=["lr", "nope"])
    mo = skipjack.create_study(directions=["minimize", "minimize"])
    mo.add_trial(create_trial(values=[1.0, 2.0], params={"u": 0.0, "lr": 0.1},
                              distributions={"u": DISTS["u"], "lr": DISTS["lr"]}))
    with pytest.raises(ValueError, match="target"):
        getattr(backend.plots, plot)(mo)
    fig = getattr(backend.plots, plot)(mo, target=lambda t: t.values[1], target_name="second")
    assert backend.is_figure(fig) or isinstance(fig, np.ndarray)


def test_slice_axes_follow_the_distributions(backend: Backend) -> None:
    study = _study()
    fig = backend.plots.plot_slice(study, params=["k", "lr", "opt", "u"])
    assert [backend.scales(fig, i)[0] for i in range(4)] == ["linear", "log", "category", "linear"]
    subplots = backend.series(fig, "Feasible Trial")
    trials = study.trials
    assert subplots[1] == ([t.params["lr"] for t in trials], [t.value for t in trials])
    assert subplots[3][0] == [t.params["u"] for t in trials]


def test_slice_infeasible_trials_are_drawn_apart(backend: Backend) -> None:
    fig = backend.plots.plot_slice(_study(infeasible=(2, 5)), params=["u"])
    [(_, y_ok)] = backend.series(fig, "Feasible Trial")
    [(_, y_bad)] = backend.series(fig, "Infeasible Trial")
    assert len(y_ok) == 10 and sorted(y_bad) == sorted([2 * 7 % 12, 5 * 7 % 12])


def test_contour_axes_are_log_for_log_params(backend: Backend) -> None:
    fig = backend.plots.plot_contour(_study(), params=["lr", "u"])
    assert backend.scales(fig) == ("log", "linear")
    matrix = backend.plots.plot_contour(_study(), params=["lr", "u", "opt"])
    # subplot (row 0, col 1): "u" on x, "lr" on y; (row 2, col 0): "lr" on x, "opt" on y
    assert backend.scales(matrix, 1) == ("linear", "log")
    assert backend.scales(matrix, 6) == ("log", "category")


def test_contour_points_are_the_trials(backend: Backend) -> None:
    study = _study()
    fig = backend.plots.plot_contour(study, params=["lr", "u"])
    [(x, y)] = backend.series(fig, "Feasible Trial")
    assert x == [t.params["lr"] for t in study.trials]
    assert y == [t.params["u"] for t in study.trials]


def test_contour_surface_is_exact_at_the_trials() -> None:
    study = skipjack.create_study()
    dists = {"a": FloatDistribution(0, 1), "b": IntDistribution(1, 100, log=True)}
    corners = [(0.0, 1, 5.0), (1.0, 1, 1.0), (0.0, 100, 2.0), (1.0, 100, 9.0), (0.5, 10, 4.0)]
    for a, b, v in corners:
        study.add_trial(create_trial(value=v, params={"a": a, "b": b}, distributions=dists))
    info = contour_info(study, None, None, "Objective Value")
    [sub] = info.subplots.values()
    assert sub.grid_y[0] == pytest.approx(1) and sub.grid_y[-1] == pytest.approx(100)
    assert sub.grid_y[len(sub.grid_y) // 2] < 20  # geometric grid on the log axis
    z = np.array(sub.z)
    assert [z[0, 0], z[0, -1], z[-1, 0], z[-1, -1]] == [5.0, 1.0, 2.0, 9.0]
    assert np.all((z >= 1.0) & (z <= 9.0))  # inverse distance weighting never overshoots


def test_parallel_coordinate_dimensions(backend: Backend) -> None:
    study = _study(infeasible=(1,))
    fig = backend.plots.plot_parallel_coordinate(study, params=["lr", "opt", "u"])
    if backend.name == "plotly":
        [trace] = fig.data
        assert [d.label for d in trace.dimensions] == ["Objective Value", "lr", "opt", "u"]
        assert list(trace.dimensions[0].values) == [t.value for t in study.trials]
        assert list(trace.dimensions[2].ticktext) == ["adam", "sgd", "rms"]
    else:
        [lines] = [c for c in fig.collections if c.get_label() == "Trial"]
        assert len(lines.get_segments()) == len(study.trials)
        assert list(lines.get_array()) == [t.value for t in study.trials]
        assert [t.get_text() for t in fig.get_xticklabels()] == ["Objective Value", "lr", "opt", "u"]
    info = parallel_info(study, ["lr"], None, "Objective Value")
    assert info.dimensions[0].values == pytest.approx(
        [math.log10(t.params["lr"]) for t in study.trials])


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_rank_colour_zero_is_the_best_trial(backend: Backend, direction: str) -> None:
    study = _study(direction=direction)
    info = rank_info(study, ["lr", "u"], None, "Objective Value")
    best = study.best_trial.number
    assert info.colors[best] == 0.0 and sorted(info.colors.values())[-1] == 1.0
    fig = backend.plots.plot_rank(study, params=["lr", "u"])
    assert backend.scales(fig) == ("log", "linear")
    if backend.name == "plotly":
        colors = list(fig.data[0].marker.color)
    else:
        colors = list(fig.collections[0].get_array())
    assert colors == [info.colors[t.number] for t in study.trials]


def test_rank_with_one_param_puts_the_target_on_y(backend: Backend) -> None:
    study = _study()
    fig = backend.plots.plot_rank(study, params=["u"])
    [(x, y)] = backend.series(fig, "Feasible Trial")
    assert x == [t.params["u"] for t in study.trials]
    assert y == [t.value for t in study.trials]

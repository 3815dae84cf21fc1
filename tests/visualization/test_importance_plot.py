"""plot_param_importances draws what skipjack.importance computes, one set of bars per target."""

from __future__ import annotations

import pytest

import skipjack
from skipjack.importance import get_param_importances
from tests.visualization._readers import Backend


def _study(directions: list[str]) -> skipjack.Study:
    study = skipjack.create_study(directions=directions, sampler=skipjack.samplers.RandomSampler(0))

    def objective(trial: skipjack.Trial):
        x, y = trial.suggest_float("x", -1, 1), trial.suggest_float("y", -1, 1)
        z = trial.suggest_categorical("z", ["a", "b"])
        first = x**2 + 0.01 * y + 0.001 * (z == "a")
        return first if len(directions) == 1 else (first, y**2 + 0.01 * x)

    study.optimize(objective, n_trials=60)
    return study


def _bars(backend: Backend, fig) -> dict[str, dict[str, float]]:
    if backend.name == "plotly":
        return {t.name: dict(zip(t.y, t.x)) for t in fig.data}
    labels = [t.get_text() for t in fig.get_yticklabels()]
    return {c.get_label(): {p: r.get_width() for p, r in zip(labels, c)} for c in fig.containers}


def test_bars_are_the_importances_most_important_on_top(backend: Backend) -> None:
    study = _study(["minimize"])
    fig = backend.plots.plot_param_importances(study)
    [(label, bars)] = _bars(backend, fig).items()
    expected = get_param_importances(study)
    assert label == "Objective Value"
    assert bars == pytest.approx(expected)
    assert list(bars) == list(reversed(expected))  # drawn bottom-up: the most important last
    assert list(expected)[0] == "x"


def test_params_and_target(backend: Backend) -> None:
    study = _study(["minimize"])
    fig = backend.plots.plot_param_importances(study, params=["y", "z"], target=lambda t: -t.value,
                                               target_name="neg")
    [(label, bars)] = _bars(backend, fig).items()
    assert label == "neg" and set(bars) == {"y", "z"}


def test_multi_objective_plots_every_objective(backend: Backend) -> None:
    study = _study(["minimize", "minimize"])
    study.set_metric_names(["first", "second"])
    bars = _bars(backend, backend.plots.plot_param_importances(study))
    assert list(bars) == ["first", "second"]
    assert bars["first"] == pytest.approx(
        get_param_importances(study, target=lambda t: t.values[0]))
    assert max(bars["second"], key=bars["second"].get) == "y"


def test_empty_study(backend: Backend, warnings_logged) -> None:
    fig = backend.plots.plot_param_importances(skipjack.create_study())
    assert backend.n_drawn(fig) == 0
    assert any(r.levelname == "WARNING" for r in warnings_logged.records)

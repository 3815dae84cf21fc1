"""Optimization history, EDF, hypervolume history, intermediate values and timeline: the drawn data
match the study, for both the plotly and the matplotlib renderers."""

from __future__ import annotations

import datetime
import itertools

import numpy as np
import pytest

import skipjack
from skipjack._mo import compute_hypervolume, pareto_front_trials
from skipjack.distributions import FloatDistribution
from skipjack.trial import TrialState, create_trial
from tests.visualization._readers import Backend

VALUES = [5.0, 3.0, 4.0, 1.0, 2.0, 0.5, 7.0]


def _study(values: list[float], direction: str = "minimize", name: str | None = None,
           constraints: list[float] | None = None) -> skipjack.Study:
    study = skipjack.create_study(direction=direction, study_name=name)
    for i, v in enumerate(values):
        study.add_trial(create_trial(
            value=v, params={"x": float(i)}, distributions={"x": FloatDistribution(0, 100)},
            constraints=None if constraints is None else [constraints[i]],
        ))
    return study


def _multi_objective(n: int = 25, seed: int = 0) -> skipjack.Study:
    rng = np.random.default_rng(seed)
    study = skipjack.create_study(directions=["minimize", "maximize"])
    for a, b in rng.random((n, 2)):
        study.add_trial(create_trial(values=[float(a), float(b)]))
    return study


@pytest.mark.parametrize("direction, running", [("minimize", np.minimum), ("maximize", np.maximum)])
def test_history_best_line_is_the_running_best(backend: Backend, direction: str, running) -> None:
    fig = backend.plots.plot_optimization_history(_study(VALUES, direction))
    assert backend.is_figure(fig)
    [(x, y)] = backend.series(fig, "Objective Value")
    assert x == list(range(len(VALUES))) and y == VALUES
    [(bx, by)] = backend.series(fig, "Best Value")
    assert list(bx) == list(range(len(VALUES)))
    assert list(by) == running.accumulate(VALUES).tolist()


def test_history_infeasible_trials_never_count_as_best(backend: Backend) -> None:
    study = _study(VALUES, constraints=[0, 0, 0, 1, 0, 1, 0])  # trials 3 and 5 are infeasible
    fig = backend.plots.plot_optimization_history(study)
    [(_, best)] = backend.series(fig, "Best Value")
    assert list(best) == [5.0, 3.0, 3.0, 3.0, 2.0, 2.0, 2.0]
    [(x, _)] = backend.series(fig, "Objective Value")
    assert 3 not in x and 5 not in x


def test_history_of_several_studies_and_error_bar(backend: Backend) -> None:
    a, b = _study([4.0, 2.0, 3.0], name="a"), _study([2.0, 6.0, 1.0], name="b")
    fig = backend.plots.plot_optimization_history([a, b])
    assert backend.series(fig, "Best Value of a")[0][1] == [4.0, 2.0, 2.0]
    assert backend.series(fig, "Best Value of b")[0][1] == [2.0, 2.0, 1.0]
    fig = backend.plots.plot_optimization_history([a, b], error_bar=True)
    [(_, mean_best)] = backend.series(fig, "Best Value")
    assert list(mean_best) == [3.0, 2.0, 1.5]


def test_history_with_target_draws_no_best_line(backend: Backend) -> None:
    study = _multi_objective()
    with pytest.raises(ValueError, match="target"):
        backend.plots.plot_optimization_history(study)
    fig = backend.plots.plot_optimization_history(study, target=lambda t: t.values[1],
                                                  target_name="b")
    [(_, y)] = backend.series(fig, "b")
    assert y == [t.values[1] for t in study.trials]
    assert backend.series(fig, "Best Value") == []


def test_target_with_the_default_name_warns(backend: Backend) -> None:
    with pytest.warns(UserWarning, match="target_name"):
        backend.plots.plot_optimization_history(_study(VALUES), target=lambda t: t.value)


def test_empty_study_gives_an_empty_figure_and_a_warning(backend: Backend, warnings_logged) -> None:
    study = skipjack.create_study()
    for plot in ("plot_optimization_history", "plot_edf", "plot_intermediate_values",
                 "plot_timeline", "plot_slice", "plot_contour", "plot_parallel_coordinate",
                 "plot_rank"):
        warnings_logged.clear()
        fig = getattr(backend.plots, plot)(study)
        assert backend.is_figure(fig), plot
        assert backend.n_drawn(fig) == 0, plot
        assert any(r.levelname == "WARNING" for r in warnings_logged.records), plot


def test_edf_is_the_fraction_of_trials_at_or_below_x(backend: Backend) -> None:
    a, b = _study(VALUES, name="a"), _study([1.0, 9.0], name="b")
    fig = backend.plots.plot_edf([a, b])
    (x, ya), = backend.series(fig, "a")
    (_, yb), = backend.series(fig, "b")
    assert x[0] == 0.5 and x[-1] == 9.0  # one grid over both studies
    for xi, r in zip(x, ya):
        assert r == pytest.approx(np.mean(np.array(VALUES) <= xi))
    assert yb[0] == 0.0 and yb[-1] == 1.0
    with pytest.raises(ValueError, match="target"):
        backend.plots.plot_edf(_multi_objective())


def test_hypervolume_history_matches_the_front_so_far(backend: Backend) -> None:
    study = _multi_objective()
    ref = [1.1, -0.1]
    fig = backend.plots.plot_hypervolume_history(study, ref)
    [(x, y)] = backend.series(fig, "Hypervolume")
    trials = study.trials
    assert list(x) == [t.number for t in trials]
    for k in (0, 5, len(trials) - 1):
        front = pareto_front_trials(trials[: k + 1], study.directions, consider_constraints=False)
        expected = compute_hypervolume(
            np.array([[t.values[0], -t.values[1]] for t in front]), np.array([1.1, 0.1]))
        assert y[k] == pytest.approx(expected)
    assert all(b >= a for a, b in itertools.pairwise(y))


def test_hypervolume_history_errors(backend: Backend) -> None:
    with pytest.raises(ValueError, match="multi-objective"):
        backend.plots.plot_hypervolume_history(_study(VALUES), [10.0])
    with pytest.raises(ValueError, match="reference_point"):
        backend.plots.plot_hypervolume_history(_multi_objective(), [1.0, 1.0, 1.0])


def test_intermediate_values_one_line_per_reporting_trial(backend: Backend) -> None:
    study = skipjack.create_study()
    reports = {0: {0: 3.0, 1: 2.0, 2: 1.0}, 2: {0: 5.0, 3: 4.0}}
    for n in range(3):
        study.add_trial(create_trial(value=1.0, intermediate_values=reports.get(n)))
    study.add_trial(create_trial(state=TrialState.PRUNED, intermediate_values={0: 9.0}))
    fig = backend.plots.plot_intermediate_values(study)
    lines = backend.lines(fig)
    assert [(x, y) for x, y in lines] == [
        ([0, 1, 2], [3.0, 2.0, 1.0]), ([0, 3], [5.0, 4.0]), ([0], [9.0])
    ]


def test_timeline_one_bar_per_trial_coloured_by_state(backend: Backend) -> None:
    study = skipjack.create_study()
    study.optimize(lambda t: 1.0, n_trials=3)
    study.add_trial(create_trial(state=TrialState.FAIL))
    running = study.ask()
    study.tell(study.ask(), state=TrialState.PRUNED)
    study.enqueue_trial({})  # waiting: never started, so no bar
    bars = backend.bars(backend.plots.plot_timeline(study))
    assert {k: v[0] for k, v in bars.items()} == {
        "COMPLETE": [0, 1, 2], "FAIL": [3], "RUNNING": [running.number], "PRUNED": [5]
    }
    assert len({color for _, color in bars.values()}) == 4
    recent = backend.bars(backend.plots.plot_timeline(study, n_recent_trials=2))
    assert sum(len(v[0]) for v in recent.values()) == 1  # the last two: the pruned one and no bar
    with pytest.raises(ValueError, match="n_recent_trials"):
        backend.plots.plot_timeline(study, n_recent_trials=0)


def test_timeline_bar_spans_the_trial(backend: Backend) -> None:
    study = skipjack.create_study()
    study.optimize(lambda t: 1.0, n_trials=1)
    trial = study.trials[0]
    fig = backend.plots.plot_timeline(study)
    if backend.name == "plotly":
        bar = fig.data[0]
        assert datetime.datetime.fromisoformat(bar.base[0]) == trial.datetime_start
        expected = (trial.datetime_complete - trial.datetime_start).total_seconds() * 1000
        assert bar.x[0] == pytest.approx(expected)
    else:
        from matplotlib.dates import date2num

        patch = fig.containers[0][0]
        assert patch.get_x() == pytest.approx(date2num(trial.datetime_start))
        assert patch.get_x() + patch.get_width() == pytest.approx(
            date2num(trial.datetime_complete))

"""plot_pareto_front draws exactly the non-dominated feasible trials as best, infeasible trials
apart, and refuses what Optuna refuses, for both renderers."""

from __future__ import annotations

import numpy as np
import pytest

import skipjack
from skipjack.trial import create_trial
from tests.visualization._readers import Backend


def _study(directions: list[str], n: int = 40, seed: int = 1,
           constraints: list[float] | None = None) -> skipjack.Study:
    rng = np.random.default_rng(seed)
    study = skipjack.create_study(directions=directions)
    for i, row in enumerate(rng.integers(0, 10, size=(n, len(directions)))):  # ties included
        study.add_trial(create_trial(
            values=[float(v) for v in row],
            constraints=None if constraints is None else [constraints[i]],
        ))
    return study


def _brute_force_front(study: skipjack.Study, feasible: set[int] | None = None) -> set[tuple]:
    signs = [1 if d.name == "MINIMIZE" else -1 for d in study.directions]
    trials = [t for t in study.trials if feasible is None or t.number in feasible]
    losses = [[s * v for s, v in zip(signs, t.values)] for t in trials]
    front = set()
    for t, a in zip(trials, losses):
        if not any(all(x <= y for x, y in zip(b, a)) and b != a for b in losses):
            front.add(tuple(t.values))
    return front


def _drawn(backend: Backend, fig, name: str) -> set[tuple]:
    if backend.name == "plotly" and fig.data and fig.data[0].type == "scatter3d":
        return {p for t in fig.data if t.name == name for p in zip(t.x, t.y, t.z)}
    return {p for x, y in backend.series(fig, name) for p in zip(x, y)}


@pytest.mark.parametrize("directions", [["minimize", "maximize"], ["maximize", "maximize"]])
def test_best_trials_are_exactly_the_non_dominated_ones(backend: Backend, directions) -> None:
    study = _study(directions)
    fig = backend.plots.plot_pareto_front(study)
    assert _drawn(backend, fig, "Best Trial") == _brute_force_front(study)
    all_points = {tuple(t.values) for t in study.trials}
    assert _drawn(backend, fig, "Trial") == all_points - _brute_force_front(study)
    only_best = backend.plots.plot_pareto_front(study, include_dominated_trials=False)
    assert _drawn(backend, only_best, "Trial") == set()
    assert _drawn(backend, only_best, "Best Trial") == _brute_force_front(study)


def test_three_objectives_plot_in_3d(backend: Backend) -> None:
    study = _study(["minimize", "minimize", "maximize"])
    fig = backend.plots.plot_pareto_front(study)
    if backend.name == "plotly":
        assert _drawn(backend, fig, "Best Trial") == _brute_force_front(study)
    else:
        assert fig.name == "3d"
        [best] = [c for c in fig.collections if c.get_label() == "Best Trial"]
        assert len(best.get_offsets()) == len(_brute_force_front(study))


def test_infeasible_trials_are_drawn_apart_and_never_best(backend: Backend) -> None:
    constraints = [1.0 if i % 3 == 0 else -1.0 for i in range(40)]
    study = _study(["minimize", "minimize"], constraints=constraints)
    feasible = {i for i in range(40) if constraints[i] <= 0}
    fig = backend.plots.plot_pareto_front(study)
    assert _drawn(backend, fig, "Best Trial") == _brute_force_front(study, feasible)
    infeasible = {tuple(t.values) for t in study.trials if t.number not in feasible}
    assert _drawn(backend, fig, "Infeasible Trial") == infeasible
    # constraints_func takes over from the recorded constraints
    fig = backend.plots.plot_pareto_front(study, constraints_func=lambda t: [-1.0])
    assert _drawn(backend, fig, "Best Trial") == _brute_force_front(study)
    assert _drawn(backend, fig, "Infeasible Trial") == set()


def test_targets_change_what_is_drawn_not_who_is_best(backend: Backend) -> None:
    study = _study(["minimize", "minimize", "minimize", "minimize"])
    with pytest.raises(ValueError, match="targets"):
        backend.plots.plot_pareto_front(study)
    fig = backend.plots.plot_pareto_front(study, targets=lambda t: (t.values[2], t.values[0]),
                                          target_names=["c", "a"])
    expected = {(v[2], v[0]) for v in _brute_force_front(study)}
    assert _drawn(backend, fig, "Best Trial") == expected
    with pytest.raises(ValueError, match="target_names"):
        backend.plots.plot_pareto_front(study, targets=lambda t: t.values[:2], target_names=["a"])
    with pytest.raises(ValueError, match="2 or 3"):
        backend.plots.plot_pareto_front(study, targets=lambda t: t.values)


def test_axis_titles_default_to_metric_names(backend: Backend) -> None:
    study = _study(["minimize", "minimize"])
    study.set_metric_names(["loss", "latency"])
    fig = backend.plots.plot_pareto_front(study)
    if backend.name == "plotly":
        assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("loss", "latency")
    else:
        assert (fig.get_xlabel(), fig.get_ylabel()) == ("loss", "latency")


def test_empty_study(backend: Backend, warnings_logged) -> None:
    study = skipjack.create_study(directions=["minimize", "minimize"])
    fig = backend.plots.plot_pareto_front(study)
    assert _drawn(backend, fig, "Best Trial") == set()
    assert any("completed" in r.getMessage() for r in warnings_logged.records)
    with pytest.raises(ValueError, match="target_names"):
        backend.plots.plot_pareto_front(study, targets=lambda t: t.values)

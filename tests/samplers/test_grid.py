"""GridSampler: every grid point once, then the study stops; workers avoid each other's points."""

from __future__ import annotations

import itertools
import subprocess
import sys
import pickle
import warnings
from typing import Any

import numpy as np
import pytest

import skipjack as sj
from skipjack.samplers import GridSampler
from skipjack.storages import InMemoryStorage
from skipjack.trial import BaseTrial

SPACE: dict[str, list[Any]] = {"x": [0, 1, 2, 3], "y": [-1.0, 0.5], "c": ["a", "b", None]}
ALL_POINTS = {
    tuple(sorted(dict(zip(SPACE, combo)).items(), key=str))
    for combo in itertools.product(*SPACE.values())
}


def objective(trial: BaseTrial) -> float:
    x = trial.suggest_float("x", 0, 3)
    y = trial.suggest_float("y", -1, 1)
    c = trial.suggest_categorical("c", ["a", "b", None])
    return x + y + (c == "a")


def _points(study: sj.Study) -> list[tuple[Any, ...]]:
    return [tuple(sorted(t.params.items(), key=str)) for t in study.get_trials(deepcopy=False)]


@pytest.fixture(autouse=True)
def _quiet() -> None:
    sj.logging.set_verbosity(sj.logging.WARNING)


@pytest.mark.parametrize("n_trials", [None, 100])
def test_sequential_run_visits_every_point_once_then_stops(n_trials: int | None) -> None:
    study = sj.create_study(sampler=GridSampler(SPACE, seed=0))
    study.optimize(objective, n_trials=n_trials)
    points = _points(study)
    assert len(points) == len(ALL_POINTS) == 24
    assert set(points) == ALL_POINTS


def test_four_threads_take_distinct_points() -> None:
    study = sj.create_study(sampler=GridSampler(SPACE))
    study.optimize(objective, n_trials=len(ALL_POINTS), n_jobs=4)
    points = _points(study)
    assert len(points) == 24 and set(points) == ALL_POINTS


def test_four_threads_stop_by_themselves_once_the_grid_is_handed_out() -> None:
    # A thread that had already started its next trial when the last point was handed out
    # re-evaluates a point (with a warning): at most n_jobs - 1 such trials.
    study = sj.create_study(sampler=GridSampler(SPACE))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(objective, n_jobs=4)
    points = _points(study)
    assert set(points) == ALL_POINTS
    extra = len(points) - len(ALL_POINTS)
    assert 0 <= extra <= 3
    assert sum("re-evaluating" in str(w.message) for w in caught) == extra


def test_workers_sharing_a_storage_avoid_running_points() -> None:
    # Two samplers (two workers) on one storage, interleaved through ask/tell: each sees the
    # other's running trial through its parameters.
    storage = InMemoryStorage()
    a = sj.create_study(study_name="g", storage=storage, sampler=GridSampler(SPACE, seed=1))
    b = sj.load_study(study_name="g", storage=storage, sampler=GridSampler(SPACE, seed=1))
    for _ in range(len(ALL_POINTS) // 2):
        ta = a.ask()
        va = objective(ta)
        tb = b.ask()
        vb = objective(tb)
        assert ta.params != tb.params
        a.tell(ta, va)
        b.tell(tb, vb)
    points = _points(a)
    assert len(points) == 24 and set(points) == ALL_POINTS
    assert a.sampler.is_exhausted(a) and b.sampler.is_exhausted(b)


def test_conditional_parameters_are_not_enumerated_where_unused() -> None:
    space = {"c": ["a", "b"], "a_only": [1, 2], "b_only": [1, 2, 3]}

    def conditional(trial: BaseTrial) -> float:
        if trial.suggest_categorical("c", ["a", "b"]) == "a":
            return trial.suggest_int("a_only", 1, 2)
        return trial.suggest_int("b_only", 1, 3)

    study = sj.create_study(sampler=GridSampler(space, seed=3))
    study.optimize(conditional)
    points = _points(study)
    assert len(points) == 5 and len(set(points)) == 5


def test_failed_trials_count_as_visited() -> None:
    def failing(trial: BaseTrial) -> float:
        value = objective(trial)
        if trial.params["x"] == 2:
            raise RuntimeError("boom")
        return value

    study = sj.create_study(sampler=GridSampler(SPACE, seed=0))
    study.optimize(failing, catch=(RuntimeError,))
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 24 and set(_points(study)) == ALL_POINTS
    assert sum(t.state == sj.trial.TrialState.FAIL for t in trials) == 6


def test_enqueued_grid_point_is_not_repeated() -> None:
    study = sj.create_study(sampler=GridSampler(SPACE, seed=0))
    study.enqueue_trial({"x": 3, "y": 0.5, "c": None})
    study.optimize(objective)
    points = _points(study)
    assert points[0] == (("c", None), ("x", 3.0), ("y", 0.5))
    assert len(points) == 24 and set(points) == ALL_POINTS


def test_partially_enqueued_trial_takes_a_free_point_with_its_fixed_values() -> None:
    study = sj.create_study(sampler=GridSampler(SPACE, seed=0))
    study.optimize(objective, n_trials=3)
    study.enqueue_trial({"x": 2})
    study.optimize(objective)
    trials = study.get_trials(deepcopy=False)
    assert trials[3].params["x"] == 2
    assert len(trials) == 24 and set(_points(study)) == ALL_POINTS


def test_same_seed_same_order_other_seed_other_order() -> None:
    def run(seed: int) -> list[tuple[Any, ...]]:
        study = sj.create_study(sampler=GridSampler(SPACE, seed=seed))
        study.optimize(objective)
        return _points(study)

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_pickled_study_resumes_without_repeating() -> None:
    study = sj.create_study(sampler=GridSampler(SPACE, seed=0))
    study.optimize(objective, n_trials=10)
    restored = pickle.loads(pickle.dumps(study))
    restored.optimize(objective)
    points = _points(restored)
    assert len(points) == 24 and set(points) == ALL_POINTS


def test_ask_tell_past_the_end_warns_instead_of_raising() -> None:
    study = sj.create_study(sampler=GridSampler({"x": [0, 1]}, seed=0))
    for _ in range(2):
        t = study.ask()
        study.tell(t, t.suggest_int("x", 0, 1))
    with pytest.warns(UserWarning, match="re-evaluating"):
        t = study.ask()
        value = t.suggest_int("x", 0, 1)
    study.tell(t, value)
    assert value in (0, 1)


def test_multi_objective_study() -> None:
    study = sj.create_study(directions=["minimize", "maximize"],
                            sampler=GridSampler({"x": [0.0, 0.5, 1.0], "k": [0, 1]}, seed=0))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("k", 0, 1)))
    assert len(study.trials) == 6 and len(set(_points(study))) == 6


def test_parameter_outside_the_grid_raises() -> None:
    study = sj.create_study(sampler=GridSampler({"x": [0, 1]}))
    with pytest.raises(ValueError, match="'?z'?.*not found in the given grid"):
        study.optimize(lambda t: t.suggest_int("x", 0, 1) + t.suggest_float("z", 0, 1),
                       n_trials=1)


def test_grid_value_not_among_the_choices_raises() -> None:
    study = sj.create_study(sampler=GridSampler({"c": ["a", "zzz"]}, seed=0))
    with pytest.raises(ValueError, match="'zzz'.*not one of the choices"):
        study.optimize(lambda t: float(len(t.suggest_categorical("c", ["a", "b"]))), n_trials=2)


def test_grid_value_out_of_range_is_used_with_a_warning() -> None:
    study = sj.create_study(sampler=GridSampler({"x": [5.0]}))
    with pytest.warns(UserWarning, match="out of range"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].params["x"] == 5.0


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ([("x", [1])], "must be a dict"),
        ({}, "is empty"),
        ({"x": []}, "'x'.*is empty"),
        ({"x": "abc"}, "'x'.*must be a list"),
        ({"x": 3}, "'x'.*must be a list"),
        ({"x": [1, object()]}, "'x'.*type object"),
        ({"x": [[1, 2]]}, "'x'.*type list"),
        ({"x": [float("nan")]}, "'x'.*NaN"),
        ({1: [1]}, "must be strings"),
    ],
)
def test_bad_search_space_is_rejected(space: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GridSampler(space)


def test_numpy_values_are_accepted_and_duplicates_collapse() -> None:
    with pytest.warns(UserWarning, match="more than once"):
        sampler = GridSampler({"x": np.arange(3), "y": np.linspace(0, 1, 2), "z": [1, 1]})
    study = sj.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_int("x", 0, 2) + t.suggest_float("y", 0, 1)
                   + t.suggest_int("z", 0, 1))
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 6
    assert all(type(t.params["x"]) is int for t in trials)


_WORKER = """
import sys, time, warnings
import skipjack as sj
from skipjack.samplers import GridSampler
sj.logging.set_verbosity(sj.logging.WARNING)
warnings.simplefilter("ignore")
def objective(trial):
    value = trial.suggest_int("x", 0, 4) + trial.suggest_int("y", 0, 3)
    time.sleep(0.002)
    return value
study = sj.load_study(study_name="grid", storage=sys.argv[1],
                      sampler=GridSampler({"x": list(range(5)), "y": list(range(4))}))
study.optimize(objective)
"""


def test_worker_processes_on_a_shared_storage_cover_the_grid_and_stop(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    sj.create_study(study_name="grid", storage=url)
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, url]) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]  # each stopped by itself
    trials = sj.load_study(study_name="grid", storage=url).trials
    points = {(t.params["x"], t.params["y"]) for t in trials}
    assert points == {(x, y) for x in range(5) for y in range(4)}
    # Points race only while a trial has not stored its parameters yet: a few repeats at most.
    assert len(trials) < 30

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
    # A thread that had already started its next trial when the last point was taken
    # re-evaluates a point (one still running, or a finished one with a logged warning): at most
    # n_jobs - 1 such trials.
    study = sj.create_study(sampler=GridSampler(SPACE))
    study.optimize(objective, n_jobs=4)
    points = _points(study)
    assert set(points) == ALL_POINTS
    extra = len(points) - len(ALL_POINTS)
    assert 0 <= extra <= 3


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


def test_conditional_parameters_are_enumerated_like_the_others() -> None:
    # Optuna's rule: every combination is a point, whether the objective uses a value or not
    space = {"c": ["a", "b"], "a_only": [1, 2], "b_only": [1, 2, 3]}

    def conditional(trial: BaseTrial) -> float:
        if trial.suggest_categorical("c", ["a", "b"]) == "a":
            return trial.suggest_int("a_only", 1, 2)
        return trial.suggest_int("b_only", 1, 3)

    study = sj.create_study(sampler=GridSampler(space, seed=3))
    study.optimize(conditional)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 12
    assert sorted(t.system_attrs["grid_id"] for t in trials) == list(range(12))


def test_grid_id_and_search_space_are_optunas_system_attributes() -> None:
    sampler = GridSampler(SPACE, seed=4)
    study = sj.create_study(sampler=sampler)
    study.optimize(objective, n_trials=5)
    for t in study.get_trials(deepcopy=False):
        assert t.system_attrs["search_space"] == {k: SPACE[k] for k in sorted(SPACE)}
        assert t.system_attrs["grid_id"] == t.number  # trial n < grid size takes point n
        point = sampler._all_grids[t.number]
        assert (t.params["c"], t.params["x"], t.params["y"]) == point  # names sorted: c, x, y
    # the order is Optuna's: itertools.product of the sorted grid, shuffled by RandomState(seed)
    expected = list(itertools.product(*(SPACE[k] for k in sorted(SPACE))))
    np.random.RandomState(4).shuffle(expected)
    assert sampler._all_grids == expected


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


def test_enqueued_trial_is_outside_the_grid() -> None:
    # an enqueued trial keeps its values and takes no grid point (Optuna's rule)
    study = sj.create_study(sampler=GridSampler({"a": [0, 50]}))
    study.enqueue_trial({"a": 100})
    study.optimize(lambda t: t.suggest_int("a", 0, 100))
    trials = study.get_trials(deepcopy=False)
    assert [t.params["a"] for t in trials][0] == 100 and "grid_id" not in trials[0].system_attrs
    assert sorted(t.params["a"] for t in trials[1:]) == [0, 50]


def test_partially_enqueued_trial_raises() -> None:
    study = sj.create_study(sampler=GridSampler({"a": [0, 50], "b": [1]}))
    study.enqueue_trial({"a": 0})
    with pytest.raises(ValueError, match="All parameters must be specified"):
        study.optimize(lambda t: t.suggest_int("a", 0, 100) + t.suggest_int("b", 0, 1))


def test_retried_trial_keeps_its_grid_point() -> None:
    study = sj.create_study(sampler=GridSampler({"a": [0, 50]}))
    trial = study.ask()
    trial.suggest_int("a", 0, 100)
    sj.storages.RetryFailedTrialCallback()(study, study.trials[0])
    study.optimize(lambda t: t.suggest_int("a", 0, 100))
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 3
    assert trials[0].system_attrs["grid_id"] == trials[1].system_attrs["grid_id"]
    assert trials[0].params["a"] == trials[1].params["a"] != trials[2].params["a"]


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


def test_ask_tell_past_the_end_logs_and_re_evaluates(caplog: pytest.LogCaptureFixture) -> None:
    study = sj.create_study(sampler=GridSampler({"x": [0, 1]}, seed=0))
    for _ in range(2):
        t = study.ask()
        study.tell(t, t.suggest_int("x", 0, 1))
    sj.logging.enable_propagation()
    try:
        t = study.ask()
    finally:
        sj.logging.disable_propagation()
    assert any("re-evaluating a configuration" in r.getMessage() for r in caplog.records)
    value = t.suggest_int("x", 0, 1)
    study.tell(t, value)
    assert value in (0, 1)


def test_optimizing_an_exhausted_grid_again_runs_one_more_trial() -> None:
    study = sj.create_study(sampler=GridSampler({"a": [0, 50]}))
    study.optimize(lambda t: t.suggest_int("a", 0, 100))
    assert len(study.trials) == 2 and study.sampler.is_exhausted(study)
    study.optimize(lambda t: t.suggest_int("a", 0, 100))
    assert len(study.trials) == 3


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
        ({1: [1]}, "must be strings"),
    ],
)
def test_bad_search_space_is_rejected(space: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GridSampler(space)


def test_unsupported_values_warn_as_optuna_and_nan_is_a_grid_value() -> None:
    with pytest.warns(UserWarning, match="x contains a value with the type of <class 'list'>"):
        GridSampler({"x": [[1, 2]]})
    study = sj.create_study(sampler=GridSampler({"x": [0, float("nan")]}))
    study.optimize(lambda t: 1 if np.isnan(t.suggest_categorical("x", [0, float("nan")])) else 0)
    assert len(study.trials) == 2


def test_numpy_values_become_python_values_and_duplicates_are_points() -> None:
    sampler = GridSampler({"x": np.arange(3), "y": np.linspace(0, 1, 2), "z": [1, 1]})
    study = sj.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_int("x", 0, 2) + t.suggest_float("y", 0, 1)
                   + t.suggest_int("z", 0, 1))
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 12  # the duplicated z value is evaluated twice, as in Optuna
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

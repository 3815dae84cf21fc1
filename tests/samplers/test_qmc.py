"""QMCSampler: each relative sample takes the next point of scipy's Sobol'/Halton sequence by the
study's counter attribute (Optuna's key), mapped to the space."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest
from scipy.stats import qmc

import skipjack as sj
from skipjack.samplers import QMCSampler
from skipjack.trial import BaseTrial


@pytest.fixture(autouse=True)
def _quiet() -> None:
    sj.logging.set_verbosity(sj.logging.WARNING)


def two_floats(trial: BaseTrial) -> float:
    return trial.suggest_float("x", 0.0, 1.0) + trial.suggest_float("y", -2.0, 3.0)


def _scipy_points(kind: str, d: int, n: int, scramble: bool, seed: int | None) -> np.ndarray:
    cls = qmc.Sobol if kind == "sobol" else qmc.Halton
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(d, scramble=scramble, rng=seed).random(n)


def _run(sampler: QMCSampler, n: int, objective=two_floats, n_jobs: int = 1) -> sj.Study:
    study = sj.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n, n_jobs=n_jobs)
    return study


@pytest.mark.parametrize("kind", ["sobol", "halton"])
@pytest.mark.parametrize("scramble", [False, True])
def test_points_are_scipys_for_the_same_seed(kind: str, scramble: bool) -> None:
    study = _run(QMCSampler(qmc_type=kind, scramble=scramble, seed=7), 16)
    expected = _scipy_points(kind, 2, 16, scramble, 7)
    trials = study.get_trials(deepcopy=False)
    # Trial 0 fixes the search space and is sampled by the independent sampler; trial n takes
    # point n - 1.
    for t in trials[1:]:
        u = expected[t.number - 1]
        assert t.params["x"] == pytest.approx(u[0], abs=1e-12)
        assert t.params["y"] == pytest.approx(-2.0 + 5.0 * u[1], abs=1e-12)


def test_unscrambled_sobol_starts_at_the_corner_and_fills_the_square() -> None:
    study = _run(QMCSampler(seed=0), 17)
    trials = study.get_trials(deepcopy=False)
    assert (trials[1].params["x"], trials[1].params["y"]) == (0.0, -2.0)
    assert (trials[2].params["x"], trials[2].params["y"]) == (0.5, 0.5)
    # Points 0..15 of Sobol' put one point in each cell of a 4 x 4 grid.
    cells = [(int(t.params["x"] * 4), int((t.params["y"] + 2) / 5 * 4)) for t in trials[1:]]
    assert len(set(cells)) == 16


def test_the_counter_is_optunas_study_attribute_and_shared_by_workers() -> None:
    storage = sj.storages.InMemoryStorage()
    study = sj.create_study(storage=storage, sampler=QMCSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(two_floats, n_trials=3)
    attrs = lambda: storage.get_study_system_attrs(study._study_id)  # noqa: E731
    [(key, value)] = [(k, v) for k, v in attrs().items() if k.startswith("qmc:")]
    assert len(key) == len("qmc:") + 64 and value == 1  # trials 1, 2 took points 0, 1
    # a second worker (another sampler object on the same study) continues the sequence
    other = sj.load_study(study_name=study.study_name, storage=storage,
                          sampler=QMCSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other.optimize(two_floats, n_trials=2)
        study.optimize(two_floats, n_trials=1)
    expected = _scipy_points("sobol", 2, 5, False, 0)
    xs = [t.params["x"] for t in study.get_trials(deepcopy=False)[1:]]
    assert xs == [float(u[0]) for u in expected]
    assert attrs()[key] == 4
    # the key depends on the search space: a new space starts its own count at 0
    assert QMCSampler(seed=0)._find_sample_id(study, {}) == 0


def test_scrambling_changes_the_points_and_depends_on_the_seed() -> None:
    def xs(**kwargs: object) -> list[float]:
        study = _run(QMCSampler(**kwargs), 8)  # type: ignore[arg-type]
        return [t.params["x"] for t in study.get_trials(deepcopy=False)[1:]]

    assert xs(scramble=True, seed=1) == xs(scramble=True, seed=1)
    assert xs(scramble=True, seed=1) != xs(scramble=True, seed=2)
    assert xs(scramble=True, seed=1) != xs(scramble=False, seed=1)
    assert xs(scramble=False, seed=1) == xs(scramble=False, seed=2)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    sj.logging.enable_propagation()
    try:
        yield caplog
    finally:
        sj.logging.disable_propagation()


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


@pytest.mark.filterwarnings("ignore::skipjack.exceptions.ExperimentalWarning")
def test_scramble_without_seed_logs_about_asynchronous_seeding(logged: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # logged, as Optuna, not warned
        QMCSampler(scramble=True)
    assert any("same seed must be used" in m for m in _messages(logged))
    logged.clear()
    QMCSampler(scramble=True, warn_asynchronous_seeding=False)
    QMCSampler(scramble=False)
    assert _messages(logged) == []


def test_categorical_takes_equal_slices_of_the_unit_interval() -> None:
    def objective(trial: BaseTrial) -> float:
        c = trial.suggest_categorical("c", ["a", "b", None, 1.5])
        return trial.suggest_float("x", 0, 1) + (c == "a")

    study = _run(QMCSampler(seed=3, scramble=True), 33, objective)
    expected = _scipy_points("sobol", 2, 33, True, 3)
    choices = ["a", "b", None, 1.5]
    trials = study.get_trials(deepcopy=False)[1:]
    for t in trials:
        assert t.params["c"] == choices[int(expected[t.number - 1][0] * 4)]
    counts = Counter(str(t.params["c"]) for t in trials)
    assert sorted(counts.values()) == [8, 8, 8, 8]  # 32 consecutive Sobol' points: balanced


def test_int_step_and_log_parameters_follow_the_point() -> None:
    def objective(trial: BaseTrial) -> float:
        i = trial.suggest_int("i", 0, 9)
        lg = trial.suggest_float("lg", 1e-3, 1e3, log=True)
        st = trial.suggest_float("st", 0.0, 1.0, step=0.25)
        il = trial.suggest_int("il", 1, 100, log=True)
        return i + lg + st + il

    study = _run(QMCSampler(seed=5, scramble=True), 20, objective)
    # dimensions in the first trial's order (Optuna's): i, lg, st, il
    expected = _scipy_points("sobol", 4, 20, True, 5)
    for t in study.get_trials(deepcopy=False)[1:]:
        u = expected[t.number - 1]
        assert t.params["i"] == int(u[0] * 10)
        unrounded = math.exp(math.log(0.5) + u[3] * (math.log(100.5) - math.log(0.5)))
        assert t.params["il"] == min(100, max(1, round(unrounded)))
        assert math.log10(t.params["lg"]) == pytest.approx(-3 + 6 * u[1], abs=1e-9)
        assert t.params["st"] == 0.25 * int(u[2] * 5)
        assert isinstance(t.params["i"], int) and isinstance(t.params["il"], int)


def test_parallel_threads_take_distinct_points_of_the_sequence() -> None:
    study = _run(QMCSampler(seed=11, scramble=True), 40, n_jobs=4)
    expected = {float(u[0]) for u in _scipy_points("sobol", 2, 40, True, 11)}
    trials = study.get_trials(deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(40))
    qmc_trials = [t for t in trials if t.params["x"] in expected]
    # Only trials started before the first one completed fall back to the independent sampler.
    assert len(qmc_trials) >= 36
    assert len({t.params["x"] for t in qmc_trials}) == len(qmc_trials)


@pytest.mark.filterwarnings("ignore::skipjack.exceptions.ExperimentalWarning")
def test_parameters_outside_the_first_trials_space_fall_back_with_a_log_line(
    logged: pytest.LogCaptureFixture,
) -> None:
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number >= 2:
            return x + trial.suggest_float("late", 0, 1)
        return x

    study = sj.create_study(sampler=QMCSampler(seed=0))
    study.optimize(objective, n_trials=2)
    logged.clear()
    study.optimize(objective, n_trials=1)
    assert any("'late'" in m and "sampled independently" in m for m in _messages(logged))
    logged.clear()
    quiet = sj.create_study(sampler=QMCSampler(seed=0, warn_independent_sampling=False))
    quiet.optimize(objective, n_trials=4)
    assert not any("sampled independently" in m for m in _messages(logged))


@pytest.mark.filterwarnings("ignore::skipjack.exceptions.ExperimentalWarning")
def test_search_space_before_any_trial_finished_is_the_running_trials_union() -> None:
    study = sj.create_study(sampler=QMCSampler(seed=0))
    sampler = study.sampler
    assert sampler.infer_relative_search_space(study, None) == {}  # type: ignore[arg-type]
    running = study.ask()
    running.suggest_int("a", 0, 3)
    other = study.ask()
    other.suggest_float("b", 0, 1)
    assert set(sampler.infer_relative_search_space(study, None)) == {"a", "b"}  # type: ignore[arg-type]
    study.tell(other, 1.0)
    assert set(sampler.infer_relative_search_space(study, None)) == {"b"}  # type: ignore[arg-type]


def test_qmc_sampler_is_experimental() -> None:
    with pytest.warns(sj.exceptions.ExperimentalWarning, match="QMCSampler is experimental"):
        QMCSampler()


def test_bad_qmc_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="'qmc_type'.*'lhs'"):
        QMCSampler(qmc_type="lhs")


def test_scipy_is_imported_only_when_sampling() -> None:
    code = (
        "import sys, skipjack\n"
        "from skipjack.samplers import QMCSampler\n"
        "QMCSampler(seed=0)\n"
        "assert 'scipy' not in sys.modules, 'scipy loaded early'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""QMCSampler: trial number n takes point n of scipy's Sobol'/Halton sequence, mapped to the space."""

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
    # Trial 0 fixes the search space and is sampled by the independent sampler.
    for t in trials[1:]:
        u = expected[t.number]
        assert t.params["x"] == pytest.approx(u[0], abs=1e-12)
        assert t.params["y"] == pytest.approx(-2.0 + 5.0 * u[1], abs=1e-12)


def test_unscrambled_sobol_starts_at_the_centre_and_fills_the_square() -> None:
    study = _run(QMCSampler(seed=0), 16)
    trials = study.get_trials(deepcopy=False)
    assert (trials[1].params["x"], trials[1].params["y"]) == (0.5, 0.5)
    # Points 0..15 of Sobol' put one point in each cell of a 4 x 4 grid; point 0 (the corner)
    # belongs to trial 0, which the independent sampler decided.
    cells = [(int(t.params["x"] * 4), int((t.params["y"] + 2) / 5 * 4)) for t in trials[1:]]
    assert len(set(cells)) == 15 and (0, 0) not in cells


def test_scrambling_changes_the_points_and_depends_on_the_seed() -> None:
    def xs(**kwargs: object) -> list[float]:
        study = _run(QMCSampler(**kwargs), 8)  # type: ignore[arg-type]
        return [t.params["x"] for t in study.get_trials(deepcopy=False)[1:]]

    assert xs(scramble=True, seed=1) == xs(scramble=True, seed=1)
    assert xs(scramble=True, seed=1) != xs(scramble=True, seed=2)
    assert xs(scramble=True, seed=1) != xs(scramble=False, seed=1)
    assert xs(scramble=False, seed=1) == xs(scramble=False, seed=2)


def test_scramble_without_seed_warns_about_asynchronous_seeding() -> None:
    with pytest.warns(UserWarning, match="same seed must be used"):
        QMCSampler(scramble=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        QMCSampler(scramble=True, warn_asynchronous_seeding=False)
        QMCSampler(scramble=False)


def test_categorical_takes_equal_slices_of_the_unit_interval() -> None:
    def objective(trial: BaseTrial) -> float:
        c = trial.suggest_categorical("c", ["a", "b", None, 1.5])
        return trial.suggest_float("x", 0, 1) + (c == "a")

    study = _run(QMCSampler(seed=3, scramble=True), 33, objective)
    expected = _scipy_points("sobol", 2, 33, True, 3)
    choices = ["a", "b", None, 1.5]
    trials = study.get_trials(deepcopy=False)[1:]
    for t in trials:
        assert t.params["c"] == choices[int(expected[t.number][0] * 4)]
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
    expected = _scipy_points("sobol", 4, 20, True, 5)  # dimensions sorted: i, il, lg, st
    for t in study.get_trials(deepcopy=False)[1:]:
        u = expected[t.number]
        assert t.params["i"] == int(u[0] * 10)
        unrounded = math.exp(math.log(0.5) + u[1] * (math.log(100.5) - math.log(0.5)))
        assert t.params["il"] == min(100, max(1, round(unrounded)))
        assert math.log10(t.params["lg"]) == pytest.approx(-3 + 6 * u[2], abs=1e-9)
        assert t.params["st"] == 0.25 * int(u[3] * 5)
        assert isinstance(t.params["i"], int) and isinstance(t.params["il"], int)


def test_parallel_threads_take_consecutive_distinct_points() -> None:
    study = _run(QMCSampler(seed=11, scramble=True), 40, n_jobs=4)
    expected = _scipy_points("sobol", 2, 40, True, 11)
    trials = study.get_trials(deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(40))
    qmc_trials = [t for t in trials if t.params["x"] == pytest.approx(expected[t.number][0])]
    # Only trials started before the first one completed fall back to the independent sampler.
    assert len(qmc_trials) >= 36
    assert len({t.params["x"] for t in qmc_trials}) == len(qmc_trials)


def test_parameters_outside_the_first_trials_space_fall_back_with_a_warning() -> None:
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number >= 2:
            return x + trial.suggest_float("late", 0, 1)
        return x

    study = sj.create_study(sampler=QMCSampler(seed=0))
    study.optimize(objective, n_trials=2)
    with pytest.warns(UserWarning, match="'late'.*sampled independently"):
        study.optimize(objective, n_trials=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = sj.create_study(sampler=QMCSampler(seed=0, warn_independent_sampling=False))
        quiet.optimize(objective, n_trials=4)


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

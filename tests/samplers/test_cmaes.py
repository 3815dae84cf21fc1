"""CmaEsSampler: convergence, shared generations across workers, options and errors."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import warnings
from typing import Any

import numpy as np
import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.exceptions import TrialPruned
from skipjack.samplers import CmaEsSampler, RandomSampler
from skipjack.samplers._cmaes._state import TAG_KEY

pytest.importorskip("cmaes")

DIM = 10


def _rotation(seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(DIM, DIM)))
    return q


def rotated_ellipsoid(trial: Any, condition: float = 1e6, seed: int = 0) -> float:
    """sum_i condition^(i/(d-1)) y_i^2 with y = Q (x - 1): optimum 0 at x = 1, off the centre."""
    x = np.array([trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(DIM)])
    y = _rotation(seed) @ (x - 1.0)
    return float(np.sum(condition ** (np.arange(DIM) / (DIM - 1)) * y**2))


def _quiet() -> None:
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)


def test_rotated_ellipsoid_10d_single_process() -> None:
    _quiet()
    study = skipjack.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(rotated_ellipsoid, n_trials=4500)
    assert study.best_value < 1e-6
    # the sampler worked in generations of the default population size: 4 + floor(3 ln 10) = 10
    tags = [t.system_attrs[TAG_KEY] for t in study.get_trials(deepcopy=False)[1:]]
    generations = [g for _, restart, g in tags if restart == 0]
    assert max(generations) >= 400 and all(generations.count(g) == 10 for g in range(1, 100))


def _worker(url: str, study_name: str, seed: int, n_trials: int, condition: float) -> None:
    _quiet()
    study = skipjack.load_study(study_name=study_name, storage=url,
                                sampler=CmaEsSampler(seed=seed))
    study.optimize(lambda t: rotated_ellipsoid(t, condition), n_trials=n_trials)


def _sqlite_or_skip(tmp_path: Any) -> str:
    try:
        from skipjack.storages import RDBStorage  # noqa: F401
    except (ImportError, AttributeError) as e:
        pytest.skip(f"RDBStorage is not available yet ({e}); the 4-worker test needs SQLite")
    return f"sqlite:///{tmp_path / 'cma.db'}"


def test_rotated_ellipsoid_10d_four_processes_share_generations(tmp_path: Any) -> None:
    url = _sqlite_or_skip(tmp_path)
    condition, per_worker = 1e2, 750
    study = skipjack.create_study(storage=url, study_name="cma")
    ctx = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
    procs = [ctx.Process(target=_worker, args=(url, "cma", seed, per_worker, condition))
             for seed in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)
        assert p.exitcode == 0
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 4 * per_worker
    assert study.best_value < 1e-6
    # One shared search: a generation holds popsize (10) trials plus those other workers drew
    # while its last members ran, not popsize per worker (4 separate searches would give about
    # 40). A draw that could not join it waits for straggling members (without the wait, 15-19).
    tags = [tuple(t.system_attrs[TAG_KEY]) for t in trials if TAG_KEY in t.system_attrs]
    n_generations = len(set(tags))
    assert len(tags) / n_generations < 14.5


def test_state_is_a_function_of_the_history() -> None:
    """A fresh sampler (another worker, or a restarted one) rebuilds the same optimizer."""
    _quiet()
    study = skipjack.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(rotated_ellipsoid, n_trials=333)
    first = study.sampler._state
    other = CmaEsSampler(seed=123)
    resumed = skipjack.load_study(study_name=study.study_name, storage=study._storage,
                                  sampler=other)
    resumed.optimize(rotated_ellipsoid, n_trials=1)
    second = other._state
    assert second is not None and first is not None
    assert second.tag[1] == first.tag[1] > 25
    np.testing.assert_allclose(second.optimizer.mean, first.optimizer.mean)
    np.testing.assert_allclose(second.optimizer._C, first.optimizer._C)
    assert second.optimizer._sigma == pytest.approx(first.optimizer._sigma)


def test_generation_waits_for_running_trials_of_that_generation() -> None:
    _quiet()
    study = skipjack.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    f = lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_float("y", -1, 1) ** 2  # noqa: E731
    study.optimize(f, n_trials=1)  # startup trial
    asked = [study.ask() for _ in range(5)]
    for t in asked:
        t.suggest_float("x", -1, 1), t.suggest_float("y", -1, 1)
    tags = [tuple(t.system_attrs[TAG_KEY]) for t in asked]
    assert len(set(tags)) == 1  # all drawn from generation 0
    for t in asked[1:]:  # finish 4 of them, but not the lowest-numbered one
        study.tell(t, t.params["x"] ** 2)
    nxt = study.ask()
    nxt.suggest_float("x", -1, 1), nxt.suggest_float("y", -1, 1)
    assert tuple(nxt.system_attrs[TAG_KEY]) == tags[0]  # trial 1 may still join: no tell yet
    study.tell(asked[0], 0.5)
    study.tell(nxt, 0.5)
    last = study.ask()
    last.suggest_float("x", -1, 1)
    assert last.system_attrs[TAG_KEY][2] == tags[0][2] + 1


def _xy(trial: Any) -> float:
    return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", -1, 1) ** 2


def _two_workers() -> tuple[Any, Any]:
    """Two studies on one storage, each with its own sampler: two workers in one process."""
    _quiet()
    storage = skipjack.storages.InMemoryStorage()
    mine = skipjack.create_study(storage=storage, sampler=CmaEsSampler(seed=0, popsize=4))
    other = skipjack.load_study(study_name=mine.study_name, storage=storage,
                                sampler=CmaEsSampler(seed=1, popsize=4))
    mine.optimize(_xy, n_trials=1)  # startup trial
    return mine, other


def _held(study: Any, seconds: float) -> Any:
    """Ask, sample, hold the trial for ``seconds`` (its duration), tell."""
    trial = study.ask()
    value = _xy(trial)
    time.sleep(seconds)
    study.tell(trial, value)
    return trial


def test_surplus_draw_waits_for_another_workers_member() -> None:
    """A draw that cannot join its generation (popsize finished trials are numbered below it)
    waits for another worker's lower-numbered member that still runs, and comes from the next
    generation."""
    mine, other = _two_workers()
    straggler = other.ask()
    _xy(straggler)  # generation 0, the lowest number
    finished = [_held(mine, 0.1) for _ in range(4)]  # popsize finished; durations ~0.1 s
    assert {t.system_attrs[TAG_KEY][2] for t in [straggler, *finished]} == {0}
    timer = threading.Timer(0.05, lambda: other.tell(straggler, 0.5))
    timer.start()
    try:
        started = time.monotonic()
        nxt = mine.ask()
        _xy(nxt)
        waited = time.monotonic() - started
    finally:
        timer.join()
    assert nxt.system_attrs[TAG_KEY][2] == 1  # drawn after generation 0 was told
    assert 0.04 < waited < 1.0


def test_surplus_draw_waits_once_for_a_trial_that_does_not_finish() -> None:
    """A member that never finishes (a dead worker) costs one bounded wait, then the draws go
    on from the open generation without waiting for it again."""
    mine, other = _two_workers()
    straggler = other.ask()
    _xy(straggler)
    for _ in range(4):
        _held(mine, 0.05)
    started = time.monotonic()
    first = mine.ask()
    _xy(first)
    waited = time.monotonic() - started
    assert 0.05 < waited < 1.0  # about twice the median duration
    assert first.system_attrs[TAG_KEY][2] == 0
    mine.tell(first, 1.0)
    started = time.monotonic()
    again = mine.ask()
    _xy(again)
    assert time.monotonic() - started < 0.05
    assert again.system_attrs[TAG_KEY][2] == 0  # the generation still waits for its member


def test_ipop_restart_grows_population() -> None:
    _quiet()
    sampler = CmaEsSampler(seed=0, restart_strategy="ipop", inc_popsize=2)

    def rastrigin(trial: Any) -> float:
        x = np.array([trial.suggest_float(f"x{i}", -5.12, 5.12) for i in range(3)])
        return float(30 + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))

    study = skipjack.create_study(sampler=sampler)
    study.optimize(rastrigin, n_trials=1200)
    state = sampler._state
    assert state.restart >= 1
    assert state.optimizer.population_size == 7 * 2**state.restart
    restarts = {t.system_attrs[TAG_KEY][1] for t in study.get_trials(deepcopy=False)[1:]}
    assert restarts == set(range(state.restart + 1))


@pytest.mark.parametrize(
    "kwargs",
    [{"with_margin": True}, {"lr_adapt": True},
     {"restart_strategy": "bipop"}, {"x0": {"x": 1.0, "i": 3}, "sigma0": 0.5}],
)
def test_options_on_a_mixed_space(kwargs: dict[str, Any]) -> None:
    _quiet()

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", 1e-3, 10, log=True)
        i = trial.suggest_int("i", -10, 10)
        j = trial.suggest_int("j", 1, 100, log=True)
        s = trial.suggest_float("s", 0, 1, step=0.1)
        c = trial.suggest_categorical("c", ["a", "b"])
        return (x - 1) ** 2 + np.log(y) ** 2 + (i - 3) ** 2 + np.log(j / 10) ** 2 + (
            s - 0.3) ** 2 + (c == "b")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = skipjack.create_study(sampler=CmaEsSampler(seed=0, **kwargs))
        study.optimize(objective, n_trials=300)
    best = study.best_params
    assert study.best_value < 1.0
    assert best["i"] == 3 and isinstance(best["i"], int) and isinstance(best["j"], int)
    assert best["c"] == "a" and 0.0 <= best["s"] <= 1.0


def test_separable_cma_on_a_20d_sphere() -> None:
    _quiet()
    sampler = CmaEsSampler(seed=0, use_separable_cma=True)
    study = skipjack.create_study(sampler=sampler)
    study.optimize(
        lambda t: sum((t.suggest_float(f"x{i}", -5, 5) - 0.5) ** 2 for i in range(20)),
        n_trials=3000,
    )
    assert study.best_value < 1e-3
    assert type(sampler._state.optimizer).__name__ == "SepCMA"


def test_categoricals_go_to_the_independent_sampler_with_a_warning() -> None:
    _quiet()

    class Counting(RandomSampler):
        calls: list[str] = []

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            self.calls.append(name)
            return super().sample_independent(study, trial, name, dist)

    sampler = CmaEsSampler(seed=0, independent_sampler=Counting(seed=0))

    def objective(trial: Any) -> float:
        return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1) + len(
            trial.suggest_categorical("c", ["a", "bb"]))

    study = skipjack.create_study(sampler=sampler)
    with pytest.warns(UserWarning, match="CmaEsSampler"):
        study.optimize(objective, n_trials=20)
    assert Counting.calls.count("c") == 20 and Counting.calls.count("x") == 1  # startup only


def test_warm_start_from_source_trials_starts_near_their_optimum() -> None:
    _quiet()

    def shifted(trial: Any) -> float:
        return (trial.suggest_float("x", -10, 10) - 6) ** 2 + (
            trial.suggest_float("y", -10, 10) + 6) ** 2

    source = skipjack.create_study(sampler=RandomSampler(seed=0))
    source.optimize(shifted, n_trials=200)
    sampler = CmaEsSampler(seed=0, source_trials=source.get_trials())
    study = skipjack.create_study(sampler=sampler)
    study.optimize(shifted, n_trials=3)
    mean = sampler._state.optimizer.mean
    assert np.linalg.norm(mean - np.array([6.0, -6.0])) < 3.0  # the centre would be 8.5 away


def test_consider_pruned_trials_tells_pruned_trials() -> None:
    _quiet()

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -1, 1)
        y = trial.suggest_float("y", -1, 1)
        trial.report(x**2 + y**2, 0)
        if trial.number % 2:
            raise TrialPruned()
        return x**2 + y**2

    for consider, expect_generations in ((True, 9), (False, 4)):
        sampler = CmaEsSampler(seed=0, popsize=5, consider_pruned_trials=consider)
        study = skipjack.create_study(sampler=sampler)
        study.optimize(objective, n_trials=48)
        assert sampler._state.tag[1] >= expect_generations
        states = {t.state for t in study.get_trials(deepcopy=False)}
        assert TrialState.PRUNED in states


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="restart_strategy.*Got 'foo'"):
        CmaEsSampler(restart_strategy="foo")
    with pytest.raises(ValueError, match="use_separable_cma and with_margin"):
        CmaEsSampler(use_separable_cma=True, with_margin=True)
    with pytest.raises(ValueError, match="source_trials"):
        CmaEsSampler(source_trials=[], x0={"x": 0})
    with pytest.raises(ValueError, match="sigma0.*Got -1"):
        CmaEsSampler(sigma0=-1)
    study = skipjack.create_study(directions=["minimize", "minimize"],
                                  sampler=CmaEsSampler(n_startup_trials=0))
    with pytest.raises(ValueError, match="multi-objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                       n_trials=3)


@pytest.mark.parametrize("box", [(-5.0, 5.0), (0.0, 0.3)])
def test_state_ask_draws_the_librarys_points(box: tuple[float, float]) -> None:
    """CmaState.ask (the sampling transform kept between eigendecompositions, the box test on
    Python floats) returns exactly what cmaes.CMA.ask would, redraws and clipping included."""
    from skipjack.distributions import FloatDistribution
    from skipjack.samplers._cmaes._state import CmaConfig, CmaState
    from skipjack.samplers._numeric_space import NumericSpace
    from skipjack._records import StudyDirection

    space = NumericSpace({f"x{i}": FloatDistribution(*box) for i in range(6)})
    config = CmaConfig(x0=None, sigma0=1.0, seed=5, popsize=None, inc_popsize=2,
                       restart_strategy=None, use_separable_cma=False, with_margin=False,
                       lr_adapt=False, consider_pruned_trials=False, source_trials=None,
                       direction=StudyDirection.MINIMIZE)
    ours, theirs = CmaState(config, space, 0), CmaState(config, space, 0)
    clipped = 0
    for generation in range(60):
        solutions = []
        for k in range(ours.optimizer.population_size):
            seed = 1000 * generation + k
            ours.optimizer.reseed_rng(seed)
            theirs.optimizer.reseed_rng(seed)
            x = ours.ask()
            np.testing.assert_array_equal(x, theirs.optimizer.ask())
            clipped += bool(np.any((x == box[0]) | (x == box[1])))
            solutions.append((x, float(np.sum((x - 0.1) ** 2))))
        ours.optimizer.tell(list(solutions))
        theirs.optimizer.tell(list(solutions))
    # the small box makes the library redraw 100 times and clip (the mean starts at its centre,
    # with a step size 3 times its width); the large one rarely redraws
    assert (clipped > 0) == (box[1] - box[0] < 1)

"""GPSampler behaviour: quality on Branin, parallel suggestions, degenerate histories, encoding."""

from __future__ import annotations

import itertools
import math
import threading
import warnings

import numpy as np
import pytest

import skipjack
from skipjack._records import TrialState, create_trial
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.samplers import GPSampler, RandomSampler
from skipjack.samplers._gp._data import cap_history
from skipjack.samplers._gp._encoding import Encoding
from skipjack.samplers._gp._gpr import _neg_log_posterior, _sq_dists, fit_gp
from skipjack.trial import BaseTrial

BRANIN_MIN = 0.397887357729738


def branin(trial: BaseTrial) -> float:
    x1 = trial.suggest_float("x1", -5.0, 10.0)
    x2 = trial.suggest_float("x2", 0.0, 15.0)
    a, b, c = 5.1 / (4 * math.pi**2), 5 / math.pi, 10 * (1 - 1 / (8 * math.pi))
    return (x2 - a * x1**2 + b * x1 - 6) ** 2 + c * math.cos(x1) + 10


@pytest.fixture(autouse=True)
def _quiet() -> None:
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)


def test_branin_within_1e_3_of_the_optimum_in_40_trials_for_4_of_5_seeds() -> None:
    gaps = []
    for seed in range(5):
        study = skipjack.create_study(sampler=GPSampler(seed=seed))
        study.optimize(branin, n_trials=40)
        gaps.append(study.best_value - BRANIN_MIN)
    assert sum(g < 1e-3 for g in gaps) >= 4, gaps


def _startup_study(n: int = 10) -> skipjack.Study:
    study = skipjack.create_study(sampler=GPSampler(seed=1, n_startup_trials=n))
    study.optimize(branin, n_trials=n)
    return study


def _unit(params: dict[str, float]) -> np.ndarray:
    return np.array([(params["x1"] + 5) / 15, params["x2"] / 15])


def _assert_spread(points: list[np.ndarray]) -> None:
    assert len(points) == 4
    for p, q in itertools.combinations(points, 2):
        assert np.linalg.norm(p - q) > 0.02, points


def test_four_threads_after_startup_get_distinct_spread_out_suggestions() -> None:
    study = _startup_study()
    barrier = threading.Barrier(4)
    points: list[np.ndarray] = []
    lock = threading.Lock()

    def worker() -> None:
        trial = study.ask()
        params = {"x1": trial.suggest_float("x1", -5.0, 10.0),
                  "x2": trial.suggest_float("x2", 0.0, 15.0)}
        with lock:
            points.append(_unit(params))
        barrier.wait(timeout=60)  # all four are running before any finishes
        study.tell(trial, branin(trial))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _assert_spread(points)


def test_running_trials_from_other_processes_are_believed() -> None:
    # Running trials whose parameters are in storage (e.g. another process) count as well: ask
    # four trials in a row without telling any.
    study = _startup_study()
    dists = {"x1": FloatDistribution(-5.0, 10.0), "x2": FloatDistribution(0.0, 15.0)}
    sampler = study.sampler
    assert isinstance(sampler, GPSampler)
    trials = [study.ask(dists) for _ in range(4)]
    sampler._pending.clear()  # only what the storage says
    points = [_unit(t.params) for t in trials]
    _assert_spread(points)


def _run_with(values, n_trials: int = 4, **kwargs):
    """Run a study whose objective returns the next of ``values``; return the warnings."""
    sampler = GPSampler(seed=0, n_startup_trials=kwargs.pop("n_startup_trials", 3))
    study = skipjack.create_study(sampler=sampler, **kwargs)
    it = iter(values)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(lambda t: (t.suggest_float("x", 0.0, 1.0), next(it))[1], n_trials=n_trials)
    assert all(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
    return [str(w.message) for w in caught]


def test_all_equal_values_fall_back_with_a_reason() -> None:
    messages = _run_with([1.0] * 5, n_trials=5)
    assert any("RandomSampler" in m and "same value" in m for m in messages), messages


def test_single_trial_falls_back_with_a_reason() -> None:
    messages = _run_with([1.0, 2.0], n_trials=2, n_startup_trials=1)
    assert any("only 1 complete trial" in m for m in messages), messages


def test_all_infinite_values_fall_back_with_a_reason() -> None:
    messages = _run_with([math.inf] * 5, n_trials=5)
    assert any("infinite" in m for m in messages), messages


def test_some_infinite_values_are_clipped_without_fallback() -> None:
    messages = _run_with([1.0, math.inf, 3.0, -math.inf, 2.0, 0.5], n_trials=6)
    assert not any("instead of the Gaussian process" in m for m in messages), messages


def test_duplicate_points_do_not_break_the_fit() -> None:
    for deterministic in (False, True):
        study = skipjack.create_study(
            sampler=GPSampler(seed=0, n_startup_trials=6, deterministic_objective=deterministic)
        )
        dist = {"x": FloatDistribution(0.0, 1.0)}
        for i in range(6):  # three points, each observed twice with different values
            study.add_trial(create_trial(value=float(i), params={"x": 0.25 * (i % 3)},
                                         distributions=dist))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3)
        assert len(study.get_trials(deepcopy=False)) == 9
        assert not any("instead of the Gaussian process" in str(w.message) for w in caught)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"n_startup_trials": -1}, "n_startup_trials"), ({"max_history": 1}, "max_history"),
     ({"n_startup_trials": 2.5}, "n_startup_trials")],
)
def test_bad_arguments_name_the_argument(kwargs, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        GPSampler(**kwargs)


def test_encoding_round_trips_every_kind_of_parameter() -> None:
    space = {
        "f": FloatDistribution(-2.0, 3.0),
        "lf": FloatDistribution(1e-4, 1.0, log=True),
        "sf": FloatDistribution(0.0, 1.0, step=0.25),
        "i": IntDistribution(-3, 7),
        "li": IntDistribution(1, 1000, log=True),
        "si": IntDistribution(0, 10, step=2),
        "c": CategoricalDistribution(["a", None, 1.5]),
    }
    enc = Encoding(space)
    rng = np.random.default_rng(0)
    sampler = RandomSampler(seed=0)
    for _ in range(50):
        params = {n: sampler.sample_independent(None, None, n, d) for n, d in space.items()}  # type: ignore[arg-type]
        X = enc.encode([params])
        assert np.all(X[0, ~enc.is_cat] >= 0) and np.all(X[0, ~enc.is_cat] <= 1)
        decoded = enc.decode(enc.round(X)[0])
        assert decoded.keys() == params.keys()
        for n, v in params.items():
            if n == "c":
                assert decoded[n] == v
            else:
                assert decoded[n] == pytest.approx(v, rel=1e-9), n
        # any point of the cube decodes into the distributions
        anywhere = enc.round(rng.random((1, enc.dim)) * np.where(enc.is_cat, enc.n_choices, 1))
        for n, v in enc.decode(anywhere[0]).items():
            assert space[n]._contains(space[n].to_internal_repr(v)), (n, v)
        assert isinstance(decoded["i"], int) and isinstance(decoded["li"], int)


def test_hyperparameter_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((20, 3))
    X[:, 2] = rng.integers(0, 3, 20)
    is_cat = np.array([False, False, True])
    y = np.sin(5 * X[:, 0]) + X[:, 1] + 0.3 * X[:, 2]
    y = (y - y.mean()) / y.std()
    P = _sq_dists(X, X, is_cat)
    theta = np.array([-0.5, 0.2, 0.1, 0.3, -5.0])
    _, grad = _neg_log_posterior(theta, P, y, False)
    eps = 1e-6
    for j in range(len(theta)):
        e = np.zeros_like(theta)
        e[j] = eps
        numeric = (_neg_log_posterior(theta + e, P, y, False)[0]
                   - _neg_log_posterior(theta - e, P, y, False)[0]) / (2 * eps)
        assert grad[j] == pytest.approx(numeric, rel=1e-4, abs=1e-5)
    gp = fit_gp(X, y, is_cat, False)
    mean, _, _, _ = gp.posterior(X)
    assert np.corrcoef(mean, y)[0, 1] > 0.95  # the fit explains the data


def test_history_cap_keeps_the_best_half_and_the_most_recent() -> None:
    losses = np.arange(100, dtype=float)[::-1].reshape(-1, 1)  # later trials are better
    losses[3] = -10.0  # one early, very good trial
    keep = cap_history([None] * 100, losses, 20)  # type: ignore[list-item]
    assert len(keep) == 20
    assert 3 in keep
    assert set(range(90, 100)) <= set(keep.tolist())
    assert len(cap_history([None] * 10, losses[:10], 20)) == 10  # type: ignore[list-item]


def test_max_history_bounds_the_training_set() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=5, max_history=12)
    study = skipjack.create_study(sampler=sampler)
    study.optimize(branin, n_trials=25)
    (theta_key,) = [k for k in sampler._theta_cache if k[1] == "objective"]
    assert theta_key  # the GP was used
    assert study.best_value < 5.0


def test_output_warp_is_monotone_and_keeps_small_differences_near_the_minimum() -> None:
    from skipjack.samplers._gp._data import warp

    y = np.array([1e6, 3.0, 2.0, 2.001, 50.0, 1e3])
    w = warp(y)
    assert np.array_equal(np.argsort(w), np.argsort(y))
    warped = (w - w.min()) / (w.max() - w.min())
    plain = (y - y.min()) / (y.max() - y.min())
    # a 1e-3 step near the minimum is far more visible than under plain standardization
    assert warped[3] - warped[2] > 100 * (plain[3] - plain[2])
    assert np.all(np.isfinite(warp(np.zeros(4))))  # constant column: no division by zero

"""TPE building blocks: densities integrate to one, the history is ingested once, the cap keeps
the weight and the best kernels, the fast bandwidth paths agree with the plain rule, and the
incrementally kept kernels of the bad group score like an estimator built from scratch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import skipjack as sj
from skipjack._records import StudyDirection
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.samplers import TPESampler
from skipjack.samplers._tpe import _history
from skipjack.samplers._tpe._gauss import log_gauss_mass
from skipjack.samplers._tpe._history import History
from skipjack.samplers._tpe._parzen import (
    EstimatorSettings,
    ParzenEstimator,
    Workspace,
    bandwidths_from_sorted,
    numeric_bandwidths,
    subset_bandwidths,
)
from skipjack.samplers._tpe._row_kernels import RowKernels, gather_mixture
from skipjack.samplers._tpe._space import make_spec
from skipjack.samplers._tpe._split import cap_above, split_rows
from skipjack.trial import create_trial


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


@pytest.mark.parametrize(
    ("a", "b"), [(-1.0, 1.0), (2.0, 2.5), (-9.0, -8.5), (6.0, 6.01), (-0.5, math.inf), (30.0, 31.0)]
)
def test_log_gauss_mass_matches_erfc_in_the_tails(a: float, b: float) -> None:
    if a >= 0:
        expected = math.log(0.5 * math.erfc(a / math.sqrt(2)) - 0.5 * math.erfc(b / math.sqrt(2)))
    else:
        expected = math.log(_phi(b) - _phi(a))
    got = float(log_gauss_mass(np.array([a]), np.array([b]))[0])
    assert got == pytest.approx(expected, abs=1e-4)


def _estimator(dist: Any, values: list[float], **kw: Any) -> ParzenEstimator:
    spec = make_spec("p", dist)
    obs = np.array([[dist.to_internal_repr(v)] for v in values]).reshape(len(values), 1)
    return ParzenEstimator([spec], obs, np.ones(len(values)), EstimatorSettings(**kw))


@pytest.mark.parametrize("log", [False, True])
def test_continuous_density_integrates_to_one(log: bool) -> None:
    dist = FloatDistribution(0.01, 10.0, log=log)
    pe = _estimator(dist, [0.02, 0.5, 0.51, 3.0, 9.9])
    if log:
        grid = np.exp(np.linspace(math.log(0.01), math.log(10.0), 20001))
    else:
        grid = np.linspace(0.01, 10.0, 20001)
    density = np.exp(pe.log_pdf(grid[:, None]))
    # log parameters are modelled in log space: the density is with respect to log(x)
    coords = np.log(grid) if log else grid
    assert np.trapezoid(density, coords) == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize(
    "dist", [IntDistribution(-3, 7), IntDistribution(1, 300, log=True),
             IntDistribution(0, 20, step=4), FloatDistribution(0.0, 1.0, step=0.125)]
)
def test_grid_probabilities_sum_to_one(dist: Any) -> None:
    low, high = dist.low, dist.high
    step = dist.step if not getattr(dist, "log", False) else 1
    grid = np.arange(low, high + step / 2, step, dtype=float)
    pe = _estimator(dist, [float(grid[1]), float(grid[-2]), float(grid[len(grid) // 2])])
    total = np.exp(pe.log_pdf(grid[:, None])).sum()
    assert total == pytest.approx(1.0, abs=1e-6)
    samples = pe.sample(np.random.default_rng(0), 200)[:, 0]
    assert np.all(np.isin(samples, grid))


def test_categorical_probabilities_sum_to_one_and_favour_observed() -> None:
    dist = CategoricalDistribution(["a", "b", "c", "d"])
    pe = _estimator(dist, ["b", "b", "c"])
    probs = np.exp(pe.log_pdf(np.arange(4.0)[:, None]))
    assert probs.sum() == pytest.approx(1.0)
    assert probs[1] > probs[2] > probs[0]

    close = _estimator(dist, ["a"], categorical_distance_func={"p": lambda x, y: abs(ord(x) - ord(y))})
    probs = np.exp(close.log_pdf(np.arange(4.0)[:, None]))
    assert probs.sum() == pytest.approx(1.0)
    assert probs[0] > probs[1] > probs[2] > probs[3]


def test_fast_bandwidth_paths_agree_with_the_plain_rule() -> None:
    rng = np.random.default_rng(0)
    mus = rng.uniform(-5, 5, (300, 3))
    lo, hi = np.full(3, -5.0), np.full(3, 5.0)
    keep = rng.choice(300, 60, replace=False)
    for settings in (EstimatorSettings(), EstimatorSettings(consider_endpoints=True)):
        full = numeric_bandwidths(mus, lo, hi, settings)[keep]
        np.testing.assert_allclose(subset_bandwidths(mus, keep, lo, hi, settings), full)
        sorted_cols = [np.sort(mus[:, j]) for j in range(3)]
        np.testing.assert_allclose(
            bandwidths_from_sorted(mus[keep], sorted_cols, lo, hi, settings), full
        )


def test_each_finished_trial_is_ingested_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = History.add

    def counting(self: History, trial: Any, constraints: Any) -> None:
        calls.append(trial.number)
        original(self, trial, constraints)

    monkeypatch.setattr(_history.History, "add", counting)
    sj.logging.set_verbosity(sj.logging.WARNING)
    study = sj.create_study(sampler=TPESampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("i", 0, 5), n_trials=40)
    assert sorted(calls) == list(range(39))  # the last trial finishes after the last sampling


def _history_of(values: list[float]) -> History:
    history = History([StudyDirection.MINIMIZE])
    dist = FloatDistribution(0.0, 1.0)
    for i, v in enumerate(values):
        trial = create_trial(value=v, params={"x": (i % 10) / 10}, distributions={"x": dist})
        history.add(trial, None)
    return history


def test_split_and_cap_keep_the_best_and_the_total_weight() -> None:
    rng = np.random.default_rng(1)
    values = list(rng.normal(size=500))
    history = _history_of(values)
    below, above = split_rows(history, 25, history.n)
    assert len(below) == 25 and len(above) == 475
    assert max(values[i] for i in below) <= min(values[i] for i in above)

    weights = np.linspace(0.1, 1.0, len(above))
    kept, kept_w = cap_above(history, above, weights, 100, np.random.default_rng(0))
    assert len(kept) <= 100
    assert kept_w.sum() == pytest.approx(weights.sum())
    best_above = sorted(above, key=lambda i: values[i])[:50]
    assert set(best_above) <= set(kept.tolist())
    assert np.all(np.diff(kept) > 0)


def test_capped_sampler_still_samples_inside_the_space() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=5)
    sampler.max_above_kernels = 8
    study = sj.create_study(sampler=sampler)
    study.optimize(
        lambda t: (t.suggest_float("x", -2, 2) - 1) ** 2 + t.suggest_int("n", 0, 9)
        + {"a": 0, "b": 1}[t.suggest_categorical("c", ["a", "b"])],
        n_trials=60,
    )
    assert study.best_value < 1.0
    for t in study.get_trials(deepcopy=False):
        assert -2 <= t.params["x"] <= 2 and 0 <= t.params["n"] <= 9


def _mixed_history(n: int, seed: int) -> tuple[History, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    space = {
        "f": FloatDistribution(-5.0, 5.0),
        "lf": FloatDistribution(0.01, 10.0, log=True),
        "i": IntDistribution(-10, 10),
        "big": IntDistribution(0, 1000),  # too many grid points for a table: scored per kernel
        "c": CategoricalDistribution(["a", "b", "c"]),
    }
    history = History([StudyDirection.MINIMIZE])
    for _ in range(n):
        params = {
            "f": float(rng.uniform(-5, 5)),
            "lf": float(np.exp(rng.uniform(math.log(0.01), math.log(10.0)))),
            "i": int(rng.integers(-10, 11)),
            "big": int(rng.integers(0, 1001)),
            "c": ["a", "b", "c"][int(rng.integers(3))],
        }
        history.add(create_trial(value=float(rng.normal()), params=params, distributions=space),
                    None)
    return history, space


@pytest.mark.parametrize("n", [5, 97, 150])
def test_row_kernels_kept_one_row_at_a_time_match_the_plain_rule(n: int) -> None:
    history, space = _mixed_history(n, seed=n)
    settings = EstimatorSettings()
    names = ("f", "lf", "i", "big")
    kernels = [RowKernels(make_spec(name, space[name]), False, True) for name in names]
    for rows in range(1, n + 1):  # one new trial per sampling step
        RowKernels.update_all(kernels, history.columns, rows)
    for incremental in kernels:
        spec = incremental.spec
        coords = spec.transform(history.columns[spec.name].values.view)[:, None]
        lo, hi = np.array([spec.lo_t]), np.array([spec.hi_t])
        expected = numeric_bandwidths(coords, lo, hi, settings)[:, 0]
        np.testing.assert_allclose(incremental.sigma[:n], expected, rtol=1e-12)
        mass = ParzenEstimator.kernel_log_mass(coords, expected[:, None], lo, hi)[:, 0]
        np.testing.assert_allclose(incremental.log_mass[:n], mass, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("with_lies", [False, True])
def test_gathered_mixture_scores_like_the_estimator_of_the_same_kernels(with_lies: bool) -> None:
    history, space = _mixed_history(200, seed=1)
    settings = EstimatorSettings()
    specs = [make_spec(name, d) for name, d in space.items()]
    kernels = []
    for spec in specs:
        if not spec.categorical:
            rk = RowKernels(spec, False, True)
            rk.update(history.columns[spec.name], history.n)
            kernels.append(rk)
    rng = np.random.default_rng(2)
    rows = np.sort(rng.choice(history.n, 120, replace=False))
    weights = rng.uniform(0.1, 1.0, len(rows))
    obs = history.column_values(list(space), rows)
    lies = obs[:3] + np.array([0.5, 0.0, 1.0, 1.0, 0.0]) if with_lies else None
    mixture = gather_mixture(specs, kernels, history.columns, rows, weights, lies, settings,
                             Workspace())
    sigmas = np.stack([rk.sigma[rows] for rk in kernels], axis=1)
    if lies is not None:
        lo, hi = ParzenEstimator.domain(specs)
        lie_sigmas = bandwidths_from_sorted(ParzenEstimator.coordinates(specs, lies),
                                            [rk.sorted for rk in kernels], lo, hi, settings)
        obs = np.vstack([obs, lies])
        weights = np.concatenate([weights, np.ones(len(lies))])
        sigmas = np.vstack([sigmas, lie_sigmas])
    plain = ParzenEstimator(specs, obs, weights, settings, bandwidths=sigmas)
    points = plain.sample(rng, 50)
    np.testing.assert_allclose(mixture.log_pdf(points), plain.log_pdf(points), rtol=1e-9)

"""TPESampler behaviour: reproducibility, constant liar, group decomposition, constraints, quality.

Every comparison runs several seeds and compares medians, so no single lucky seed decides it.
"""

from __future__ import annotations

import math
import threading
import warnings
from typing import Any

import numpy as np
import pytest

import skipjack as sj
from skipjack.distributions import CategoricalDistribution, FloatDistribution
from skipjack.samplers import RandomSampler, TPESampler
from skipjack.trial import create_trial
from skipjack.testing.sampler_suite import mixed_objective
from skipjack.trial import BaseTrial

SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    level = sj.logging.get_verbosity()
    sj.logging.set_verbosity(sj.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield
    sj.logging.set_verbosity(level)


def _params(study: sj.Study) -> list[dict[str, Any]]:
    return [t.params for t in study.get_trials(deepcopy=False)]


# --- reproducibility --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs", [{}, {"multivariate": False}, {"group": True}, {"constant_liar": False}]
)
def test_same_seed_same_sequence(kwargs: dict[str, Any]) -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        study = sj.create_study(sampler=TPESampler(seed=seed, **kwargs))
        study.optimize(mixed_objective, n_trials=30)
        return _params(study)

    first = run(7)
    assert first == run(7)
    assert first != run(8)


def test_same_seed_same_sequence_multi_objective() -> None:
    def run() -> list[dict[str, Any]]:
        study = sj.create_study(directions=["minimize", "minimize"],
                                sampler=TPESampler(seed=3))
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)),
                       n_trials=25)
        return _params(study)

    assert run() == run()


# --- constant liar ----------------------------------------------------------------------------


def _min_distance_in_parallel_batches(constant_liar: bool, seed: int) -> float:
    """10 sequential trials, then 20 on 4 threads that each wait for the other three.

    The barrier makes every batch of 4 suggestions happen while the other 3 trials of the batch
    are running, which is the situation the constant liar is for.
    """
    study = sj.create_study(sampler=TPESampler(seed=seed, constant_liar=constant_liar))

    def f(t: BaseTrial) -> float:
        return (t.suggest_float("x", -5, 5) - 1) ** 2 + (t.suggest_float("y", -5, 5) + 1) ** 2

    study.optimize(f, n_trials=10)
    barrier = threading.Barrier(4, timeout=10)

    def g(t: BaseTrial) -> float:
        value = f(t)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return value

    study.optimize(g, n_trials=20, n_jobs=4)
    pts = np.array([[t.params["x"], t.params["y"]] for t in study.get_trials(deepcopy=False)[10:]])
    assert len(pts) == 20
    dist = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    dist[np.eye(len(pts), dtype=bool)] = np.inf
    # trials are numbered in start order: each run of 4 numbers was suggested concurrently
    return float(np.mean([dist[i : i + 4, i : i + 4].min() for i in range(0, 20, 4)]))


def test_constant_liar_spreads_parallel_suggestions() -> None:
    """The minimum distance between concurrent suggestions, liar against no liar."""
    with_liar = np.median([_min_distance_in_parallel_batches(True, s) for s in SEEDS])
    without = np.median([_min_distance_in_parallel_batches(False, s) for s in SEEDS])
    assert with_liar > 1.5 * without, (with_liar, without)


# --- group decomposition ----------------------------------------------------------------------


def _branchy(t: BaseTrial) -> float:
    """Branch "a" has two coupled parameters (best when a1 == a2 == 0.7); "b" has its own one."""
    branch = t.suggest_categorical("branch", ["a", "b"])
    if branch == "a":
        a1 = t.suggest_float("a1", 0.0, 1.0)
        a2 = t.suggest_float("a2", 0.0, 1.0)
        return 10 * (a1 - a2) ** 2 + (a1 - 0.7) ** 2
    return 0.2 + (t.suggest_float("b1", 0.0, 1.0) - 0.3) ** 2


def test_group_samples_conditional_parameters_jointly_from_their_branch() -> None:
    sampler = TPESampler(seed=0, group=True)
    study = sj.create_study(sampler=sampler)
    study.optimize(_branchy, n_trials=20)
    trial = study.ask()
    space = trial.relative_search_space
    # each branch's parameters form their own group, so they are sampled jointly
    assert {"branch", "a1", "a2", "b1"} <= set(space)
    groups = [set(g) for g in sampler._tracker.groups()]
    assert {"a1", "a2"} in groups and {"b1"} in groups and {"branch"} in groups
    study.tell(trial, 1.0)

    independent: list[str] = []
    original = sampler.sample_independent

    def spy(study: Any, trial: Any, name: str, dist: Any) -> Any:
        independent.append(name)
        return original(study, trial, name, dist)

    sampler.sample_independent = spy  # type: ignore[method-assign]
    study.optimize(_branchy, n_trials=20)
    assert independent == []  # nothing fell back to one-at-a-time sampling


def _two_cluster_history(study: sj.Study, seed: int) -> None:
    """Branch "a" is good near (0.8, 0.2) and (0.2, 0.8), bad near (0.2, 0.2) and (0.8, 0.8);
    branch "b" trials are mediocre.

    Each marginal of a1 (or a2) alone looks the same for good and bad trials: only the joint
    (a1, a2) history of branch "a" tells them apart, which ``group=True`` models (the flat
    multivariate space holds only "branch", so a1 and a2 are sampled one at a time).
    """
    rng = np.random.default_rng(seed)
    dists_a = {"branch": CategoricalDistribution(["a", "b"]),
               "a1": FloatDistribution(0.0, 1.0), "a2": FloatDistribution(0.0, 1.0)}
    dists_b = {"branch": CategoricalDistribution(["a", "b"]), "b1": FloatDistribution(0.0, 1.0)}
    centres = [((0.8, 0.2), 0.0), ((0.2, 0.8), 0.0), ((0.2, 0.2), 1.0), ((0.8, 0.8), 1.0)]
    for k in range(40):
        (c1, c2), base = centres[k % 4]
        a1, a2 = np.clip([c1, c2] + rng.normal(0, 0.05, 2), 0, 1)
        study.add_trial(create_trial(value=base + 0.01 * k, distributions=dists_a,
                                     params={"branch": "a", "a1": float(a1), "a2": float(a2)}))
        study.add_trial(create_trial(value=0.5, distributions=dists_b,
                                     params={"branch": "b", "b1": float(rng.random())}))


def _good_fraction(group: bool, seed: int) -> float:
    study = sj.create_study(sampler=TPESampler(seed=seed, group=group))
    _two_cluster_history(study, seed)
    good = 0
    for _ in range(10):
        study.enqueue_trial({"branch": "a"})
        trial = study.ask()
        a1 = trial.suggest_float("a1", 0.0, 1.0)
        a2 = trial.suggest_float("a2", 0.0, 1.0)
        gap = min(math.hypot(a1 - 0.8, a2 - 0.2), math.hypot(a1 - 0.2, a2 - 0.8))
        good += gap < 0.15
        study.tell(trial, gap)
    return good / 10


def test_group_samples_a_branch_from_that_branch_jointly() -> None:
    grouped = np.median([_good_fraction(True, s) for s in SEEDS])
    independent = np.median([_good_fraction(False, s) for s in SEEDS])
    assert grouped >= independent + 0.2, (grouped, independent)


def test_group_requires_multivariate() -> None:
    with pytest.raises(ValueError, match="group"):
        TPESampler(group=True, multivariate=False)


# --- constraints ------------------------------------------------------------------------------


def _constrained(use: str) -> tuple[Any, Any]:
    """minimise x^2 + y^2 subject to x + y >= 2 (optimum 2 at x = y = 1)."""

    def violation(x: float, y: float) -> float:
        return 2.0 - (x + y)

    def objective(t: Any) -> float:
        x = t.suggest_float("x", -3.0, 3.0)
        y = t.suggest_float("y", -3.0, 3.0)
        c = violation(x, y)
        t.set_user_attr("c", c)
        if use == "set_constraint":
            t.set_constraint("sum", c)
        return x * x + y * y

    def constraints_func(trial: Any) -> list[float]:
        return [trial.user_attrs["c"]]

    return objective, constraints_func


def _best_feasible(use: str, seed: int) -> float:
    objective, constraints_func = _constrained(use)
    kwargs: dict[str, Any] = {"seed": seed}
    if use == "constraints_func":
        kwargs["constraints_func"] = constraints_func
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sampler = TPESampler(**kwargs)
    study = sj.create_study(sampler=sampler)
    study.optimize(objective, n_trials=60)
    feasible = [t.value for t in study.get_trials(deepcopy=False) if t.user_attrs["c"] <= 0]
    return min(feasible) if feasible else math.inf


@pytest.mark.parametrize("use", ["set_constraint", "constraints_func"])
def test_constraints_beat_ignoring_them(use: str) -> None:
    aware = [_best_feasible(use, s) for s in SEEDS]
    ignoring = [_best_feasible("ignore", s) for s in SEEDS]
    assert np.median(aware) < np.median(ignoring), (aware, ignoring)
    assert np.median(aware) < 2.5  # the constrained optimum is 2


# --- arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"consider_prior": True},
        {"prior_weight": 2.0},
        {"consider_magic_clip": False},
        {"consider_endpoints": True},
        {"gamma": lambda n: min(n, 5)},
        {"weights": lambda n: np.ones(n)},
        {"warn_independent_sampling": False},
        {"constraints_func": lambda t: [0.0]},
    ],
)
def test_deprecated_arguments_warn_and_still_work(kwargs: dict[str, Any]) -> None:
    name = next(iter(kwargs))
    with pytest.warns(FutureWarning, match=name):
        sampler = TPESampler(seed=0, **kwargs)
    study = sj.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("i", 0, 3),
                   n_trials=20)
    assert len(study.get_trials(deepcopy=False)) == 20


def test_default_arguments_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TPESampler()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_startup_trials": -1}, "n_startup_trials"),
        ({"n_ei_candidates": 0}, "n_ei_candidates"),
        ({"prior_weight": 0.0}, "prior_weight"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match=name):
            TPESampler(**kwargs)


def test_bad_weights_function_is_reported() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sampler = TPESampler(seed=0, n_startup_trials=2, weights=lambda n: np.ones(n + 1))
    study = sj.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    with pytest.raises(ValueError, match="weights"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_multivariate_is_decided_per_study() -> None:
    sampler = TPESampler(seed=0)
    single = sj.create_study(sampler=sampler)
    single.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=3)
    assert set(single.ask().relative_search_space) == {"x", "y"}

    sampler = TPESampler(seed=0)
    multi = sj.create_study(directions=["minimize", "minimize"], sampler=sampler)
    multi.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=3)
    assert multi.ask().relative_search_space == {}


# --- quality ----------------------------------------------------------------------------------


def _quadratic(t: BaseTrial) -> float:
    x = [t.suggest_float(f"x{i}", -5.0, 5.0) for i in range(3)]
    n = t.suggest_int("n", -10, 10)
    c = t.suggest_categorical("c", ["good", "bad", "worse"])
    return sum((v - 1.0) ** 2 for v in x) + (n - 3) ** 2 / 10 + {"good": 0, "bad": 1, "worse": 2}[c]


def test_beats_random_search_on_a_quadratic() -> None:
    def best(sampler: Any) -> float:
        study = sj.create_study(sampler=sampler)
        study.optimize(_quadratic, n_trials=80)
        return study.best_value

    seeds = range(5)
    tpe = [best(TPESampler(seed=s)) for s in seeds]
    rnd = [best(RandomSampler(seed=s)) for s in seeds]
    assert sum(a < b for a, b in zip(tpe, rnd)) >= 4, (tpe, rnd)
    assert np.median(tpe) < 0.5 * np.median(rnd), (tpe, rnd)


def test_multi_objective_beats_random_search_in_hypervolume() -> None:
    from skipjack._mo._hypervolume import compute_hypervolume

    def objective(t: BaseTrial) -> tuple[float, float]:
        x = t.suggest_float("x", 0.0, 1.0)
        ys = [t.suggest_float(f"y{i}", 0.0, 1.0) for i in range(3)]
        g = 1 + 9 * sum(ys) / 3
        return x, g * (1 - math.sqrt(x / g))  # ZDT1

    def hv(sampler: Any) -> float:
        study = sj.create_study(directions=["minimize", "minimize"], sampler=sampler)
        study.optimize(objective, n_trials=80)
        pts = np.array([t.values for t in study.get_trials(deepcopy=False)])
        return compute_hypervolume(pts, np.array([1.1, 11.0]))

    tpe = [hv(TPESampler(seed=s)) for s in SEEDS]
    rnd = [hv(RandomSampler(seed=s)) for s in SEEDS]
    assert np.median(tpe) > np.median(rnd), (tpe, rnd)


def test_pruned_and_infeasible_trials_rank_below_feasible_complete_ones() -> None:
    study = sj.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))

    def objective(t: BaseTrial) -> float:
        x = t.suggest_float("x", 0.0, 1.0)
        if t.number % 3 == 0:
            t.report(-100.0, 1)  # a pruned trial's (excellent) intermediate value must not win
            raise sj.TrialPruned()
        return (x - 0.25) ** 2

    study.optimize(objective, n_trials=40)
    complete = [t for t in study.get_trials(deepcopy=False)
                if t.state == sj.trial.TrialState.COMPLETE]
    assert abs(min(complete, key=lambda t: t.value).params["x"] - 0.25) < 0.1

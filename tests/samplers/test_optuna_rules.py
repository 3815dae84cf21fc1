"""Optuna's rules the samplers and pruners follow so Optuna and skipjack workers can share a study:
storage keys, warnings, method signatures and errors."""

from __future__ import annotations

import math
import warnings
from typing import Any
from unittest.mock import Mock, patch

import numpy as np
import pytest

import skipjack as sj
from skipjack.distributions import (
    DISTRIBUTION_CLASSES,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    json_to_distribution,
)
from skipjack.exceptions import ExperimentalWarning
from skipjack.samplers import (
    BruteForceSampler,
    NSGAIIISampler,
    NSGAIISampler,
    PartialFixedSampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)
from skipjack.samplers.nsgaii import PolynomialMutation, SBXCrossover

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning",
                                        "ignore::skipjack.exceptions.ExperimentalWarning")


@pytest.fixture(autouse=True)
def _quiet() -> None:
    sj.logging.set_verbosity(sj.logging.WARNING)


@pytest.mark.parametrize(
    "make",
    [
        lambda: QMCSampler(),
        lambda: BruteForceSampler(),
        lambda: PartialFixedSampler({}, RandomSampler()),
        lambda: NSGAIIISampler(),
        lambda: sj.pruners.PatientPruner(None, patience=1),
        lambda: sj.pruners.WilcoxonPruner(),
        lambda: SBXCrossover(),
        lambda: PolynomialMutation(),
        lambda: TPESampler(group=True),
        lambda: NSGAIISampler(after_trial_strategy=lambda *a: None),
        lambda: NSGAIISampler(child_generation_strategy=lambda *a: {}),
        lambda: NSGAIISampler(elite_population_selection_strategy=lambda s, p: p),
        lambda: sj.samplers.CmaEsSampler(with_margin=True),
        lambda: sj.samplers.CmaEsSampler(lr_adapt=True),
        lambda: sj.samplers.CmaEsSampler(consider_pruned_trials=True),
        lambda: sj.samplers.GPSampler(deterministic_objective=True),
    ],
)
def test_experimental_warnings_where_optuna_emits_them(make: Any) -> None:
    with pytest.warns(ExperimentalWarning, match="experimental"):
        make()


def test_no_experimental_warning_for_stable_defaults() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TPESampler()
        NSGAIISampler()
        RandomSampler()
        sj.samplers.GPSampler()


@pytest.mark.parametrize("make", [
    lambda f: TPESampler(constraints_func=f, n_startup_trials=2, seed=0),
    lambda f: NSGAIISampler(constraints_func=f, population_size=2, seed=0),
])
def test_constraints_func_values_are_stored_on_the_trial(make: Any) -> None:
    calls: list[int] = []

    def constraints(trial: sj.trial.FrozenTrial) -> tuple[float, ...]:
        calls.append(trial.number)
        return (trial.number - 2.0, 1.0)

    storage = sj.storages.InMemoryStorage()
    study = sj.create_study(storage=storage, directions=["minimize", "minimize"],
                            sampler=make(constraints))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                   n_trials=5)
    assert calls == list(range(5))  # once per finished trial, in after_trial
    for t in study.get_trials(deepcopy=False):
        assert t.system_attrs["constraints"] == [t.number - 2.0, 1.0]
        assert list(t.constraints.values()) == [t.number - 2.0, 1.0]
    # a second worker (no constraints_func) reads them from the storage
    loaded = sj.load_study(study_name=study.study_name, storage=storage)
    assert [t.system_attrs["constraints"][0] for t in loaded.trials] == [-2, -1, 0, 1, 2]


def test_nan_constraint_stops_optimize_and_stores_none() -> None:
    sampler = NSGAIISampler(constraints_func=lambda t: (float("nan"),), population_size=2)
    study = sj.create_study(directions=["minimize", "minimize"], sampler=sampler)
    with pytest.raises(ValueError, match="NaN"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                       n_trials=4)
    [trial] = study.get_trials()
    assert trial.state == sj.trial.TrialState.COMPLETE and trial.constraints == {}


def test_nsga_generation_uses_optunas_key() -> None:
    for cls in (NSGAIISampler, NSGAIIISampler):
        study = sj.create_study(directions=["minimize", "minimize"],
                                sampler=cls(population_size=4, seed=0))
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                       n_trials=12)
        key = f"{cls.__name__}:generation"
        assert cls._get_generation_key() == key
        gens = [t.system_attrs.get(key) for t in study.trials]
        # trial 0 has nothing to sample jointly, but sample_relative runs and tags it (as Optuna)
        assert gens == [0] * 4 + [1] * 4 + [2] * 4


class _CountingSampler(RandomSampler):
    """Records the order of the sampler calls of every trial."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.calls: list[tuple[str, int, Any]] = []

    def infer_relative_search_space(self, study: Any, trial: Any) -> Any:
        self.calls.append(("infer", trial.number, None))
        return super().infer_relative_search_space(study, trial)

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> Any:
        self.calls.append(("relative", trial.number, dict(search_space)))
        return super().sample_relative(study, trial, search_space)

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        self.calls.append(("independent", trial.number, name))
        return super().sample_independent(study, trial, name, dist)


def test_sample_relative_runs_once_per_trial_even_for_an_empty_space() -> None:
    # Optuna runs sample_relative at the first suggest its sampler decides, whatever the space;
    # samplers count on it (GA generations) and so do Optuna's tests (Hyperband, CMA-ES).
    sampler = _CountingSampler()
    study = sj.create_study(sampler=sampler)

    def objective(trial: sj.Trial) -> float:
        if trial.number == 1:
            return 0.0  # suggests nothing: no relative sampling
        fixed = trial.suggest_float("fixed", 1.0, 1.0)  # one value: no sampler call
        return fixed + trial.suggest_float("x", 0, 1) + trial.suggest_int("n", 0, 3)

    study.enqueue_trial({"x": 0.5, "n": 1})  # trial 0: every parameter enqueued
    study.optimize(objective, n_trials=4)
    per_trial = {n: [(c[0], c[2]) for c in sampler.calls if c[1] == n] for n in range(4)}
    assert per_trial[0] == [("infer", None)]
    assert per_trial[1] == [("infer", None)]
    for n in (2, 3):
        assert per_trial[n] == [("infer", None), ("relative", {}), ("independent", "x"),
                                ("independent", "n")]


def test_sample_relative_runs_before_the_first_independent_draw() -> None:
    # A name outside the relative space suggested first still runs the joint sampling first.
    sampler = _CountingSampler()
    space = {"x": FloatDistribution(0, 1)}
    sampler.infer_relative_search_space = lambda study, trial: space  # type: ignore[method-assign]
    study = sj.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("x", 0, 1), n_trials=1)
    assert [c[0] for c in sampler.calls] == ["relative", "independent", "independent"]


def test_polynomial_mutation_has_optunas_signature() -> None:
    rng = Mock()
    rng.rand = Mock(return_value=0.25)
    study = sj.create_study()
    value = PolynomialMutation(eta=1.0).mutation(param=5.0, rng=rng, study=study,
                                                 search_space_bounds=np.array([0.0, 10.0]))
    assert value == pytest.approx(5.0 + (math.sqrt(0.625) - 1.0) * 10.0)
    with pytest.raises(ValueError, match="eta"):
        PolynomialMutation(eta=-1.0)
    PolynomialMutation(eta=0.0)  # Optuna allows 0


def test_tpe_hyperopt_parameters() -> None:
    with pytest.warns(FutureWarning, match="hyperopt_parameters"):
        params = TPESampler.hyperopt_parameters()
    assert params["n_startup_trials"] == 20 and params["gamma"](100) == 3
    study = sj.create_study(sampler=TPESampler(**params, seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=25)
    assert len(study.trials) == 25


def test_tpe_warns_nothing_on_a_conditional_space() -> None:
    def objective(trial: sj.Trial) -> float:
        if trial.suggest_categorical("c", ["a", "b"]) == "a":
            return trial.suggest_float("x", -1, 1) ** 2
        return trial.suggest_int("y", 0, 10) + trial.suggest_float("z", 0, 1)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study = sj.create_study(sampler=TPESampler(seed=0))
        study.optimize(objective, n_trials=30)


def test_independent_tpe_does_not_read_the_study_to_infer_a_space() -> None:
    sampler = TPESampler(multivariate=False)
    assert sampler.infer_relative_search_space(Mock(spec=[]), Mock(spec=[])) == {}


def test_brute_force_follows_optunas_choices_and_errors() -> None:
    study = sj.create_study(sampler=BruteForceSampler(seed=42))
    trials = [study.ask() for _ in range(3)]
    assert (trials[0].suggest_int("x", 0, 1), trials[0].suggest_int("y", 0, 1)) == (0, 1)
    study.tell(trials[0], 0.0)
    assert trials[1].suggest_int("x", 0, 1) == 1
    assert (trials[2].suggest_int("x", 0, 1), trials[2].suggest_int("y", 0, 1)) == (0, 0)
    with patch.object(study, "stop", return_value=None) as stop:
        study.tell(trials[1], 0.0)
        study.tell(trials[2], 0.0)
    assert stop.call_count == 2  # running trials count as exploring their subtree
    # a parameter whose range changes between trials
    study = sj.create_study(sampler=BruteForceSampler())
    with pytest.raises(ValueError):
        study.optimize(lambda t: t.suggest_int("x", -1, t.number), n_trials=10)
    # NaN and infinite choices are points like any other
    study = sj.create_study(sampler=BruteForceSampler(seed=0))
    weird = [float("inf"), -float("inf"), float("nan"), None]
    study.optimize(lambda t: sum(0.0 for i in range(2) if t.suggest_categorical(f"c{i}", weird)))
    assert len(study.trials) == 16


def test_hyperband_refuses_bootstrap_count_with_auto_max_resource() -> None:
    with pytest.raises(ValueError, match="bootstrap_count.*auto"):
        sj.pruners.HyperbandPruner(max_resource="auto", bootstrap_count=1)
    sj.pruners.HyperbandPruner(max_resource=9, bootstrap_count=1)


def test_distribution_compat_items() -> None:
    assert DISTRIBUTION_CLASSES[0] is IntDistribution and CategoricalDistribution in DISTRIBUTION_CLASSES
    assert json_to_distribution('{"type": "int", "low": 1, "high": 9}') == IntDistribution(1, 9)
    assert json_to_distribution(
        '{"type": "float", "low": 1.0, "high": 9.0, "step": 2.0}'
    ) == FloatDistribution(1.0, 9.0, step=2.0)
    assert json_to_distribution(
        '{"type": "categorical", "choices": ["a", "b"]}'
    ) == CategoricalDistribution(["a", "b"])
    with pytest.raises(ValueError, match="type"):
        json_to_distribution('{"type": "unknown", "low": 1.0, "high": 2.0}')
    with pytest.raises(ValueError):
        json_to_distribution('{"type": "int", "low": 123, "high": 100}')
    index = CategoricalDistribution(["a", "b"]).to_internal_repr("b")
    assert index == 1 and type(index) is int
    for dist, bad in ((FloatDistribution(2.0, 7.0, log=True), 0.0),
                      (IntDistribution(1, 10, log=True), -1)):
        with pytest.raises(ValueError, match="positive"):
            dist.to_internal_repr(bad)
    # Optuna's warning for a choice that cannot be stored (an unhashable one then raises)
    with pytest.warns(UserWarning, match="persistent storage"):
        CategoricalDistribution(choices=(("a", 1),))  # type: ignore[arg-type]


def test_cma_with_margin_warm_starts_from_source_trials() -> None:
    def objective(t: sj.Trial) -> float:
        return t.suggest_float("x", 2, 3) + t.suggest_int("k", 0, 5)

    source = sj.create_study()
    source.optimize(objective, n_trials=15)
    study = sj.create_study(sampler=sj.samplers.CmaEsSampler(
        with_margin=True, source_trials=source.trials, seed=0))
    study.optimize(objective, n_trials=12)
    assert len(study.trials) == 12
    with pytest.raises(ValueError, match="use_separable_cma"):
        sj.samplers.CmaEsSampler(use_separable_cma=True, source_trials=source.trials)


def test_tpe_group_in_a_multi_objective_study_warns_once() -> None:
    sampler = TPESampler(group=True, n_startup_trials=0, seed=0)
    study = sj.create_study(sampler=sampler, directions=["minimize", "minimize"])
    with pytest.warns(UserWarning, match="treated as True because ``group``") as record:
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)),
                       n_trials=4)
    assert sum("``group``" in str(w.message) for w in record) == 1

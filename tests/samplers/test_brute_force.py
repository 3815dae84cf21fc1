"""BruteForceSampler: every point of a finite (conditional) space once, then the study stops."""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import pytest

import skipjack as sj
from skipjack.exceptions import TrialPruned
from skipjack.samplers import BruteForceSampler
from skipjack.storages import InMemoryStorage
from skipjack.trial import BaseTrial, TrialState


def conditional(trial: BaseTrial) -> float:
    """18 leaves: c=a -> x (3) x a_only (2); c=b -> x (3) x b_only (3); c=n -> x (3)."""
    c = trial.suggest_categorical("c", ["a", "b", "n"])
    x = trial.suggest_int("x", 0, 2)
    if c == "a":
        return x + trial.suggest_int("a_only", 1, 2)
    if c == "b":
        return x + trial.suggest_float("b_only", 0.0, 1.0, step=0.5)
    return float(x)


LEAVES = (
    {(("c", "a"), ("x", x), ("a_only", a)) for x in range(3) for a in (1, 2)}
    | {(("c", "b"), ("x", x), ("b_only", b)) for x in range(3) for b in (0.0, 0.5, 1.0)}
    | {(("c", "n"), ("x", x)) for x in range(3)}
)


def _paths(study: sj.Study) -> list[tuple[Any, ...]]:
    return [tuple(t.params.items()) for t in study.get_trials(deepcopy=False)]


@pytest.fixture(autouse=True)
def _quiet() -> None:
    sj.logging.set_verbosity(sj.logging.WARNING)


@pytest.mark.parametrize("n_trials", [None, 100])
@pytest.mark.parametrize("avoid_premature_stop", [False, True])
def test_conditional_space_enumerated_once_then_stops(
    n_trials: int | None, avoid_premature_stop: bool
) -> None:
    study = sj.create_study(
        sampler=BruteForceSampler(seed=0, avoid_premature_stop=avoid_premature_stop)
    )
    study.optimize(conditional, n_trials=n_trials)
    paths = _paths(study)
    assert len(paths) == len(LEAVES) == 18
    assert set(paths) == LEAVES


def test_four_threads_cover_the_space_and_stop() -> None:
    study = sj.create_study(sampler=BruteForceSampler(avoid_premature_stop=True))
    study.optimize(conditional, n_jobs=4)
    paths = _paths(study)
    assert set(paths) == LEAVES
    # A trial that starts when nothing untried is left outside running subtrees may repeat one.
    assert len(paths) < 2 * len(LEAVES)


def test_workers_sharing_a_storage_avoid_running_paths() -> None:
    storage = InMemoryStorage()
    a = sj.create_study(study_name="b", storage=storage, sampler=BruteForceSampler(seed=1))
    b = sj.load_study(study_name="b", storage=storage, sampler=BruteForceSampler(seed=1))
    for _ in range(9):
        ta = a.ask()
        va = conditional(ta)
        tb = b.ask()
        vb = conditional(tb)
        assert ta.params != tb.params
        a.tell(ta, va)
        b.tell(tb, vb)
    assert set(_paths(a)) == LEAVES


def test_failed_and_pruned_trials_count_as_tried() -> None:
    def flaky(trial: BaseTrial) -> float:
        value = conditional(trial)
        if trial.params["x"] == 1:
            raise RuntimeError("boom")
        if trial.params["x"] == 2 and trial.params["c"] == "b":
            raise TrialPruned()
        return value

    study = sj.create_study(sampler=BruteForceSampler(seed=0))
    study.optimize(flaky, catch=(RuntimeError,))
    trials = study.get_trials(deepcopy=False)
    assert set(_paths(study)) == LEAVES and len(trials) == 18
    assert sum(t.state == TrialState.FAIL for t in trials) == 6
    assert sum(t.state == TrialState.PRUNED for t in trials) == 3


def test_same_seed_same_order() -> None:
    def run(seed: int) -> list[tuple[Any, ...]]:
        study = sj.create_study(sampler=BruteForceSampler(seed=seed))
        study.optimize(conditional)
        return _paths(study)

    assert run(4) == run(4)
    assert run(4) != run(5)


def test_pickled_study_resumes_without_repeating() -> None:
    study = sj.create_study(sampler=BruteForceSampler(seed=0))
    study.optimize(conditional, n_trials=7)
    restored = pickle.loads(pickle.dumps(study))
    restored.optimize(conditional)
    paths = _paths(restored)
    assert len(paths) == 18 and set(paths) == LEAVES


def test_enqueued_and_added_trials_are_not_repeated() -> None:
    study = sj.create_study(sampler=BruteForceSampler(seed=0))
    study.enqueue_trial({"c": "n", "x": 1})
    study.add_trial(sj.trial.create_trial(
        value=0.0, params={"c": "n", "x": 0},
        distributions={"c": sj.distributions.CategoricalDistribution(["a", "b", "n"]),
                       "x": sj.distributions.IntDistribution(0, 2)}))
    study.optimize(conditional)
    paths = _paths(study)
    assert len(paths) == 18 and set(paths) == LEAVES


def test_ask_tell_past_the_end_does_not_raise() -> None:
    study = sj.create_study(sampler=BruteForceSampler(seed=0))
    for _ in range(3):
        t = study.ask()
        study.tell(t, t.suggest_int("x", 0, 2))
    t = study.ask()
    assert t.suggest_int("x", 0, 2) in (0, 1, 2)


def test_multi_objective_study() -> None:
    study = sj.create_study(directions=["minimize", "maximize"],
                            sampler=BruteForceSampler(seed=0))
    study.optimize(lambda t: (t.suggest_int("k", 0, 3), t.suggest_float("s", 0, 1, step=0.5)))
    assert len(set(_paths(study))) == len(study.trials) == 12


def test_continuous_float_is_rejected() -> None:
    study = sj.create_study(sampler=BruteForceSampler())
    with pytest.raises(ValueError, match="continuous.*step"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=1)


def test_single_value_parameters_need_no_enumeration() -> None:
    study = sj.create_study(sampler=BruteForceSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study.optimize(lambda t: t.suggest_float("a", 1.0, 1.0) + t.suggest_int("k", 0, 1))
    assert len(study.trials) == 2


def test_rdb_storage_that_returns_parameters_in_another_order(tmp_path: Any) -> None:
    # A storage may hand a trial's parameters back in any order; the sampler orders them as the
    # objective suggests them.
    study = sj.create_study(storage=f"sqlite:///{tmp_path / 'bf.db'}",
                            sampler=BruteForceSampler(seed=0))
    study.optimize(conditional, n_trials=40)
    paths = [tuple(sorted(t.params.items(), key=str)) for t in study.trials]
    assert len(paths) == 18
    assert {tuple(sorted(p, key=str)) for p in LEAVES} == set(paths)

"""Behaviour the fast paths of the optimize loop must keep (trial/_trial.py, storages/_in_memory.py)."""

from __future__ import annotations

import threading

import pytest

import skipjack
from skipjack.storages import InMemoryStorage


def _objective(trial: skipjack.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", -10, 10)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return x * x + n + {"a": 0.0, "b": 1.0, "c": 2.0}[c]


def test_same_seed_gives_the_same_sequence() -> None:
    runs = []
    for _ in range(2):
        study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=3))
        study.optimize(_objective, n_trials=30)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    assert len({tuple(p.items()) for p in runs[0]}) == 30


def test_a_subclass_overriding_set_trial_param_sees_every_write() -> None:
    seen = []

    class Counting(InMemoryStorage):
        def set_trial_param(self, trial_id, param_name, param_value_internal, distribution):  # type: ignore[no-untyped-def]
            seen.append(param_name)
            super().set_trial_param(trial_id, param_name, param_value_internal, distribution)

        def create_new_trial(self, study_id, template_trial=None):  # type: ignore[no-untyped-def]
            seen.append("create")
            return super().create_new_trial(study_id, template_trial)

    study = skipjack.create_study(storage=Counting())
    study.optimize(_objective, n_trials=3)
    assert seen == ["create", "x", "n", "c"] * 3
    assert all(t.params.keys() == {"x", "n", "c"} for t in study.trials)


def test_categorical_choices_equal_by_value_but_not_by_type_stay_apart() -> None:
    study = skipjack.create_study()
    trial = study.ask()
    assert trial.suggest_categorical("a", [1, 0]) in (1, 0)
    assert type(trial.suggest_categorical("a", [1, 0])) is int
    value = trial.suggest_categorical("b", [True, False])
    assert type(value) is bool
    assert study.trials[0].distributions["b"].choices == (True, False)
    with pytest.raises(ValueError, match="does not support dynamic value space"):
        study.ask().suggest_categorical("b", [1, 0])


def test_a_trial_of_a_deleted_study_takes_no_parameters() -> None:
    storage = InMemoryStorage()
    study = skipjack.create_study(storage=storage, study_name="gone")
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    skipjack.delete_study(study_name="gone", storage=storage)
    with pytest.raises(KeyError):
        trial.suggest_float("y", 0, 1)


def test_a_nan_from_a_sampler_is_rejected() -> None:
    class NanSampler(skipjack.samplers.RandomSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):  # type: ignore[no-untyped-def]
            return float("nan")

    trial = skipjack.create_study(sampler=NanSampler()).ask()
    with pytest.raises(ValueError, match="NaN"):
        trial.suggest_float("x", 0, 1)


def test_running_params_are_visible_to_other_threads_at_once() -> None:
    study = skipjack.create_study()
    suggested = threading.Event()
    checked = threading.Event()
    seen = {}

    def objective(trial: skipjack.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        suggested.set()
        checked.wait(5)
        return 0.0

    def reader() -> None:
        suggested.wait(5)
        seen.update(study.get_trials(deepcopy=False)[0].params)
        checked.set()

    thread = threading.Thread(target=reader)
    thread.start()
    study.optimize(objective, n_trials=1)
    thread.join()
    assert set(seen) == {"x"}


def test_threads_finish_every_trial_with_all_parameters() -> None:
    study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=200, n_jobs=4)
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(200))
    assert all(t.state == skipjack.trial.TrialState.COMPLETE for t in trials)
    assert all(t.params.keys() == {"x", "n", "c"} for t in trials)


def test_every_write_of_a_live_trial_goes_through_its_session() -> None:
    from skipjack.storages._base import TrialSession

    writes: list[tuple[str, str]] = []

    class Logged(TrialSession):
        def set_param(self, name, internal, external, distribution):  # type: ignore[no-untyped-def]
            writes.append(("param", name))
            super().set_param(name, internal, external, distribution)

        def set_intermediate_value(self, step, value):  # type: ignore[no-untyped-def]
            writes.append(("report", str(step)))
            super().set_intermediate_value(step, value)

        def set_user_attr(self, key, value):  # type: ignore[no-untyped-def]
            writes.append(("user", key))
            super().set_user_attr(key, value)

    class Storage(InMemoryStorage):
        def open_trial(self, trial_id):  # type: ignore[no-untyped-def]
            return Logged(self, trial_id, self.get_trial(trial_id))

        def start_trial(self, study_id):  # type: ignore[no-untyped-def]
            trial_id = self.pop_waiting_trial_id(study_id)
            if trial_id is None:
                trial_id = self.create_new_trial(study_id)
            return self.open_trial(trial_id)

    study = skipjack.create_study(storage=Storage())
    study.enqueue_trial({"x": 0.5})

    def objective(trial: skipjack.Trial) -> float:
        trial.report(1.0, 0)
        trial.set_user_attr("k", 1)
        return _objective(trial)

    study.optimize(objective, n_trials=2)
    expected = [("report", "0"), ("user", "k"), ("param", "x"), ("param", "n"), ("param", "c")]
    assert writes == expected * 2  # the enqueued trial (general path) and a plain one
    assert study.trials[0].params["x"] == 0.5
    assert all(t.params.keys() == {"x", "n", "c"} for t in study.trials)


def test_joint_values_take_the_same_path_as_the_general_suggest() -> None:
    # The live Trial's fast path for a parameter of the relative search space must give what
    # ``_suggest``'s relative branch gives: the joint value when it lies in the distribution,
    # an independent draw otherwise (out of range, another distribution object, a name of the
    # space the sampler left out, a name outside the space), and the same error for a NaN.
    from skipjack.distributions import FloatDistribution, IntDistribution
    from skipjack.trial import Trial

    joint = {"in": 0.25, "out": 7.0, "log": 0.5, "step": 0.3, "int": 3, "other": 0.5,
             "nan": float("nan")}
    space = {"in": FloatDistribution(0, 1), "out": FloatDistribution(0, 1),
             "log": FloatDistribution(0.1, 1, log=True), "step": FloatDistribution(0, 1, step=0.1),
             "int": IntDistribution(0, 5), "other": FloatDistribution(0, 2),
             "nan": FloatDistribution(0, 1), "left": FloatDistribution(0, 1)}

    class Joint(skipjack.samplers.RandomSampler):
        def infer_relative_search_space(self, study, trial):  # type: ignore[no-untyped-def]
            return space

        def sample_relative(self, study, trial, search_space):  # type: ignore[no-untyped-def]
            return dict(joint)

    class General(Trial):  # a subclass with its own ``_suggest`` takes it for every suggest
        def _suggest(self, name, distribution, _stacklevel=3):  # type: ignore[no-untyped-def]
            return super()._suggest(name, distribution, _stacklevel)

    def suggest_all(trial: Trial) -> dict[str, object]:
        for name in ("in", "out", "log", "step", "int", "left"):
            trial._suggest_plain(name, space[name])
        trial.suggest_float("other", 0, 2)  # an equal distribution, but another object
        trial.suggest_float("free", 0, 1)  # not in the relative search space
        with pytest.raises(ValueError, match="NaN"):
            trial._suggest_plain("nan", space["nan"])
        return trial.params

    results = []
    for kind in (Trial, General):
        study = skipjack.create_study(sampler=Joint(seed=5))
        session = study._storage.start_trial(study._study_id)
        trial = kind(study, session.trial_id, _session=session)
        assert trial._joint
        params = suggest_all(trial)
        assert study.trials[0].params == params
        results.append(params)
    assert results[0] == results[1]
    fast = results[0]
    assert (fast["in"], fast["log"], fast["int"], fast["other"]) == (0.25, 0.5, 3, 0.5)
    assert type(fast["int"]) is int and fast["out"] != 7.0 and 0 <= fast["out"] <= 1
    assert fast["step"] == 0.3 and 0 <= fast["left"] <= 1


@pytest.mark.parametrize("bad", ["a\x00b", "n" * 513, 3, None])
def test_a_bad_parameter_name_is_refused_every_time(bad: object) -> None:
    # the front-end remembers the names it has checked: only good ones
    trial = skipjack.create_study().ask()
    trial.suggest_float("good", 0, 1)
    for _ in range(3):
        for suggest in (lambda: trial.suggest_float(bad, 0, 1),  # type: ignore[arg-type]
                        lambda: trial.suggest_int(bad, 0, 3),  # type: ignore[arg-type]
                        lambda: trial.suggest_categorical(bad, ["a", "b"])):  # type: ignore[arg-type]
            with pytest.raises((TypeError, ValueError)):
                suggest()
    assert set(trial.params) == {"good"}

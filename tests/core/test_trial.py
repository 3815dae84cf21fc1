import math
import pickle
import warnings

import pytest

import skipjack
from skipjack import create_study, create_trial
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.samplers import RandomSampler
from skipjack.trial import FixedTrial, FrozenTrial, TrialState


def test_define_by_run_conditional_and_dynamic_spaces():
    study = create_study(sampler=RandomSampler(0))

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["linear", "tree"])
        if kind == "linear":
            c = trial.suggest_float("C", 1e-3, 1e3, log=True)
            return math.log10(c) ** 2
        depth = trial.suggest_int("depth", 1, 8)
        layers = [trial.suggest_int(f"width_{i}", 1, 64) for i in range(depth)]
        return depth + sum(layers) / 100

    study.optimize(objective, n_trials=60)
    kinds = set()
    for t in study.trials:
        kinds.add(t.params["kind"])
        if t.params["kind"] == "linear":
            assert set(t.params) == {"kind", "C"}
        else:
            assert set(t.params) == {"kind", "depth"} | {f"width_{i}" for i in range(t.params["depth"])}
    assert kinds == {"linear", "tree"}


def test_resuggest_returns_same_value_and_incompatible_raises_naming_both():
    study = create_study(sampler=RandomSampler(0))
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    assert trial.suggest_float("x", 0, 1) == x
    with pytest.warns(RuntimeWarning, match="Inconsistent"):
        assert trial.suggest_float("x", 0, 2) == x
    with pytest.raises(ValueError) as info:
        trial.suggest_int("x", 0, 10)
    assert "FloatDistribution" in str(info.value) and "IntDistribution" in str(info.value)
    with pytest.raises(ValueError, match="CategoricalDistribution"):
        trial.suggest_categorical("x", [1, 2])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda t: t.suggest_float("a", 1, 0), "low <= high"),
        (lambda t: t.suggest_float("a", 0, 1, log=True), "low > 0"),
        (lambda t: t.suggest_float("a", 1, 2, log=True, step=0.5), "not both"),
        (lambda t: t.suggest_float("a", 0, 1, step=-0.5), "Got -0.5"),
        (lambda t: t.suggest_int("a", 0, 4, step=0), "must be > 0"),
        (lambda t: t.suggest_int("a", 0, 4, log=True), "low >= 1"),
        (lambda t: t.suggest_categorical("a", []), "at least one"),
        (lambda t: t.suggest_categorical("a", [{"x": 1}]), "not hashable"),
    ],
)
def test_bad_suggest_input_names_value_and_fix(call, match):
    trial = create_study().ask()
    with pytest.raises(ValueError, match=match):
        call(trial)


def test_suggest_types_and_ranges():
    study = create_study(sampler=RandomSampler(1))
    for _ in range(50):
        t = study.ask()
        i = t.suggest_int("i", -3, 3)
        il = t.suggest_int("il", 1, 1000, log=True)
        s = t.suggest_int("s", 0, 10, step=5)
        f = t.suggest_float("f", 0.5, 1.5, step=0.5)
        fl = t.suggest_float("fl", 1e-5, 1e-1, log=True)
        assert isinstance(i, int) and -3 <= i <= 3
        assert isinstance(il, int) and 1 <= il <= 1000
        assert s in (0, 5, 10)
        assert f in (0.5, 1.0, 1.5)
        assert 1e-5 <= fl <= 1e-1
        study.tell(t, 0.0)


def test_deprecated_suggest_api():
    t = create_study().ask()
    assert 0 <= t.suggest_uniform("u", 0, 1) <= 1
    assert 1 <= t.suggest_loguniform("l", 1, 10) <= 10
    assert t.suggest_discrete_uniform("d", 0, 1, 0.5) in (0.0, 0.5, 1.0)


def test_finished_trial_cannot_be_changed():
    study = create_study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, 1.0)
    with pytest.raises(UpdateFinishedTrialError):
        trial.suggest_float("y", 0, 1)
    with pytest.raises(UpdateFinishedTrialError):
        trial.suggest_int("n", 0, 3)
    with pytest.raises(UpdateFinishedTrialError):
        trial.suggest_categorical("c", ["a", "b"])
    # re-suggesting a parameter it already has returns the stored value
    assert trial.suggest_float("x", 0, 1) == study.trials[0].params["x"]
    with pytest.raises(UpdateFinishedTrialError):
        trial.set_user_attr("k", 1)
    with pytest.raises(UpdateFinishedTrialError):
        trial.report(1.0, 1)
    with pytest.raises(ValueError, match="already finished"):  # Optuna's error for a re-tell
        study.tell(trial, 2.0)
    with pytest.raises(ValueError, match="already finished"):
        study.tell(trial.number, 2.0)
    assert study.tell(trial, 2.0, skip_if_finished=True).value == 1.0


def test_report_rules():
    study = create_study()
    trial = study.ask()
    trial.report(1.0, 0)
    with pytest.warns(UserWarning, match="already reported"):
        trial.report(2.0, 0)
    with pytest.raises(ValueError, match=">= 0"):
        trial.report(1.0, -1)
    with pytest.raises(TypeError, match="float"):
        trial.report("abc", 1)  # type: ignore[arg-type]
    assert not trial.should_prune()
    frozen = study.tell(trial, state=TrialState.PRUNED)
    assert frozen.state == TrialState.PRUNED and frozen.value == 1.0
    assert frozen.intermediate_values == {0: 1.0}


def test_user_attrs_constraints_and_properties():
    study = create_study()
    trial = study.ask()
    trial.set_user_attr("note", {"a": 1})
    trial.set_constraint("c0", 0.5)
    trial.set_constraint("c1", -1)
    with pytest.warns(UserWarning, match="already set"):  # as Optuna: no override
        trial.set_constraint("c0", -0.5)
    assert trial.constraints == {"c0": 0.5, "c1": -1.0}
    assert trial.user_attrs == {"note": {"a": 1}}
    assert trial.number == 0 and trial.datetime_start is not None
    frozen = study.tell(trial, 3.0)
    assert frozen.constraints == {"c0": 0.5, "c1": -1.0}
    assert frozen.system_attrs["constraints"] == [0.5, -1.0]
    with pytest.raises(TypeError, match="must be a float"):
        study.ask().set_constraint("bad", "x")
    with pytest.raises(ValueError, match="NaN"):
        study.ask().set_constraint("bad", float("nan"))


def test_fixed_trial():
    def objective(trial):
        return trial.suggest_float("x", 0, 10) + trial.suggest_int("n", 0, 3)

    assert objective(FixedTrial({"x": 2.5, "n": 1})) == 3.5
    with pytest.raises(ValueError, match="not found"):
        objective(FixedTrial({"x": 2.5}))
    with pytest.warns(UserWarning, match="out of the range"):
        objective(FixedTrial({"x": 20.0, "n": 1}))


def test_frozen_trial_is_validated_and_reruns_objective():
    t = create_trial(value=1.0, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)})
    assert t.suggest_float("x", 0, 1) == 0.5
    with pytest.raises(ValueError, match="not found"):
        t.suggest_float("y", 0, 1)
    with pytest.raises(ValueError, match="needs its objective value"):
        create_trial(state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match="same keys"):
        create_trial(value=1.0, params={"x": 1.0}, distributions={})
    with pytest.raises(ValueError, match="outside its distribution"):
        create_trial(value=1.0, params={"x": 5.0}, distributions={"x": FloatDistribution(0, 1)})
    with pytest.raises(ValueError, match="NaN"):
        create_trial(value=float("nan"))
    with pytest.raises(ValueError, match="not both"):
        create_trial(value=1.0, values=[1.0])
    with pytest.raises(RuntimeError, match="multi-objective"):
        _ = create_trial(values=[1.0, 2.0]).value
    assert pickle.loads(pickle.dumps(t)) == t
    t2 = create_trial(value=2.0)
    assert sorted([t2._replace(number=3), t._replace(number=1)])[0].number == 1


def test_fixed_distributions_in_ask():
    study = create_study(sampler=RandomSampler(0))
    trial = study.ask(
        {
            "x": FloatDistribution(0, 1),
            "n": IntDistribution(0, 5),
            "c": CategoricalDistribution(["a", "b"]),
        }
    )
    assert set(trial.params) == {"x", "n", "c"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = skipjack.distributions.UniformDistribution(0, 2)
    trial2 = study.ask({"u": old})
    assert type(trial2.distributions["u"]) is FloatDistribution


def test_frozen_trial_properties():
    t = create_trial(value=1.0, intermediate_values={1: 3.0, 4: 2.0})
    assert t.last_step == 4 and t.duration is not None and t.duration.total_seconds() >= 0
    assert isinstance(t, FrozenTrial)

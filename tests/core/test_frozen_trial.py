"""FrozenTrial as Optuna has it: setters, validation, value semantics, and copies on the public
paths so that mutating a record never changes what a storage holds."""

import copy
import datetime

import pytest

from skipjack import create_study
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.study import Study
from skipjack.trial import BaseTrial, FrozenTrial, TrialState, create_trial


def _trial(**kwargs):
    base = dict(value=0.2, params={"x": 10.0}, distributions={"x": FloatDistribution(5, 12)})
    base.update(kwargs)
    return create_trial(**base)


def test_setters_change_the_record():
    t = _trial()
    now = datetime.datetime.now()
    t.number = 7
    t.state = TrialState.PRUNED
    t.value = 0.5
    t.datetime_start = now
    t.datetime_complete = now
    t.params = {"n": 2}
    t.distributions = {"n": IntDistribution(0, 3)}
    t.user_attrs = {"u": 1}
    t.system_attrs = {"s": 2}
    t.intermediate_values = {0: 1.0}
    assert (t.number, t.state, t.value, t.values) == (7, TrialState.PRUNED, 0.5, [0.5])
    assert (t.datetime_start, t.datetime_complete, t.duration) == (now, now, datetime.timedelta(0))
    assert (t.params, t.user_attrs, t.system_attrs) == ({"n": 2}, {"u": 1}, {"s": 2})
    assert t.distributions == {"n": IntDistribution(0, 3)} and t.last_step == 0
    t.values = (1.0, 2.0)
    assert t.values == [1.0, 2.0]
    with pytest.raises(RuntimeError):
        t.value = 1.0  # a multi-objective record
    t.values = None
    t.value = 3.0
    assert t.values == [3.0]
    t.set_user_attr("k", "v")
    assert t.user_attrs["k"] == "v"
    assert isinstance(t, BaseTrial)


def test_validate_rules():
    valid = _trial()
    valid._validate()
    cases = []
    for state in (TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
        t = copy.copy(valid)
        t.state, t.datetime_start = state, None
        cases.append(t)
    t = copy.copy(valid)
    t.state = TrialState.RUNNING  # still has datetime_complete
    cases.append(t)
    t = copy.copy(valid)
    t.datetime_complete = None
    cases.append(t)
    t = copy.copy(valid)
    t.state = TrialState.FAIL  # with a value
    cases.append(t)
    for bad_values in (None, [float("nan")], [0.0, float("nan")]):
        t = copy.copy(valid)
        t.values = bad_values
        cases.append(t)
    for params, dists in (
        ({"x": 0.1, "y": 0.5}, {"x": FloatDistribution(0, 1)}),
        ({"x": 0.1}, {"x": FloatDistribution(0, 1), "y": FloatDistribution(0, 1)}),
        ({"x": -0.5}, {"x": FloatDistribution(0, 1)}),
    ):
        t = copy.copy(valid)
        t.params, t.distributions = params, dists
        cases.append(t)
    for t in cases:
        with pytest.raises(ValueError):
            t._validate()
    # the constructor does not validate (as Optuna's); both value and values is an error
    FrozenTrial(0, TrialState.COMPLETE, 0.2, None, None, {}, {"x": FloatDistribution(0, 1)},
                {}, {}, {}, 0)
    with pytest.raises(ValueError):
        FrozenTrial(0, TrialState.COMPLETE, 0.2, None, None, {}, {}, {}, {}, {}, 0, values=[])
    with pytest.raises(ValueError):
        create_trial(state=TrialState.FAIL, value=0.2)


def test_equality_order_hash_and_repr_as_optuna():
    t = _trial()
    other = copy.copy(t)
    assert other is not t and other == t
    other.value = 0.3
    assert other != t and t.value == 0.2
    other.number = t.number + 1
    assert t < other and t <= other and not other < t
    assert sorted([other, t]) == [t, other]
    with pytest.raises(TypeError):
        t < 1  # noqa: B015
    with pytest.raises(TypeError):
        hash(t)  # Optuna's records hash their fields, dicts included
    namespace = {"FrozenTrial": FrozenTrial, "TrialState": TrialState,
                 "FloatDistribution": FloatDistribution, "datetime": datetime}
    assert eval(repr(t), namespace) == t
    deep = copy.deepcopy(t)
    deep.params["x"] = 11.0
    assert t.params["x"] == 10.0


def _objective(trial):
    trial.set_user_attr("note", [1])
    return trial.suggest_float("x", 0, 1)


def _mutate(t):
    t.params["x"] = 99.0
    t.user_attrs["note"].append(2)
    t.system_attrs["injected"] = True
    t.values = [-1.0] * len(t.values)
    t.state = TrialState.FAIL


def _snapshot(study):
    return [(t.params, t.user_attrs, t.system_attrs, t.values, t.state)
            for t in study.get_trials(deepcopy=False)]


@pytest.mark.parametrize("path", ["trials", "get_trials", "best_trial", "best_trials", "tell",
                                  "callback"])
def test_mutating_a_public_record_never_changes_the_storage(path):
    study = create_study(directions=["minimize", "maximize"] if path == "best_trials" else None)
    seen = []
    objective = _objective if path != "best_trials" else (lambda t: (_objective(t), 0.0))
    study.optimize(objective, n_trials=3, callbacks=[lambda s, t: seen.append(t)])
    before = copy.deepcopy(_snapshot(study))
    if path == "trials":
        records = study.trials
    elif path == "get_trials":
        records = study.get_trials()
    elif path == "best_trial":
        records = [study.best_trial, study.best_trial]
    elif path == "best_trials":
        records = study.best_trials
    elif path == "tell":
        trial = study.ask()
        trial.set_user_attr("note", [1])
        trial.suggest_float("x", 0, 1)
        records = [study.tell(trial, 0.5)]
        before = copy.deepcopy(_snapshot(study))
    else:
        records = seen
    assert records
    for t in records:
        _mutate(t)
    assert _snapshot(study) == before


def test_callbacks_get_their_own_copies():
    study = create_study()
    got = []
    study.optimize(_objective, n_trials=1,
                   callbacks=[lambda s, t: got.append(t), lambda s, t: got.append(t)])
    assert got[0] == got[1] and got[0] is not got[1]


def test_samplers_get_shared_records_without_copies():
    study = create_study()
    study.optimize(_objective, n_trials=3)
    a = study.get_trials(deepcopy=False)
    b = study.get_trials(deepcopy=False)
    assert all(x is y for x, y in zip(a, b))


def test_get_trials_override_calling_private_get_trials():
    # optuna-integration's LightGBM tuner wraps a study this way
    class Filtered(Study):
        def get_trials(self, deepcopy=True, states=None):
            trials = super()._get_trials(deepcopy=deepcopy, states=states)
            return [t for t in trials if t.user_attrs.get("keep")]

    base = create_study()
    for i in range(4):
        trial = base.ask()
        trial.set_user_attr("keep", i % 2 == 1)
        base.tell(trial, float(i))
    view = Filtered(study_name=base.study_name, storage=base._storage)
    assert [t.number for t in view.trials] == [1, 3]
    assert [t.number for t in view.get_trials(deepcopy=False)] == [1, 3]
    assert len(base.trials) == 4
    assert view.storage is base.storage and view.study_id == base.study_id == base._study_id
    with pytest.raises(AttributeError):
        view.storage = None  # read-only (``_storage`` stays for add-ons)
    with pytest.raises(AttributeError):
        view.study_id = 3


def test_one_front_end_for_every_trial_kind():
    from skipjack.study._isolated import RemoteTrial
    from skipjack.trial import FixedTrial, Trial

    names = ("suggest_float", "suggest_int", "suggest_categorical", "suggest_uniform",
             "suggest_loguniform", "suggest_discrete_uniform")
    for name in names:
        assert getattr(FixedTrial, name) is getattr(FrozenTrial, name)
    for name in names[3:]:  # the deprecated spellings, also for the live and isolated trials
        assert getattr(Trial, name) is getattr(FrozenTrial, name) is getattr(RemoteTrial, name)
    fixed = FixedTrial({"x": 0.5, "n": 2, "c": "b"})
    frozen = create_trial(value=1.0, params={"x": 0.5, "n": 2, "c": "b"},
                          distributions={"x": FloatDistribution(0, 1), "n": IntDistribution(0, 3),
                                         "c": CategoricalDistribution(["a", "b"])})
    for trial in (fixed, frozen):
        assert trial.suggest_float("x", 0, 1) == 0.5
        assert trial.suggest_int("n", 0, 3) == 2
        assert trial.suggest_categorical("c", ["a", "b"]) == "b"
        with pytest.warns(FutureWarning, match="suggest_uniform has been deprecated"):
            assert trial.suggest_uniform("x", 0, 1) == 0.5
        with pytest.raises(ValueError):
            trial.suggest_float("missing", 0, 1)

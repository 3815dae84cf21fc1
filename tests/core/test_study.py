import logging
import os
import pickle
import signal
import threading
import time

import pytest

import skipjack
from skipjack import create_study, create_trial, load_study
from skipjack.distributions import FloatDistribution
from skipjack.exceptions import DuplicatedStudyError, TrialPruned
from skipjack.samplers import RandomSampler
from skipjack.storages import InMemoryStorage
from skipjack.study import MaxTrialsCallback, StudyDirection
from skipjack.trial import TrialState


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


# --- creation and bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"direction": "minimise"}, "'minimize' or 'maximize'.*minimise"),
        ({"directions": ["minimize", "up"]}, "'up'"),
        ({"direction": "minimize", "directions": ["minimize"]}, "only one of `direction`"),
        ({"directions": []}, "greater than 0"),
    ],
)
def test_bad_directions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        create_study(**kwargs)


def test_unknown_study_lists_existing_names():
    storage = InMemoryStorage()
    create_study(storage=storage, study_name="alpha")
    create_study(storage=storage, study_name="beta")
    with pytest.raises(KeyError) as info:
        load_study(study_name="gamma", storage=storage)
    assert "gamma" in str(info.value) and "alpha" in str(info.value) and "beta" in str(info.value)


def test_duplicate_name_needs_load_if_exists():
    storage = InMemoryStorage()
    study = create_study(storage=storage, study_name="s")
    study.optimize(quadratic, n_trials=3)
    with pytest.raises(DuplicatedStudyError, match="load_if_exists=True"):
        create_study(storage=storage, study_name="s")
    again = create_study(storage=storage, study_name="s", load_if_exists=True)
    assert len(again.trials) == 3
    with pytest.raises(ValueError, match="existing study"):
        create_study(storage=storage, study_name="s", load_if_exists=True, direction="maximize")


def test_study_functions():
    storage = InMemoryStorage()
    a = create_study(storage=storage, study_name="a")
    a.optimize(quadratic, n_trials=4)
    a.set_user_attr("owner", "me")
    create_study(storage=storage, study_name="b", directions=["minimize", "maximize"])
    assert skipjack.get_all_study_names(storage) == ["a", "b"]
    summaries = {s.study_name: s for s in skipjack.get_all_study_summaries(storage)}
    assert summaries["a"].n_trials == 4 and summaries["a"].best_trial.value == a.best_value
    assert summaries["b"].best_trial is None and summaries["b"].directions == [
        StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]
    other = InMemoryStorage()
    skipjack.copy_study(from_study_name="a", from_storage=storage, to_storage=other)
    copied = load_study(study_name="a", storage=other)
    assert [t.params for t in copied.trials] == [t.params for t in a.trials]
    assert copied.user_attrs == {"owner": "me"}
    skipjack.delete_study(study_name="a", storage=storage)
    assert skipjack.get_all_study_names(storage) == ["b"]
    assert load_study(study_name=None, storage=storage).study_name == "b"


# --- the optimize loop ---------------------------------------------------------------------------


def test_failing_objective_marks_fail_with_reason_and_reraises():
    study = create_study()

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise ZeroDivisionError("division by zero in my model")

    with pytest.raises(ZeroDivisionError):
        study.optimize(objective, n_trials=3)
    [trial] = study.trials
    assert trial.state == TrialState.FAIL
    assert "ZeroDivisionError: division by zero in my model" == trial.system_attrs["fail_reason"]
    study.optimize(objective, n_trials=3, catch=(ZeroDivisionError,))
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 4
    study.optimize(objective, n_trials=1, catch=ZeroDivisionError)
    with pytest.raises(TypeError, match="catch"):
        study.optimize(objective, n_trials=1, catch=("nope",))


def test_pruned_objective_marks_pruned():
    study = create_study()

    def objective(trial):
        trial.report(0.5, 0)
        trial.report(0.25, 1)
        raise TrialPruned()

    study.optimize(objective, n_trials=2)
    assert all(t.state == TrialState.PRUNED and t.value == 0.25 for t in study.trials)


@pytest.mark.parametrize(
    "returned, reason",
    [
        (float("nan"), "NaN is not acceptable"),
        (None, "could not be cast to float"),
        ("1.5", "a string"),
        ((1.0, 2.0), "did not match the number of the objectives 1"),
    ],
)
def test_bad_return_values_fail_with_warning(returned, reason, caplog):
    study = create_study()
    with caplog.at_level(logging.WARNING, logger="skipjack"):
        skipjack.logging.enable_propagation()
        try:
            study.optimize(lambda t: returned, n_trials=1)
        finally:
            skipjack.logging.disable_propagation()
    [trial] = study.trials
    assert trial.state == TrialState.FAIL
    assert reason in trial.system_attrs["fail_reason"]
    assert reason in caplog.text


def test_keyboard_interrupt_marks_running_trial_fail_and_reraises():
    study = create_study()

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=5)
    [trial] = study.trials
    assert trial.state == TrialState.FAIL


def test_sigint_during_objective_marks_fail():
    study = create_study()

    def objective(trial):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        return 1.0

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.FAIL]


def test_n_jobs_numbers_exactly_once():
    study = create_study(sampler=RandomSampler(0))
    study.optimize(quadratic, n_trials=400, n_jobs=4)
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(400))
    assert all(t.state == TrialState.COMPLETE for t in trials)


def test_n_jobs_error_propagates_and_stops():
    study = create_study()

    def objective(trial):
        if trial.number == 5:
            raise RuntimeError("stop here")
        time.sleep(0.02)  # 200 trials take >= 1.3 s: far longer than the error takes to stop
        return 1.0        # the other threads, even on a loaded machine

    with pytest.raises(RuntimeError, match="stop here"):
        study.optimize(objective, n_trials=200, n_jobs=3)
    assert len(study.trials) < 200
    assert not [t for t in study.trials if t.state == TrialState.RUNNING]


def test_timeout_stops():
    study = create_study()
    start = time.monotonic()
    study.optimize(lambda t: time.sleep(0.05) or 1.0, timeout=0.3)
    assert time.monotonic() - start < 2.0
    assert 1 <= len(study.trials) <= 10


@pytest.mark.parametrize("kwargs", [{"n_trials": -1}, {"n_trials": 1.5}, {"timeout": 0},
                                    {"n_jobs": 0}])
def test_bad_optimize_arguments(kwargs):
    with pytest.raises(ValueError):
        create_study().optimize(quadratic, **kwargs)


def test_callbacks_stop_and_max_trials():
    study = create_study()
    seen = []
    study.optimize(quadratic, n_trials=20, callbacks=[lambda s, t: seen.append(t.number),
                                                      MaxTrialsCallback(5)])
    assert seen == [0, 1, 2, 3, 4] and len(study.trials) == 5

    def stopper(trial):
        if trial.number == 7:
            trial.study.stop()
        return 1.0

    study.optimize(stopper, n_trials=100)
    assert len(study.trials) == 8
    with pytest.raises(RuntimeError, match="inside an objective"):
        study.stop()


def test_nested_optimize_is_rejected():
    study = create_study()

    def objective(trial):
        study.optimize(quadratic, n_trials=1)
        return 0.0

    with pytest.raises(RuntimeError, match="Nested"):
        study.optimize(objective, n_trials=1)


def test_gc_and_progress_bar(capsys):
    study = create_study()
    study.optimize(quadratic, n_trials=5, gc_after_trial=True, show_progress_bar=True)
    assert len(study.trials) == 5
    assert "5/5" in capsys.readouterr().err


# --- enqueue, ask/tell, add ----------------------------------------------------------------------


def test_enqueued_trials_taken_once_in_order_with_fixed_params():
    study = create_study(sampler=RandomSampler(0))
    for x in (1.0, 2.0, 3.0):
        study.enqueue_trial({"x": x}, user_attrs={"src": "queue"})
    study.enqueue_trial({"x": 1.0}, skip_if_exists=True)  # skipped
    study.optimize(quadratic, n_trials=5)
    trials = study.trials
    assert [t.params["x"] for t in trials[:3]] == [1.0, 2.0, 3.0]
    assert all(t.user_attrs == {"src": "queue"} for t in trials[:3])
    assert len(trials) == 5


def test_enqueued_trials_taken_once_with_threads():
    study = create_study(sampler=RandomSampler(0))
    for i in range(100):
        study.enqueue_trial({"x": float(i % 10)})
    taken = []
    lock = threading.Lock()

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        with lock:
            taken.append(trial.number)
        return x

    study.optimize(objective, n_trials=100, n_jobs=4)
    assert sorted(taken) == list(range(100))
    assert [t.params["x"] for t in study.trials] == [float(i % 10) for i in range(100)]


def test_ask_tell():
    study = create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    frozen = study.tell(trial, [x, x * 2])
    assert frozen.values == [x, 2 * x] and frozen.state == TrialState.COMPLETE
    t2 = study.ask()
    assert study.tell(t2.number, [1.0]).state == TrialState.FAIL  # wrong count -> FAIL
    t3 = study.ask()
    with pytest.raises(ValueError, match="Values are required"):
        study.tell(t3, state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match="cannot be specified"):
        study.tell(t3, [1.0, 1.0], state=TrialState.FAIL)
    study.tell(t3, state=TrialState.FAIL)
    with pytest.raises(ValueError, match="does not exist"):
        study.tell(99, [1.0, 1.0])
    with pytest.raises(TypeError):
        study.tell("3", [1.0, 1.0])  # type: ignore[arg-type]


def test_add_trials_and_best():
    study = create_study(direction="maximize")
    dist = {"x": FloatDistribution(0, 10)}
    study.add_trials(
        [create_trial(value=v, params={"x": v}, distributions=dist) for v in (1.0, 9.0, 4.0)]
    )
    assert study.best_value == 9.0 and study.best_params == {"x": 9.0}
    assert study.best_trial.number == 1
    with pytest.raises(ValueError, match="objectives"):
        study.add_trial(create_trial(values=[1.0, 2.0]))
    empty = create_study()
    with pytest.raises(ValueError, match="No trials are completed"):
        _ = empty.best_trial


def test_best_trial_with_constraints_prefers_feasible():
    study = create_study()
    study.add_trial(create_trial(value=0.0, constraints=[1.0]))  # best value, infeasible
    study.add_trial(create_trial(value=5.0, constraints=[-1.0]))
    study.add_trial(create_trial(value=3.0, constraints=[0.0]))
    assert study.best_value == 3.0
    assert [t.value for t in study.best_trials] == [3.0]


def test_best_trials_pareto_front():
    study = create_study(directions=["minimize", "maximize"])
    for values in [(1, 1), (2, 3), (0, 0), (2, 2), (3, 3)]:
        study.add_trial(create_trial(values=list(map(float, values))))
    front = sorted(tuple(t.values) for t in study.best_trials)
    assert front == [(0.0, 0.0), (1.0, 1.0), (2.0, 3.0)]
    with pytest.raises(RuntimeError, match="best_trials"):
        _ = study.best_trial
    with pytest.raises(RuntimeError, match="directions"):
        _ = study.direction


def test_metric_names_and_dataframe():
    study = create_study(directions=["minimize", "maximize"])
    study.set_metric_names(["loss", "acc"])
    with pytest.raises(ValueError, match="must match"):
        study.set_metric_names(["only"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 3)), n_trials=4)
    df = study.trials_dataframe()
    assert {"number", "values_loss", "values_acc", "params_x", "params_n", "state"} <= set(df.columns)
    assert len(df) == 4 and list(df["state"]) == ["COMPLETE"] * 4
    multi = study.trials_dataframe(multi_index=True)
    assert ("params", "x") in multi.columns


def test_study_pickles_and_continues():
    study = create_study(sampler=RandomSampler(0))
    study.optimize(quadratic, n_trials=5)
    restored = pickle.loads(pickle.dumps(study))
    restored.optimize(quadratic, n_trials=5)
    assert len(restored.trials) == 10 and len(study.trials) == 5


def test_same_seed_same_sequence():
    def run():
        study = create_study(sampler=RandomSampler(seed=42))
        study.optimize(quadratic, n_trials=20)
        return [t.params for t in study.trials]

    assert run() == run()


def test_system_attrs_deprecated():
    study = create_study()
    with pytest.warns(FutureWarning):
        study.set_system_attr("k", 1)
    with pytest.warns(FutureWarning):
        assert study.system_attrs["k"] == 1


def test_import_as_optuna_runs_optuna_style_code():
    import skipjack as optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(lambda trial: trial.suggest_float("x", -1, 1) ** 2, n_trials=10)
    assert isinstance(study.best_trial, optuna.trial.FrozenTrial)
    assert optuna.trial.TrialState.COMPLETE.is_finished()
    assert optuna.logging.get_verbosity() == optuna.logging.WARNING
    optuna.logging.set_verbosity(optuna.logging.INFO)


def test_threads_may_each_run_optimize_on_one_study_at_once():
    # As in Optuna: only a nested call (from an objective or callback) is refused.
    study = create_study()
    started = threading.Barrier(2, timeout=30)

    def objective(trial):
        if trial.number < 2:
            started.wait()  # both loops are inside optimize at the same time
        return trial.suggest_float("x", 0, 1)

    threads = [threading.Thread(target=study.optimize, args=(objective,),
                                kwargs={"n_trials": 3}) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(study.trials) == 6
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_optimize_nested_in_a_worker_thread_is_refused(n_jobs):
    study = create_study()
    errors = []

    def objective(trial):
        try:
            study.optimize(lambda t: 0.0, n_trials=1)
        except RuntimeError as e:
            errors.append(str(e))
        return 1.0

    study.optimize(objective, n_trials=2, n_jobs=n_jobs)
    assert len(errors) == 2 and all("Nested optimization" in e for e in errors)
    assert len(study.trials) == 2


def test_a_storage_lost_during_the_tell_surfaces_its_own_error():
    # The tell of a failed trial cannot write, and the trial cannot be read back either (the
    # database went away): the error the user sees is the storage's, not an internal one.
    from skipjack.storages import InMemoryStorage

    class Gone(InMemoryStorage):
        gone = False

        def set_trial_system_attr(self, trial_id, key, value):
            if self.gone:
                raise ConnectionError("the database went away")
            super().set_trial_system_attr(trial_id, key, value)

        def get_trial(self, trial_id):
            if self.gone:
                raise ConnectionError("the database went away")
            return super().get_trial(trial_id)

    storage = Gone()
    study = create_study(storage=storage)

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        storage.gone = True
        raise ValueError("the objective failed")

    with pytest.raises(ConnectionError, match="went away"):
        study.optimize(objective, n_trials=1)

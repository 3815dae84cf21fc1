"""Hard trial limits: ``optimize(trial_timeout=..., trial_memory_mb=...)`` in a child process."""

from __future__ import annotations

import time

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.study import _isolated
from skipjack.study._isolated import TrialCrashedError
from tests.ops import _objectives as objectives

# spawn, as a script with an `if __name__ == "__main__":` guard gets it: the objective is pickled
pytestmark = pytest.mark.usefixtures("spawn_isolation")


def _study():
    return skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))


def test_sleeping_trial_fails_within_timeout_and_study_goes_on():
    study = _study()
    start = time.monotonic()
    study.optimize(objectives.sleepy_or_quick, n_trials=4, trial_timeout=2.0)
    trials = study.trials
    assert [t.state for t in trials] == [
        TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE
    ]
    failed = trials[1]
    assert failed.system_attrs["fail_reason"] == "TrialTimeoutError: timed out after 2 s"
    assert (failed.datetime_complete - failed.datetime_start).total_seconds() < 2.0 + 2.0
    assert time.monotonic() - start < 30


def test_memory_hog_fails_with_memory_reason_and_study_goes_on():
    study = _study()
    study.optimize(objectives.hungry_or_quick, n_trials=3, trial_memory_mb=300)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[1].system_attrs["fail_reason"] == "TrialMemoryError: exceeded 300 MB"


def test_crashing_objective_never_takes_the_study_down():
    study = _study()
    study.optimize(objectives.crash_or_quick, n_trials=3, trial_timeout=60)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE]
    assert trials[0].system_attrs["fail_reason"] == (
        f"{TrialCrashedError.__name__}: the objective's process died (exit code 3)"
    )
    assert "SIGSEGV" in trials[1].system_attrs["fail_reason"]


def test_calls_are_forwarded_to_the_parent_trial():
    study = _study()
    study.optimize(objectives.reporting, n_trials=3, trial_timeout=60)
    for t in study.trials:
        assert t.state == TrialState.COMPLETE
        assert t.user_attrs == {"cost": 2.5}
        assert t.intermediate_values == {s: float(s * t.params["n"]) for s in range(3)}
        assert t.value == 2.0 * t.params["n"]


def test_objective_errors_behave_as_without_isolation():
    study = _study()
    with pytest.raises(ValueError, match="bad input"):
        study.optimize(objectives.raises_value, n_trials=2, trial_timeout=60)
    study.optimize(objectives.raises_value, n_trials=2, trial_timeout=60, catch=ValueError)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 3
    assert study.trials[-1].system_attrs["fail_reason"] == "ValueError: bad input"


def test_unpicklable_objective_and_bad_limits_are_rejected_clearly():
    study = _study()
    assert _isolated.start_method() == "spawn"  # fork would copy the lambda, not pickle it
    with pytest.raises(TypeError, match="must be picklable"):
        study.optimize(lambda t: 0.0, n_trials=1, trial_timeout=5)
    with pytest.raises(ValueError, match="'trial_timeout' argument of optimize"):
        study.optimize(objectives.raises_value, n_trials=1, trial_timeout=-1)
    with pytest.raises(ValueError, match="'trial_memory_mb' argument of optimize"):
        study.optimize(objectives.raises_value, n_trials=1, trial_memory_mb="big")


def test_memory_limit_covers_subprocesses_and_kills_the_group():
    study = _study()
    start = time.monotonic()
    study.optimize(objectives.hungry_subprocess, n_trials=2, trial_memory_mb=300)
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[0].system_attrs["fail_reason"] == "TrialMemoryError: exceeded 300 MB"
    assert time.monotonic() - start < 30  # the sleeping grandchild did not hold the study

"""Health report figures on a hand-built study; budgets and the failure breaker."""

from __future__ import annotations

import json
import time

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.cli import main as cli_main
from skipjack.report import study_health
from skipjack.study import CostBudget, FailureRateBreaker, TrialSecondsBudget, WallClockBudget
from skipjack.study._budgets import STOP_REASON_KEY
from tests.ops._build import record


def _hand_built(storage=None):
    """20 finished trials with chosen values, durations, steps, costs and failures."""
    study = skipjack.create_study(storage=storage, study_name="hand")
    C, P, F = TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL
    # (state, value, start, end, last step reported, cost, fail reason)
    rows = [
        (C, 10.0, 0, 4, 9, 1.0, None),
        (C, 8.0, 5, 11, 9, 1.0, None),
        (P, None, 12, 14, 2, 0.5, None),
        (C, 5.0, 15, 23, 9, 2.0, None),
        (F, None, 24, 25, None, None, "ValueError: bad x"),
        (C, 5.04, 26, 30, 9, 1.0, None),    # within 1% of 5.0 is not needed: 5.0 came first
        (P, None, 31, 32, 0, 0.5, None),
        (C, 4.99, 33, 43, 9, 1.0, None),    # best; within 1% of it: 5.0 (trial 3) first
        (F, None, 44, 45, None, None, "RuntimeError: CUDA out of memory"),
        (F, None, 46, 47, None, None, "ValueError: bad y"),
    ]
    for state, value, start, end, step, cost, reason in rows:
        inter = {s: float(s) for s in range(step + 1)} if step is not None else {}
        study.add_trial(record(
            state=state, value=value, start=start, end=end, intermediate=inter,
            user_attrs={} if cost is None else {"cost": cost},
            system_attrs={} if reason is None else {"fail_reason": reason},
        ))
    return study


def test_report_figures_equal_hand_computed_values():
    study = _hand_built()
    study.enqueue_trial({"x": 1.0})
    report = study_health(study)
    f = report.figures
    assert (f["n_finished"], f["n_complete"], f["n_pruned"], f["n_fail"]) == (10, 5, 2, 3)
    assert f["n_waiting"] == 1 and f["n_running"] == 0
    assert f["completion_rate"] == 5 / 8  # pruned trials are not counted against completion
    assert f["failure_rate"] == 0.3
    assert f["prune_rate"] == 0.2
    assert f["failure_causes"] == {"ValueError": {"count": 2, "rate": 0.2},
                                   "RuntimeError": {"count": 1, "rate": 0.1}}
    assert f["steps_saved_by_pruning"] == (9 - 2) + (9 - 0)
    durations = sorted([4, 6, 2, 8, 1, 4, 1, 10, 1, 1])
    assert f["duration_median_s"] == 3.0
    assert f["duration_p95_s"] == pytest.approx(durations[8] + 0.55 * (durations[9] - durations[8]))
    assert f["best_value"] == 4.99 and f["best_trial"] == 7
    assert f["improvements"] == [[0, 10.0], [1, 8.0], [3, 5.0], [7, 4.99]]
    assert f["trials_since_improvement"] == 2
    assert f["trials_to_within_1pct"] == 4 and f["seconds_to_within_1pct"] == 23.0
    assert f["trials_to_best"] == 8 and f["seconds_to_best"] == 43.0
    assert f["throughput_per_hour"] == pytest.approx(10 / 47 * 3600)
    assert f["total_cost"] == 7.0 and f["cost_per_trial"] == 1.0
    assert f["storage_latency_ms"] >= 0
    statuses = {c.name: c.status for c in report.checks}
    assert statuses == {"completion": "WARN", "failures:ValueError": "WARN",
                        "failures:RuntimeError": "WARN", "pruning": "OK"}
    assert not report.ok and report.status == "WARN"
    relaxed = study_health(study, thresholds={"min_completion_rate": 0.5,
                                              "max_failure_rate_per_cause": 0.25})
    assert relaxed.ok
    with pytest.raises(ValueError, match="unknown keys"):
        study_health(study, thresholds={"min_completion": 0.5})


def test_report_cli_text_and_json(tmp_path, capsys):
    try:
        import skipjack.storages._rdb.storage  # noqa: F401
    except ImportError:
        pytest.skip("RDBStorage (skipjack.storages._rdb) is not available yet")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    _hand_built(storage=url)
    assert cli_main(["report", "--storage", url, "--study", "hand", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["figures"]["failure_rate"] == 0.3 and data["ok"] is False
    assert data["status"] == "WARN"
    assert cli_main(["report", "--storage", url, "--study", "hand", "--strict"]) == 1
    text = capsys.readouterr().out
    assert ("WARN completion: completion rate 62.5% of the trials not pruned "
            "(WARN below 90%, FAIL below 50%)") in text
    assert "WARN failures:ValueError: 2 trials failed with ValueError (20.0%" in text
    assert "OK   pruning: prune rate 20.0% (OK 10%..80%, FAIL at 100%)" in text


def _fails_after_50(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number >= 50:
        raise ConnectionError("feature store unreachable")
    return x


def test_failure_breaker_stops_the_study_and_the_report_names_the_cause():
    study = skipjack.create_study(study_name="breaker")
    breaker = FailureRateBreaker(threshold=0.5, window=10)
    study.optimize(_fails_after_50, n_trials=500, catch=ConnectionError, callbacks=[breaker])
    states = [t.state for t in study.trials]
    assert states[:50] == [TrialState.COMPLETE] * 50
    # Stops as soon as 5 of the last 10 failed: after trial 54.
    assert len(states) == 55
    assert breaker.stop_reason == (
        "failure rate 50% over the last 10 trials >= 50%; causes: ConnectionError x5")
    stop = study._storage.get_study_system_attrs(study._study_id)[STOP_REASON_KEY]
    assert stop["callback"] == "FailureRateBreaker" and stop["trial"] == 54
    report = study_health(study)
    assert report.figures["stop_reason"] == breaker.stop_reason
    assert list(report.figures["failure_causes"]) == ["ConnectionError"]
    assert "failures:ConnectionError" in report.to_text()


def _costly(trial):
    trial.suggest_float("x", 0.0, 1.0)
    trial.set_user_attr("cost", 1.5)
    time.sleep(0.01)
    return 0.0


def test_cost_trial_seconds_and_wall_clock_budgets_stop_with_a_reason():
    study = skipjack.create_study()
    budget = CostBudget(10.0)
    study.optimize(_costly, n_trials=100, callbacks=[budget])
    assert len(study.trials) == 7  # 7 * 1.5 = 10.5 >= 10 after the 7th trial
    assert budget.stop_reason.startswith("cost budget of 10 spent (10.5 reported")

    study = skipjack.create_study()
    budget = TrialSecondsBudget(0.05)
    study.optimize(_costly, n_trials=100, callbacks=[budget])
    spent = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in study.trials)
    assert spent >= 0.05 and spent - 0.05 < 0.03 and len(study.trials) < 10

    study = skipjack.create_study()
    budget = WallClockBudget(0.1, scope="process")
    study.optimize(_costly, n_trials=1000, n_jobs=2, callbacks=[budget])
    assert 5 <= len(study.trials) < 100
    assert budget.stop_reason.startswith("wall-clock budget of 0.1 s spent")


def test_budget_arguments_are_validated():
    with pytest.raises(ValueError, match="'threshold' argument of FailureRateBreaker"):
        FailureRateBreaker(threshold=1.5)
    with pytest.raises(ValueError, match="'window' argument of FailureRateBreaker"):
        FailureRateBreaker(window=0)
    with pytest.raises(ValueError, match="'total' argument of CostBudget"):
        CostBudget(-1)
    with pytest.raises(ValueError, match="'scope' argument of WallClockBudget"):
        WallClockBudget(1.0, scope="forever")

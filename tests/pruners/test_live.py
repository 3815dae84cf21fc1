"""Pruning through real studies: startup/warm-up, pruned values, the decision log, pause switch,
multi-objective reports and pruning, and the CLI."""

from __future__ import annotations

import json
import math

import pytest

import skipjack
from skipjack import TrialPruned, create_study
from skipjack._records import TrialState
from skipjack.cli import main as cli_main
from skipjack.pruners import (
    BasePruner,
    MedianPruner,
    ParetoPruner,
    PruneVerdict,
    SuccessiveHalvingPruner,
    decision_log,
    is_pruning_paused,
    set_pruning_paused,
)
from skipjack.pruners._attrs import CHUNK_SIZE, LOG_PREFIX, PAUSE_KEY
from skipjack.pruners._decision import Rule
from skipjack.samplers import RandomSampler
from skipjack.trial import _pruning


def _objective(n_steps: int = 10):
    def objective(trial: skipjack.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        value = 0.0
        for step in range(n_steps):
            value = x + 1.0 / (step + 1)
            trial.report(value, step)
            if trial.should_prune():
                raise TrialPruned()
        return value

    return objective


def test_default_pruner_is_median() -> None:
    assert type(create_study().pruner) is MedianPruner


def test_startup_and_warmup_never_prune_and_pruned_value_is_last_report() -> None:
    pruner = MedianPruner(n_startup_trials=5, n_warmup_steps=3)
    study = create_study(pruner=pruner, sampler=RandomSampler(0))
    study.optimize(_objective(), n_trials=60)
    trials = study.trials
    assert all(t.state == TrialState.COMPLETE for t in trials[:5])
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert len(pruned) > 10
    for t in pruned:
        assert t.last_step >= 3
        assert t.value == t.intermediate_values[t.last_step]
        log = decision_log(t)
        assert log[-1].prune and log[-1].step == t.last_step
        assert not any(d.prune for d in log[:-1])
        assert all(d.rule == Rule.WARMUP for d in log if d.step < 3)


def test_decision_log_records_every_decision() -> None:
    study = create_study(pruner=MedianPruner(n_startup_trials=2), sampler=RandomSampler(1))
    study.optimize(_objective(), n_trials=15)
    for t in study.trials:
        log = decision_log(t)
        assert [d.step for d in log] == sorted(t.intermediate_values)
        for d in log:
            assert d.pruner == "MedianPruner"
            if d.rule == Rule.PERCENTILE:
                # the compared values are the completed trials' reports at that step
                others = [o.intermediate_values[d.step] for o in study.trials
                          if o.state == TrialState.COMPLETE and o.number < t.number
                          and d.step in o.intermediate_values]
                assert d.compared["n_trials"] == len(others)
                assert d.value == min(v for s, v in t.intermediate_values.items()
                                      if s <= d.step)
                assert d.prune is (d.value > d.threshold)


def test_decision_log_is_chunked_and_survives_long_trials() -> None:
    study = create_study(pruner=MedianPruner(n_startup_trials=0), sampler=RandomSampler(0))
    trial = study.ask()
    n = CHUNK_SIZE * 2 + 7
    for step in range(n):
        trial.report(float(step), step)
        trial.should_prune()
    study.tell(trial, 1.0)
    record = study.trials[0]
    keys = [k for k in record.system_attrs if k.startswith(LOG_PREFIX)]
    assert len(keys) == 3
    assert [d.step for d in decision_log(record)] == list(range(n))
    assert decision_log(trial) == decision_log(record)


class _BoolOnly(BasePruner):  # a user pruner with only prune()
    def prune(self, study, trial) -> bool:  # type: ignore[no-untyped-def]
        return trial.last_step is not None and trial.last_step >= 2


def test_user_pruner_without_decide_is_logged_as_custom() -> None:
    study = create_study(pruner=_BoolOnly())
    study.optimize(_objective(), n_trials=2)
    log = decision_log(study.trials[0])
    assert [d.rule for d in log] == [Rule.CUSTOM] * 3 and log[-1].prune
    assert log[-1].pruner == "_BoolOnly"


def test_pause_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pruning, "PAUSE_CHECK_SECONDS", 0.0)
    study = create_study(pruner=MedianPruner(n_startup_trials=1))
    study.enqueue_trial({"x": 0.0})
    study.optimize(_objective(), n_trials=1)
    set_pruning_paused(study, True)
    assert is_pruning_paused(study) and study.user_attrs[PAUSE_KEY] is True
    trial = study.ask()
    trial.report(100.0, 0)
    assert trial.should_prune() is False
    d = decision_log(trial)[-1]
    assert d.rule == Rule.PAUSED and d.compared["would_prune"] is True
    assert d.compared["paused_rule"] == Rule.PERCENTILE
    set_pruning_paused(study, False)
    trial.report(100.0, 1)
    assert trial.should_prune() is True
    with pytest.raises(TypeError, match="paused"):
        set_pruning_paused(study, "yes")  # type: ignore[arg-type]


def test_log_switch_turns_the_log_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pruning, "PAUSE_CHECK_SECONDS", 0.0)
    study = create_study(pruner=MedianPruner(n_startup_trials=0))
    trial = study.ask()
    trial.report(1.0, 0)
    trial.should_prune()
    study.set_user_attr("skipjack:pruning_log", False)
    trial.report(1.0, 1)
    trial.should_prune()
    assert [d.step for d in decision_log(trial)] == [0]


def test_pause_switch_is_seen_by_another_study_object_on_the_same_storage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_pruning, "PAUSE_CHECK_SECONDS", 0.0)
    study = create_study(pruner=MedianPruner(n_startup_trials=0), study_name="p")
    study.enqueue_trial({"x": 0.0})
    study.optimize(_objective(), n_trials=1)
    other = skipjack.load_study(study_name="p", storage=study._storage,
                                pruner=MedianPruner(n_startup_trials=0))
    trial = other.ask()
    trial.report(100.0, 0)
    assert trial.should_prune()
    study.set_user_attr(PAUSE_KEY, True)  # e.g. from `skipjack study set-user-attr`
    trial.report(100.0, 1)
    assert not trial.should_prune()


# --- multi-objective --------------------------------------------------------------------------


def _mo_study(pruner) -> skipjack.Study:  # type: ignore[no-untyped-def]
    study = create_study(directions=["minimize", "maximize"], pruner=pruner)
    # four completed trials; at step 1 they reported (1, 4), (2, 3), (3, 2), (4, 1)
    for i in range(4):
        trial = study.ask()
        trial.report([10.0, 0.0], 0)
        trial.report([1.0 + i, 4.0 - i], 1)
        study.tell(trial, [1.0 + i, 4.0 - i])
    return study


@pytest.mark.parametrize(
    "vector,n_dominating", [((2.5, 1.5), 2), ((0.5, 5.0), 0), ((5.0, 0.5), 4), ((1.0, 4.0), 0)]
)
@pytest.mark.parametrize("share", [0.5, 0.75])
def test_pareto_pruner_share_of_dominating_trials(vector, n_dominating, share) -> None:  # type: ignore[no-untyped-def]
    pruner = ParetoPruner(dominated_share=share, n_startup_trials=1)
    study = _mo_study(pruner)
    trial = study.ask()
    trial.report(list(vector), 1)
    d = pruner.decide(study, trial._view)
    assert d.rule == Rule.DOMINANCE and d.compared["n_dominating"] == n_dominating
    assert d.value == n_dominating / 4 and d.threshold == share
    assert trial.should_prune() is (n_dominating / 4 >= share)


def test_median_pruner_in_a_multi_objective_study_and_pruned_vector_values() -> None:
    study = _mo_study(MedianPruner(n_startup_trials=1))
    trial = study.ask()
    trial.report([5.0, 0.5], 1)  # dominated by all four
    assert trial.should_prune()
    d = decision_log(trial)[-1]
    assert d.rule == Rule.DOMINANCE and d.compared["vector"] == [5.0, 0.5]
    study.tell(trial, state=TrialState.PRUNED)
    record = study.trials[-1]
    assert record.state == TrialState.PRUNED and record.values == [5.0, 0.5]
    assert record.intermediate_values == {1: 5.0}  # the first component is the stored value
    assert skipjack.pruners.intermediate_vectors(record) == {1: (5.0, 0.5)}


def test_multi_objective_report_errors_and_nan() -> None:
    study = create_study(directions=["minimize", "minimize"],
                         pruner=ParetoPruner(n_startup_trials=0))
    trial = study.ask()
    with pytest.raises(ValueError, match="one entry per objective"):
        trial.report([1.0], 0)
    with pytest.raises(NotImplementedError, match="one value per objective"):  # Optuna's type
        trial.report(1.0, 0)
    with pytest.raises(TypeError, match="sequence"):
        trial.report("1.0", 0)
    with pytest.raises(NotImplementedError, match="before a report"):  # as Optuna
        trial.should_prune()
    study.tell(trial, [1.0, 1.0])
    trial = study.ask()
    trial.report([math.nan, 1.0], 0)
    assert trial.should_prune() is True  # a NaN report is pruned, as in Optuna
    assert decision_log(trial)[-1].rule == Rule.NAN
    study.tell(trial, state=TrialState.PRUNED)
    assert study.trials[-1].values is None  # a NaN report leaves no value, as in Optuna
    with pytest.raises(NotImplementedError, match="ParetoPruner"):
        SuccessiveHalvingPruner().decide(study, study.trials[0])


def test_mo_optimize_with_pareto_pruning_prunes_dominated_trials() -> None:
    def objective(trial: skipjack.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        for step in range(5):
            f = (x + y + 1.0 / (step + 1), x - y + 2.0 + 1.0 / (step + 1))
            trial.report(list(f), step)
            if trial.should_prune():
                raise TrialPruned()
        return f

    study = create_study(directions=["minimize", "minimize"], sampler=RandomSampler(3),
                         pruner=ParetoPruner(dominated_share=0.5, n_startup_trials=3))
    study.optimize(objective, n_trials=40)
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED]
    assert pruned
    for t in pruned:
        d = decision_log(t)[-1]
        assert d.prune and d.compared["n_dominating"] / d.compared["n_trials"] >= 0.5
        assert t.values == list(
            skipjack.pruners.intermediate_vectors(t)[t.last_step]
        )


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_pruning_log_and_pause(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    try:
        study = create_study(storage=url, study_name="cli",
                             pruner=MedianPruner(n_startup_trials=2))
    except (ImportError, ValueError, KeyError) as e:  # the RDB storage is not built yet
        pytest.skip(f"SQLite storage unavailable: {e}")
    study.optimize(_objective(), n_trials=8)
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED]
    assert cli_main(["pruning-log", "--storage", url, "--study", "cli"]) == 0
    out = capsys.readouterr().out
    assert "pruning active" in out and "PRUNE" in out
    assert cli_main(["pruning-log", "--storage", url, "--study", "cli", "--trial",
                     str(pruned[0].number), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["step"] for r in rows] == sorted(pruned[0].intermediate_values)
    assert rows[-1]["verdict"] == PruneVerdict.PRUNE.value
    assert cli_main(["pruning-pause", "--storage", url, "--study", "cli"]) == 0
    assert skipjack.load_study(study_name="cli", storage=url).user_attrs[PAUSE_KEY] is True
    assert cli_main(["pruning-pause", "--storage", url, "--study", "cli", "--off"]) == 0
    assert skipjack.load_study(study_name="cli", storage=url).user_attrs[PAUSE_KEY] is False
    assert cli_main(["pruning-log", "--storage", url, "--study", "nope"]) == 2

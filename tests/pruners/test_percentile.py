"""MedianPruner / PercentilePruner on hand-built histories: the rule, startup, warm-up, interval."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from skipjack.pruners import MedianPruner, PercentilePruner, PruneVerdict
from skipjack.pruners._decision import Rule, parse_numbers

from tests.pruners._history import decide, history, running

# Five completed trials; at step 3 they reported 1..5.
CURVES = [{0: 10.0 + i, 1: 8.0 + i, 2: 5.0 + i, 3: 1.0 + i} for i in range(5)]


@pytest.mark.parametrize("value,pruned", [(3.5, True), (2.9, False), (3.0, False)])
def test_median_prunes_worse_than_median_at_the_same_step(value: float, pruned: bool) -> None:
    pruner = MedianPruner(n_startup_trials=5)
    study = history(CURVES, pruner=pruner)
    trial = running(study, {0: 20.0, 1: 20.0, 2: 20.0, 3: value})
    d = decide(pruner, study, trial)
    assert d.threshold == statistics.median(c[3] for c in CURVES)
    assert d.prune is pruned
    assert d.rule == Rule.PERCENTILE and d.step == 3 and d.value == value
    assert parse_numbers(d.compared["trials"]) == [0, 1, 2, 3, 4]


def test_median_compares_the_best_value_so_far() -> None:
    pruner = MedianPruner(n_startup_trials=1)
    study = history(CURVES, pruner=pruner)
    # A bad value now, but an early value better than the median at step 3.
    trial = running(study, {0: 0.5, 3: 100.0})
    d = decide(pruner, study, trial)
    assert d.value == 0.5 and d.verdict is PruneVerdict.CONTINUE


@pytest.mark.parametrize("percentile", [10.0, 25.0, 75.0])
def test_percentile_maximize_uses_the_upper_percentile(percentile: float) -> None:
    pruner = PercentilePruner(percentile, n_startup_trials=1)
    study = history(CURVES, pruner=pruner, direction="maximize")
    values = [c[3] for c in CURVES]
    expected = float(np.percentile(values, 100 - percentile))
    for value in (expected - 0.01, expected + 0.01):
        trial = running(study, {3: value})
        d = decide(pruner, study, trial)
        assert d.threshold == pytest.approx(expected)
        assert d.prune is (value < expected)


def test_percentile_minimize_threshold_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    curves = [{7: float(v)} for v in rng.normal(size=23)]
    pruner = PercentilePruner(30.0, n_startup_trials=0)
    study = history(curves, pruner=pruner)
    trial = running(study, {7: 0.0})
    d = decide(pruner, study, trial)
    assert d.threshold == pytest.approx(np.percentile([c[7] for c in curves], 30.0))
    assert d.prune is (0.0 > d.threshold)


def test_no_pruning_before_n_startup_trials() -> None:
    pruner = MedianPruner(n_startup_trials=6)
    study = history(CURVES, pruner=pruner)
    trial = running(study, {0: 1e9, 1: 1e9, 2: 1e9, 3: 1e9})
    d = decide(pruner, study, trial)
    assert not d.prune and d.rule == Rule.STARTUP
    assert d.compared == {"n_complete": 5, "n_startup_trials": 6}


def test_no_pruning_during_warmup_and_off_interval() -> None:
    curves = [{s: float(s) for s in range(10)} for _ in range(5)]
    pruner = MedianPruner(n_startup_trials=0, n_warmup_steps=3, interval_steps=2)
    study = history(curves, pruner=pruner)
    trial = study.ask()
    seen = {}
    for step in range(10):
        trial.report(1e6, step)
        seen[step] = decide(pruner, study, trial)
    for step in range(3):
        assert not seen[step].prune and seen[step].rule == Rule.WARMUP
    # pruning steps: 3, 5, 7, 9
    assert {s for s, d in seen.items() if d.prune} == {3, 5, 7, 9}
    assert all(seen[s].rule == Rule.INTERVAL for s in (4, 6, 8))


def test_sparse_reports_are_checked_once_per_interval() -> None:
    curves = [{s: 0.0 for s in range(20)} for _ in range(5)]
    pruner = MedianPruner(n_startup_trials=0, interval_steps=5)
    study = history(curves, pruner=pruner)
    trial = running(study, {0: 1.0, 7: 1.0})  # 7 is the first report past pruning step 5
    assert decide(pruner, study, trial).prune
    trial = running(study, {6: 1.0, 7: 1.0})  # step 6 already covered pruning step 5
    assert decide(pruner, study, trial).rule == Rule.INTERVAL


def test_n_min_trials() -> None:
    curves = [{0: 0.0}, {0: 0.0, 5: 0.0}, {0: 0.0}]
    pruner = MedianPruner(n_startup_trials=0, n_min_trials=2)
    study = history(curves, pruner=pruner)
    trial = running(study, {5: 9.0})
    d = decide(pruner, study, trial)
    assert not d.prune and d.rule == Rule.TOO_FEW_TRIALS and d.compared["n_trials"] == 1
    trial = running(study, {0: 9.0})
    assert decide(pruner, study, trial).prune


def test_nan_handling() -> None:
    nan = math.nan
    curves = [{1: nan}, {1: 1.0}, {1: 3.0}, {1: nan}]
    pruner = MedianPruner(n_startup_trials=0)
    study = history(curves, pruner=pruner)
    # other trials' NaN are ignored: the median is that of [1, 3]
    trial = running(study, {1: 2.5})
    d = decide(pruner, study, trial)
    assert d.threshold == 2.0 and d.prune
    # a trial whose reports are all NaN is pruned
    trial = running(study, {0: nan, 1: nan})
    d = decide(pruner, study, trial)
    assert d.prune and d.rule == Rule.NAN
    # only NaN at this step among others: no threshold, no pruning
    only_nan = history([{1: nan}, {1: nan}], pruner=pruner)
    trial = running(only_nan, {1: 5.0})
    assert not decide(pruner, only_nan, trial).prune


def test_only_complete_trials_are_compared() -> None:
    from skipjack._records import TrialState

    curves = [{0: 0.0}, {0: 0.0}, {0: 10.0}, {0: 10.0}, {0: 10.0}]
    states = [TrialState.PRUNED, TrialState.PRUNED] + [TrialState.COMPLETE] * 3
    pruner = MedianPruner(n_startup_trials=3)
    study = history(curves, pruner=pruner, states=states)
    trial = running(study, {0: 5.0})
    d = decide(pruner, study, trial)
    assert d.threshold == 10.0 and not d.prune


@pytest.mark.parametrize(
    "kwargs,name",
    [({"n_startup_trials": -1}, "n_startup_trials"), ({"n_warmup_steps": -1}, "n_warmup_steps"),
     ({"interval_steps": 0}, "interval_steps"), ({"n_min_trials": 0}, "n_min_trials")],
)
def test_bad_arguments_name_the_argument(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        MedianPruner(**kwargs)
    with pytest.raises(ValueError, match="percentile"):
        PercentilePruner(101.0)


def test_percentile_of_equals_numpy_bit_for_bit() -> None:
    from skipjack.pruners._percentile import percentile_of

    rng = np.random.default_rng(1)
    for n in (1, 2, 3, 10, 57):
        values = (rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)).tolist()
        for q in (0.0, 12.5, 25.0, 30.0, 50.0, 70.0, 75.0, 99.9, 100.0):
            assert percentile_of(values, q) == float(np.percentile(values, q)), (n, q)

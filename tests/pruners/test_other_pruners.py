"""ThresholdPruner, PatientPruner and WilcoxonPruner (p-values against scipy) on hand-built data."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from skipjack.pruners import MedianPruner, PatientPruner, ThresholdPruner, WilcoxonPruner
from skipjack.pruners._decision import Rule

from tests.pruners._history import decide, history, running


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_threshold_bounds_are_absolute(direction: str) -> None:
    pruner = ThresholdPruner(lower=0.0, upper=1.0)
    study = history([], direction=direction)
    for value, pruned in [(-0.1, True), (0.0, False), (0.5, False), (1.0, False), (1.1, True),
                          (math.nan, True)]:
        trial = running(study, {0: value})
        assert decide(pruner, study, trial).prune is pruned, value
    d = decide(pruner, study, running(study, {0: 2.0}))
    assert d.threshold == 1.0 and d.compared["bound"] == "upper"


def test_threshold_warmup_and_interval() -> None:
    pruner = ThresholdPruner(upper=1.0, n_warmup_steps=2, interval_steps=3)
    study = history([])
    trial = study.ask()
    pruned = []
    for step in range(9):
        trial.report(5.0, step)
        if decide(pruner, study, trial).prune:
            pruned.append(step)
    assert pruned == [2, 5, 8]


def test_threshold_arguments() -> None:
    with pytest.raises(TypeError, match="bound"):
        ThresholdPruner()
    with pytest.raises(ValueError, match="lower"):
        ThresholdPruner(lower=2.0, upper=1.0)
    with pytest.raises(TypeError, match="upper"):
        ThresholdPruner(upper="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("min_delta,pruned", [(0.0, True), (0.1, True), (0.2, False)])
def test_patient_prunes_when_the_window_is_worse_than_before(min_delta: float,
                                                              pruned: bool) -> None:
    pruner = PatientPruner(None, patience=2, min_delta=min_delta)
    study = history([])
    # improves until step 3 (2.0), then the last 3 steps (window of patience + 1) are all worse
    curve = {0: 5.0, 1: 4.0, 2: 3.0, 3: 2.0, 4: 2.15, 5: 2.2, 6: 2.3}
    trial = study.ask()
    decisions = {}
    for step, v in curve.items():
        trial.report(v, step)
        decisions[step] = decide(pruner, study, trial)
    assert not any(decisions[s].prune for s in range(6))  # window 3..5 still holds 2.0
    assert decisions[6].prune is pruned and decisions[6].rule == Rule.PATIENCE
    assert decisions[6].value == 2.15 and decisions[6].threshold == pytest.approx(2.0 + min_delta)


def test_patient_asks_the_wrapped_pruner_only_when_stalled() -> None:
    curves = [{s: 0.0 for s in range(6)} for _ in range(5)]
    inner = MedianPruner(n_startup_trials=0)
    pruner = PatientPruner(inner, patience=1)
    study = history(curves)
    # worse than the median but improving: the wrapped pruner is not asked
    trial = running(study, {0: 9.0, 1: 8.0, 2: 7.0})
    d = decide(pruner, study, trial)
    assert not d.prune and d.rule == Rule.PATIENCE
    trial = running(study, {0: 9.0, 1: 8.0, 2: 8.5, 3: 8.5})
    d = decide(pruner, study, trial)
    assert d.prune and d.rule == Rule.PERCENTILE and d.pruner == "PatientPruner(MedianPruner)"
    with pytest.raises(ValueError, match="patience"):
        PatientPruner(None, patience=-1)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("shift", [0.0, 0.3, 1.0])
def test_wilcoxon_p_values_match_scipy(direction: str, shift: float) -> None:
    rng = np.random.default_rng(42)
    best = rng.normal(size=12)
    sign = 1.0 if direction == "minimize" else -1.0
    current = best + sign * shift + rng.normal(scale=0.3, size=12)
    study = history([dict(enumerate(best.tolist()))], direction=direction)
    pruner = WilcoxonPruner(p_threshold=0.1, n_startup_steps=3)
    trial = running(study, dict(enumerate(current[:8].tolist())))
    d = decide(pruner, study, trial)
    diffs = current[:8] - best[:8]
    alternative = "greater" if direction == "minimize" else "less"
    p = stats.wilcoxon(diffs, alternative=alternative, zero_method="zsplit").pvalue
    assert d.rule == Rule.WILCOXON and d.value == pytest.approx(p)
    mean_cur, mean_best = current[:8].mean(), best.mean()
    better_avg = mean_best < mean_cur if direction == "minimize" else mean_best > mean_cur
    assert d.prune is bool(p < 0.1 and better_avg)


def test_wilcoxon_startup_and_non_finite() -> None:
    study = history([{0: 1.0, 1: 1.0, 2: 1.0}])
    pruner = WilcoxonPruner(n_startup_steps=3)
    trial = running(study, {0: 5.0, 1: 5.0})
    assert decide(pruner, study, trial).rule == Rule.STARTUP
    trial = running(study, {0: 5.0, 1: math.inf})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = decide(pruner, study, trial)
    assert not d.prune and any("infinity/NaN" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="p_threshold"):
        WilcoxonPruner(p_threshold=2.0)

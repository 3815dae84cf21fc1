"""Same history, same decisions: every pruner against Optuna's (skipped without optuna).

Trial ``i`` replays synthetic learning curve ``i`` (varied shapes, noise, some NaN reports), so
both frameworks see the same history for as long as their decisions agree; every trial must end
in the same state at the same step.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import skipjack

optuna = pytest.importorskip("optuna", reason="optuna is not installed (a test-only dependency)")

PRUNERS = {
    "median": "P.MedianPruner()",
    "median-warmup-interval": "P.MedianPruner(n_startup_trials=3, n_warmup_steps=4, "
                              "interval_steps=3, n_min_trials=2)",
    "percentile": "P.PercentilePruner(30.0, n_startup_trials=2)",
    "asha-auto": "P.SuccessiveHalvingPruner()",
    "asha": "P.SuccessiveHalvingPruner(min_resource=2, reduction_factor=2, "
            "min_early_stopping_rate=1)",
    "asha-bootstrap": "P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, "
                      "bootstrap_count=2)",
    "hyperband": "P.HyperbandPruner()",
    "hyperband-fixed": "P.HyperbandPruner(min_resource=1, max_resource=24, reduction_factor=2)",
    "threshold": "P.ThresholdPruner(lower=0.2, upper=2.5, n_warmup_steps=2)",
    "patient": "P.PatientPruner(P.MedianPruner(), patience=2, min_delta=0.01)",
    "patient-alone": "P.PatientPruner(None, patience=3)",
}


def _curves(seed: int, n_trials: int, n_steps: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    curves = []
    for i in range(n_trials):
        start, end, rate = rng.uniform(1, 3), rng.uniform(0, 1.5), rng.uniform(0.05, 0.6)
        curve = (end + (start - end) * np.exp(-rate * np.arange(n_steps))
                 + rng.normal(scale=0.05, size=n_steps)).tolist()
        if i % 17 == 5:
            curve[rng.integers(n_steps)] = math.nan
        curves.append(curve)
    return curves


def _ends(fw: Any, source: str, curves: list[list[float]], direction: str) -> list[tuple]:
    fw.logging.set_verbosity(fw.logging.WARNING)
    sign = 1.0 if direction == "minimize" else -1.0

    def objective(trial: Any) -> float:
        value = 0.0
        for step, v in enumerate(curves[trial.number]):
            value = sign * v
            trial.report(value, step)
            if trial.should_prune():
                raise fw.TrialPruned()
        return value if not math.isnan(value) else 0.0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning, NaN reports
        study = fw.create_study(direction=direction, study_name="parity",
                                pruner=eval(source, {"P": fw.pruners}))  # noqa: S307
        study.optimize(objective, n_trials=len(curves))
    return [(t.state.name, t.last_step) for t in study.get_trials(deepcopy=False)]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("name", list(PRUNERS))
def test_same_decisions_as_optuna(name: str, direction: str) -> None:
    curves = _curves(7, 60, 24)
    ours = _ends(skipjack, PRUNERS[name], curves, direction)
    theirs = _ends(optuna, PRUNERS[name], curves, direction)
    assert ours == theirs
    assert any(state == "PRUNED" for state, _ in ours) or name.startswith("threshold")


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_wilcoxon_same_decisions_as_optuna(direction: str) -> None:
    curves = _curves(3, 15, 8)
    source = "P.WilcoxonPruner(p_threshold=0.2, n_startup_steps=3)"
    assert _ends(skipjack, source, curves, direction) == _ends(optuna, source, curves, direction)

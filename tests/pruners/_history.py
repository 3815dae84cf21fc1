"""Hand-built histories for pruner tests: finished trials added as records, one live trial."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from skipjack import create_study
from skipjack._records import TrialState, create_trial
from skipjack.pruners import BasePruner, NopPruner, PruneDecision
from skipjack.study import Study
from skipjack.trial import Trial

__all__ = ["history", "running", "decide"]


def history(
    curves: Sequence[Mapping[int, float]],
    *,
    direction: str = "minimize",
    pruner: BasePruner | None = None,
    states: Sequence[TrialState] | None = None,
    study_name: str | None = None,
) -> Study:
    """A study whose trials 0..n-1 reported ``curves`` (COMPLETE unless ``states`` says)."""
    study = create_study(direction=direction, pruner=pruner or NopPruner(),
                         study_name=study_name)
    for i, curve in enumerate(curves):
        state = states[i] if states else TrialState.COMPLETE
        last = curve[max(curve)] if curve else 0.0
        last = 0.0 if last != last else last  # a COMPLETE record cannot hold NaN
        value = last if state == TrialState.COMPLETE else None
        if state == TrialState.RUNNING:
            trial = study.ask()
            for step, v in curve.items():
                trial.report(v, step)
            continue
        study.add_trial(create_trial(state=state, value=value, intermediate_values=dict(curve)))
    return study


def running(study: Study, curve: Mapping[int, float]) -> Trial:
    """Start a trial and report ``curve`` (no pruning asked)."""
    trial = study.ask()
    for step, v in curve.items():
        trial.report(v, step)
    return trial


def decide(pruner: BasePruner, study: Study, trial: Trial) -> PruneDecision:
    """The pruner's decision for the live trial, checked against its ``prune``."""
    decision = pruner.decide(study, trial._view)
    assert pruner.prune(study, trial._view) is decision.prune
    return decision

"""One worker process of the multi-worker pruning test: ``python -m tests.pruners._mw_worker``.

Args: storage URL, study name, pruner kind ("median" | "asha"), number of trials.
"""

from __future__ import annotations

import math
import sys

import skipjack
from skipjack.pruners import MedianPruner, SuccessiveHalvingPruner

N_STEPS = 20


def make_pruner(kind: str) -> skipjack.pruners.BasePruner:
    if kind == "median":
        return MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    return SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)


def objective(trial: skipjack.Trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    value = 0.0
    for step in range(N_STEPS):
        value = x * x + 1.0 / (step + 1) + 0.05 * math.sin(13.0 * x + step)
        trial.report(value, step)
        if trial.should_prune():
            raise skipjack.TrialPruned()
    return value


def main() -> None:
    url, name, kind, n_trials = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.load_study(study_name=name, storage=url, pruner=make_pruner(kind))
    study.optimize(objective, n_trials=n_trials)


if __name__ == "__main__":
    main()

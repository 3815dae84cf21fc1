"""Every built-in sampler of Optuna on one mixed problem (GP, QMC, Grid, BruteForce, NSGA-III...).

uses: optuna, scipy, cmaes
timeout: 600
"""

import optuna
from optuna.samplers import (
    BruteForceSampler,
    CmaEsSampler,
    GPSampler,
    GridSampler,
    NSGAIIISampler,
    NSGAIISampler,
    PartialFixedSampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", -3, 3)
    return x ** 2 + y ** 2


def discrete(trial):
    x = trial.suggest_float("x", -1, 1, step=0.5)
    y = trial.suggest_int("y", -1, 1)
    return x ** 2 + y ** 2


if __name__ == "__main__":
    results = {}
    for sampler in (TPESampler(seed=0), TPESampler(seed=0, multivariate=True, group=True),
                    CmaEsSampler(seed=0), GPSampler(seed=0, n_startup_trials=5),
                    QMCSampler(seed=0), RandomSampler(seed=0), NSGAIISampler(seed=0),
                    NSGAIIISampler(seed=0),
                    PartialFixedSampler({"y": 0}, TPESampler(seed=0))):
        study = optuna.create_study(sampler=sampler)
        study.optimize(objective, n_trials=20)
        results[type(sampler).__name__] = round(study.best_value, 3)
    grid = optuna.create_study(sampler=GridSampler({"x": [-1, 0, 1], "y": [-1, 0, 1]}))
    grid.optimize(objective, n_trials=20)
    brute = optuna.create_study(sampler=BruteForceSampler(seed=0))
    brute.optimize(discrete)
    print(results, len(grid.trials), len(brute.trials))
    assert len(grid.trials) == 9 and len(brute.trials) == 15 and grid.best_value == 0

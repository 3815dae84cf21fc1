"""CMA-ES warm-started from a source study's trials (``source_trials``), then plain CMA-ES.

uses: optuna, cmaes
"""

import optuna


def source_objective(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return (x - 2) ** 2 + (y + 2) ** 2


def target_objective(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return (x - 2.5) ** 2 + (y + 2.5) ** 2


if __name__ == "__main__":
    source = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    source.optimize(source_objective, n_trials=40)
    sampler = optuna.samplers.CmaEsSampler(seed=0, source_trials=source.trials)
    study = optuna.create_study(sampler=sampler)
    study.optimize(target_objective, n_trials=40)
    plain = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=0, restart_strategy=None))
    plain.optimize(target_objective, n_trials=20)
    print(f"warm-started best {study.best_value:.4f}, plain best {plain.best_value:.4f}")
    assert study.best_value < 5.0

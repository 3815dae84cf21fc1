"""Two objectives with the default multi-objective sampler; the Pareto front printed.

uses: optuna
"""

import optuna


def objective(trial):
    x = trial.suggest_float("x", 0, 5)
    y = trial.suggest_float("y", 0, 3)
    v0 = 4 * x ** 2 + 4 * y ** 2
    v1 = (x - 5) ** 2 + (y - 5) ** 2
    return v0, v1


if __name__ == "__main__":
    study = optuna.create_study(directions=["minimize", "minimize"])
    study.optimize(objective, n_trials=60)
    print("Number of trials on the Pareto front:", len(study.best_trials))
    best = max(study.best_trials, key=lambda t: t.values[1])
    print(f"Trial with highest v1: number={best.number}, params={best.params}, values={best.values}")
    assert study.best_trials and all(len(t.values) == 2 for t in study.best_trials)

"""A quadratic function minimized with the default sampler; best value and parameters printed.

uses: optuna
"""

import optuna


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


if __name__ == "__main__":
    study = optuna.create_study()
    study.optimize(objective, n_trials=60)
    print(f"Best value: {study.best_value} (params: {study.best_params})")
    assert abs(study.best_params["x"] - 2) < 1.0
    assert len(study.trials) == 60

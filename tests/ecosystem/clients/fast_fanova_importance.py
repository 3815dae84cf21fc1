"""optuna-fast-fanova's ``FanovaImportanceEvaluator`` through ``get_param_importances``.

uses: optuna-fast-fanova, scikit-learn
"""

import optuna
from optuna_fast_fanova import FanovaImportanceEvaluator


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -10, 10)
    z = trial.suggest_categorical("z", ["a", "b", "c"])
    return x ** 2 + 0.1 * y + {"a": 0, "b": 1, "c": 2}[z]


if __name__ == "__main__":
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=60)
    importances = optuna.importance.get_param_importances(
        study, evaluator=FanovaImportanceEvaluator(seed=0)
    )
    print(importances)
    assert list(importances)[0] == "x" and abs(sum(importances.values()) - 1) < 1e-6

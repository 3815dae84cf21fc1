"""Known good parameters enqueued before the search; the first trial evaluates them.

uses: optuna
"""

import optuna


def objective(trial):
    x = trial.suggest_float("x", 0, 10)
    y = trial.suggest_int("y", 0, 10)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return x ** 2 + y + (0 if kind == "a" else 1)


if __name__ == "__main__":
    study = optuna.create_study()
    study.enqueue_trial({"x": 5.0, "y": 0, "kind": "b"})
    study.enqueue_trial({"x": 0.5}, user_attrs={"memo": "partial"})
    study.optimize(objective, n_trials=20)
    first, second = study.trials[:2]
    print(first.params, second.params, second.user_attrs)
    assert first.params == {"x": 5.0, "y": 0, "kind": "b"}
    assert second.params["x"] == 0.5 and second.user_attrs == {"memo": "partial"}

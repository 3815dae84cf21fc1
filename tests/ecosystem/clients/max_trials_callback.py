"""``MaxTrialsCallback`` stops two threads at a total of finished trials.

uses: optuna
"""

import optuna
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    return x ** 2


if __name__ == "__main__":
    study = optuna.create_study(study_name="my_study")
    study.optimize(
        objective,
        n_trials=50,
        n_jobs=2,
        callbacks=[MaxTrialsCallback(10, states=(TrialState.COMPLETE,))],
    )
    n_complete = len(study.get_trials(deepcopy=False, states=[TrialState.COMPLETE]))
    print(f"complete trials: {n_complete}")
    assert 10 <= n_complete <= 12

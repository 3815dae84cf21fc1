"""A manual loop that stops when ``Terminator`` says the remaining improvement is below the error.

uses: optuna, scikit-learn, scipy
timeout: 600
"""

import optuna
from optuna.terminator import Terminator, report_cross_validation_scores
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import KFold, cross_val_score


def objective(trial):
    X, y = load_wine(return_X_y=True)
    clf = RandomForestClassifier(
        max_depth=trial.suggest_int("max_depth", 2, 32),
        min_samples_split=trial.suggest_float("min_samples_split", 0, 1),
        criterion=trial.suggest_categorical("criterion", ("gini", "entropy")),
        n_estimators=10,
        random_state=0,
    )
    scores = cross_val_score(clf, X, y, cv=KFold(n_splits=3, shuffle=True, random_state=0))
    report_cross_validation_scores(trial, scores)
    return scores.mean()


if __name__ == "__main__":
    study = optuna.create_study(direction="maximize")
    terminator = Terminator()
    for i in range(25):
        trial = study.ask()
        value = objective(trial)
        study.tell(trial, value)
        if i >= 5 and terminator.should_terminate(study):
            print(f"Terminated by Optuna Terminator at trial {trial.number}")
            break
    print(f"best {study.best_value:.3f} after {len(study.trials)} trials")
    assert study.best_value > 0.8

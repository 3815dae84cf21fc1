"""An objective that takes extra arguments, passed through a callable class and a lambda.

uses: optuna, scikit-learn
"""

import optuna
import sklearn.datasets
import sklearn.model_selection
import sklearn.svm


class Objective:
    def __init__(self, iris):
        self.iris = iris

    def __call__(self, trial):
        x, y = self.iris.data, self.iris.target
        c = trial.suggest_float("svc_c", 1e-3, 1e3, log=True)
        clf = sklearn.svm.SVC(C=c, gamma="auto")
        return sklearn.model_selection.cross_val_score(clf, x, y, cv=3).mean()


def objective(trial, data, target):
    c = trial.suggest_float("svc_c", 1e-3, 1e3, log=True)
    return sklearn.model_selection.cross_val_score(sklearn.svm.SVC(C=c), data, target, cv=3).mean()


if __name__ == "__main__":
    iris = sklearn.datasets.load_iris()
    study = optuna.create_study(direction="maximize")
    study.optimize(Objective(iris), n_trials=10)
    study.optimize(lambda trial: objective(trial, iris.data, iris.target), n_trials=10)
    print(study.best_trial.params, len(study.trials))
    assert len(study.trials) == 20 and study.best_value > 0.9

"""``HyperbandPruner`` on an SGD classifier trained epoch by epoch (digits).

uses: optuna, scikit-learn
"""

import numpy as np
import optuna
import sklearn.datasets
import sklearn.linear_model
import sklearn.model_selection


def objective(trial):
    x, y = sklearn.datasets.load_digits(return_X_y=True)
    train_x, valid_x, train_y, valid_y = sklearn.model_selection.train_test_split(
        x, y, random_state=0
    )
    alpha = trial.suggest_float("alpha", 1e-5, 1e-1, log=True)
    clf = sklearn.linear_model.SGDClassifier(alpha=alpha, random_state=0)
    for step in range(27):
        clf.partial_fit(train_x, train_y, classes=np.unique(y))
        value = clf.score(valid_x, valid_y)
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return clf.score(valid_x, valid_y)


if __name__ == "__main__":
    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=27,
                                              reduction_factor=3),
    )
    study.optimize(objective, n_trials=25)
    states = [t.state.name for t in study.trials]
    print({s: states.count(s) for s in set(states)}, study.best_value)
    assert "PRUNED" in states and study.best_value > 0.8

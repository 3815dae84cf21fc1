"""``OptunaSearchCV`` (optuna-integration) tuning an SVC on iris, as in Optuna's examples.

uses: optuna-integration, scikit-learn
"""

import optuna
from sklearn.datasets import load_iris
from sklearn.svm import SVC

if __name__ == "__main__":
    clf = SVC(gamma="auto")
    param_distributions = {
        "C": optuna.distributions.FloatDistribution(1e-10, 1e10, log=True),
        "degree": optuna.distributions.IntDistribution(1, 5),
    }
    optuna_search = optuna.integration.OptunaSearchCV(
        clf, param_distributions, n_trials=20, timeout=600, verbose=0, random_state=0
    )
    X, y = load_iris(return_X_y=True)
    optuna_search.fit(X, y)
    trial = optuna_search.study_.best_trial
    print("Best trial:", trial.value, trial.params)
    print("score:", optuna_search.score(X, y))
    assert len(optuna_search.trials_) == 20 and optuna_search.best_score_ > 0.9

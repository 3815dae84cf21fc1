"""``OptunaSearchCV`` whose study stops through a ``TerminatorCallback``.

uses: optuna-integration, scikit-learn, scipy
timeout: 600
"""

import optuna
from optuna.terminator import TerminatorCallback
from sklearn.datasets import load_iris
from sklearn.svm import SVC

if __name__ == "__main__":
    clf = SVC(gamma="auto")
    param_distributions = {
        "C": optuna.distributions.FloatDistribution(1e-10, 1e10, log=True),
        "degree": optuna.distributions.IntDistribution(1, 5),
    }
    terminator = TerminatorCallback()
    optuna_search = optuna.integration.OptunaSearchCV(
        clf, param_distributions, n_trials=30, timeout=600, verbose=0, callbacks=[terminator],
        random_state=0,
    )
    X, y = load_iris(return_X_y=True)
    optuna_search.fit(X, y)
    trial = optuna_search.study_.best_trial
    print("Best trial:", trial.value, trial.params, len(optuna_search.trials_))
    assert trial.value > 0.9

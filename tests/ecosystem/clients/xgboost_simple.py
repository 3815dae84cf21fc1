"""XGBoost trained with ``xgb.train`` on breast cancer; booster and tree parameters tuned.

uses: optuna, xgboost, scikit-learn
"""

import numpy as np
import optuna
import sklearn.datasets
import sklearn.metrics
import xgboost as xgb
from sklearn.model_selection import train_test_split


def objective(trial):
    data, target = sklearn.datasets.load_breast_cancer(return_X_y=True)
    train_x, valid_x, train_y, valid_y = train_test_split(data, target, test_size=0.25,
                                                          random_state=0)
    dtrain = xgb.DMatrix(train_x, label=train_y)
    dvalid = xgb.DMatrix(valid_x, label=valid_y)
    param = {
        "verbosity": 0,
        "objective": "binary:logistic",
        "tree_method": "exact",
        "nthread": 1,
        "booster": trial.suggest_categorical("booster", ["gbtree", "gblinear", "dart"]),
        "lambda": trial.suggest_float("lambda", 1e-8, 1.0, log=True),
        "alpha": trial.suggest_float("alpha", 1e-8, 1.0, log=True),
    }
    if param["booster"] in ["gbtree", "dart"]:
        param["max_depth"] = trial.suggest_int("max_depth", 3, 9, step=2)
        param["eta"] = trial.suggest_float("eta", 1e-8, 1.0, log=True)
    bst = xgb.train(param, dtrain, num_boost_round=10)
    preds = bst.predict(dvalid)
    return sklearn.metrics.accuracy_score(valid_y, np.rint(preds))


if __name__ == "__main__":
    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=15, timeout=600)
    print("Best trial:", study.best_trial.value, study.best_trial.params)
    assert study.best_value > 0.85

"""XGBoost with optuna-integration's ``XGBoostPruningCallback`` on a validation AUC.

uses: optuna-integration, xgboost, scikit-learn
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
        "eval_metric": "auc",
        "nthread": 1,
        "max_depth": trial.suggest_int("max_depth", 1, 9),
        "eta": trial.suggest_float("eta", 1e-8, 1.0, log=True),
    }
    pruning_callback = optuna.integration.XGBoostPruningCallback(trial, "validation-auc")
    bst = xgb.train(param, dtrain, num_boost_round=30, evals=[(dvalid, "validation")],
                    verbose_eval=False, callbacks=[pruning_callback])
    preds = bst.predict(dvalid)
    return sklearn.metrics.accuracy_score(valid_y, np.rint(preds))


if __name__ == "__main__":
    pruner = optuna.pruners.MedianPruner(n_warmup_steps=5)
    study = optuna.create_study(pruner=pruner, direction="maximize")
    study.optimize(objective, n_trials=20)
    print(f"{len(study.trials)} trials, best {study.best_value}")
    assert study.best_trial.intermediate_values

"""optuna-integration's LightGBM tuner (``optuna.integration.lightgbm.train``), stepwise.

uses: optuna-integration, lightgbm, scikit-learn
timeout: 600
"""

import numpy as np
import optuna.integration.lightgbm as lgb
from lightgbm import early_stopping, log_evaluation
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

if __name__ == "__main__":
    data, target = load_breast_cancer(return_X_y=True)
    train_x, val_x, train_y, val_y = train_test_split(data, target, test_size=0.25,
                                                      random_state=0)
    dtrain = lgb.Dataset(train_x, label=train_y)
    dval = lgb.Dataset(val_x, label=val_y)
    params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
              "boosting_type": "gbdt", "num_threads": 1}
    model = lgb.train(
        params, dtrain, valid_sets=[dtrain, dval], num_boost_round=20,
        callbacks=[early_stopping(5, verbose=False), log_evaluation(0)],
        optuna_seed=0, show_progress_bar=False,
    )
    prediction = np.rint(model.predict(val_x, num_iteration=model.best_iteration))
    accuracy = accuracy_score(val_y, prediction)
    print("Best params:", model.params)
    print("Accuracy =", accuracy)
    assert accuracy > 0.9 and "num_leaves" in model.params

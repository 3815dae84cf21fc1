"""optuna-integration's ``LightGBMTunerCV`` with cross-validation folds.

uses: optuna-integration, lightgbm, scikit-learn
timeout: 600
"""

import optuna
import optuna.integration.lightgbm as lgb
from lightgbm import early_stopping, log_evaluation
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import KFold

if __name__ == "__main__":
    data, target = load_breast_cancer(return_X_y=True)
    dtrain = lgb.Dataset(data, label=target)
    params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
              "boosting_type": "gbdt", "num_threads": 1}
    tuner = lgb.LightGBMTunerCV(
        params, dtrain, folds=KFold(n_splits=3), num_boost_round=20,
        callbacks=[early_stopping(5, verbose=False), log_evaluation(0)],
        optuna_seed=0, show_progress_bar=False,
    )
    tuner.run()
    print("Best score:", tuner.best_score)
    print("Best params:", tuner.best_params)
    assert tuner.best_score < 0.3 and isinstance(tuner.study, optuna.Study)

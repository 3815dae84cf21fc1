"""LightGBMPruningCallback and XGBoostPruningCallback with the real libraries on sklearn data."""

from __future__ import annotations

import importlib.util

import pytest

import skipjack
from skipjack import TrialPruned
from skipjack._records import TrialState
from skipjack.pruners import ThresholdPruner, decision_log

sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is not installed")


def _data():  # type: ignore[no-untyped-def]
    from sklearn.model_selection import train_test_split

    x, y = sklearn_datasets.load_breast_cancer(return_X_y=True)
    return train_test_split(x, y, test_size=0.25, random_state=0)


def test_integration_is_lazy() -> None:
    import subprocess
    import sys

    code = ("import sys, skipjack; skipjack.integration; "
            "print('lightgbm' in sys.modules, 'xgboost' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.skipif(importlib.util.find_spec("lightgbm") is None,
                    reason="lightgbm is not installed (pip install 'skipjack[lightgbm]')")
class TestLightGBM:
    def test_reports_each_round_and_prunes(self) -> None:
        import lightgbm as lgb

        from skipjack.integration import LightGBMPruningCallback

        x_tr, x_va, y_tr, y_va = _data()

        def objective(trial: skipjack.Trial) -> float:
            params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
                      "num_threads": 1,
                      "learning_rate": trial.suggest_float("lr", 1e-3, 0.3, log=True),
                      "num_leaves": trial.suggest_int("num_leaves", 2, 32)}
            dtrain = lgb.Dataset(x_tr, y_tr)
            dvalid = lgb.Dataset(x_va, y_va, reference=dtrain)
            booster = lgb.train(params, dtrain, num_boost_round=30, valid_sets=[dvalid],
                                callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])
            return float(booster.best_score["valid_0"]["binary_logloss"])

        study = skipjack.create_study(pruner=ThresholdPruner(upper=0.45, n_warmup_steps=5))
        study.enqueue_trial({"lr": 0.2, "num_leaves": 8})  # learns fast: completes
        study.enqueue_trial({"lr": 0.001, "num_leaves": 2})  # barely moves: logloss > 0.45
        study.optimize(objective, n_trials=2)
        good, slow = study.trials
        assert good.state == TrialState.COMPLETE
        assert sorted(good.intermediate_values) == list(range(30))
        assert good.value == good.intermediate_values[29] < 0.2
        assert slow.state == TrialState.PRUNED and slow.last_step == 5
        assert decision_log(slow)[-1].threshold == 0.45

    def test_direction_and_metric_errors(self) -> None:
        import lightgbm as lgb

        from skipjack.integration import LightGBMPruningCallback

        x_tr, x_va, y_tr, y_va = _data()
        study = skipjack.create_study(direction="minimize")
        trial = study.ask()
        params = {"objective": "binary", "metric": "auc", "verbosity": -1, "num_threads": 1}
        dtrain = lgb.Dataset(x_tr, y_tr)
        dvalid = lgb.Dataset(x_va, y_va, reference=dtrain)
        with pytest.raises(ValueError, match="direction"):
            lgb.train(params, dtrain, 3, valid_sets=[dvalid],
                      callbacks=[LightGBMPruningCallback(trial, "auc")])
        with pytest.raises(ValueError, match="binary_logloss"):
            lgb.train(params, dtrain, 3, valid_sets=[dvalid],
                      callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])
        with pytest.raises(ValueError, match="report_interval"):
            LightGBMPruningCallback(trial, "auc", report_interval=0)

    def test_cv_and_report_interval(self) -> None:
        import lightgbm as lgb

        from skipjack.integration import LightGBMPruningCallback

        x_tr, _, y_tr, _ = _data()
        study = skipjack.create_study(direction="maximize")
        trial = study.ask()
        params = {"objective": "binary", "metric": "auc", "verbosity": -1, "num_threads": 1}
        lgb.cv(params, lgb.Dataset(x_tr, y_tr), num_boost_round=9, nfold=3,
               callbacks=[LightGBMPruningCallback(trial, "auc", report_interval=3)])
        assert sorted(trial._view.intermediate_values) == [2, 5, 8]


@pytest.mark.skipif(importlib.util.find_spec("xgboost") is None,
                    reason="xgboost is not installed (pip install 'skipjack[xgboost]')")
class TestXGBoost:
    def test_reports_each_round_and_prunes(self) -> None:
        import xgboost as xgb

        from skipjack.integration import XGBoostPruningCallback

        x_tr, x_va, y_tr, y_va = _data()
        dtrain = xgb.DMatrix(x_tr, label=y_tr)
        dvalid = xgb.DMatrix(x_va, label=y_va)

        def objective(trial: skipjack.Trial) -> float:
            params = {"objective": "binary:logistic", "eval_metric": "logloss",
                      "eta": trial.suggest_float("eta", 1e-3, 0.5, log=True), "max_depth": 3,
                      "nthread": 1}
            xgb.train(params, dtrain, num_boost_round=20, evals=[(dvalid, "validation")],
                      callbacks=[XGBoostPruningCallback(trial, "validation-logloss")],
                      verbose_eval=False)
            return trial._view.intermediate_values[19]

        study = skipjack.create_study(pruner=ThresholdPruner(upper=0.6, n_warmup_steps=3))
        study.enqueue_trial({"eta": 0.3})
        study.enqueue_trial({"eta": 0.001})
        study.optimize(objective, n_trials=2)
        good, slow = study.trials
        assert good.state == TrialState.COMPLETE and sorted(good.intermediate_values) == list(
            range(20))
        assert good.value < 0.3
        assert slow.state == TrialState.PRUNED and slow.last_step == 3

    def test_cv_and_bad_key(self) -> None:
        import xgboost as xgb

        from skipjack.integration import XGBoostPruningCallback

        x_tr, _, y_tr, _ = _data()
        dtrain = xgb.DMatrix(x_tr, label=y_tr)
        study = skipjack.create_study()
        trial = study.ask()
        params = {"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1}
        xgb.cv(params, dtrain, num_boost_round=4, nfold=3,
               callbacks=[XGBoostPruningCallback(trial, "test-logloss")])
        assert sorted(trial._view.intermediate_values) == [0, 1, 2, 3]
        with pytest.raises(KeyError, match="observation_key"):
            xgb.cv(params, dtrain, num_boost_round=2, nfold=3,
                   callbacks=[XGBoostPruningCallback(study.ask(), "validation-auc")])


def test_trial_pruned_is_skipjacks() -> None:
    assert TrialPruned is skipjack.exceptions.TrialPruned

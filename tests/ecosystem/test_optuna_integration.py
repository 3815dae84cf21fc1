"""optuna-integration on skipjack: OptunaSearchCV, LightGBMTunerCV and the pruning callbacks.

Each program runs under ``python -m skipjack run`` with optuna-integration unchanged.
"""

from __future__ import annotations

import pytest

from tests.ecosystem._run import run_program

pytest.importorskip("optuna_integration", reason="optuna-integration is in the test extra")
pytest.importorskip("sklearn", reason="scikit-learn is in the test extra")


def test_optuna_search_cv(tmp_path):
    out = run_program(
        """
        from optuna_integration import OptunaSearchCV
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier

        X, y = load_iris(return_X_y=True)
        search = OptunaSearchCV(
            DecisionTreeClassifier(random_state=0),
            {
                "max_depth": optuna.distributions.IntDistribution(1, 6),
                "criterion": optuna.distributions.CategoricalDistribution(["gini", "entropy"]),
                "min_samples_split": optuna.distributions.FloatDistribution(0.01, 0.5, log=True),
            },
            n_trials=12,
            cv=3,
            random_state=0,
        )
        search.fit(X, y)
        study = search.study_
        print(json.dumps({
            "study_type": type(study).__module__,
            "n_trials": len(study.trials),
            "states": sorted({t.state.name for t in study.trials}),
            "best_params": search.best_params_,
            "best_score": search.best_score_,
            "accuracy": float(search.score(X, y)),
            "split_attrs": sorted(k for k in study.best_trial.user_attrs if k.startswith("split")),
        }))
        """,
        tmp_path,
    )
    assert out["study_type"].startswith("skipjack.")
    assert out["n_trials"] == 12 and out["states"] == ["COMPLETE"]
    assert set(out["best_params"]) == {"max_depth", "criterion", "min_samples_split"}
    assert out["best_score"] > 0.85 and out["accuracy"] > 0.85
    assert out["split_attrs"] == ["split0_test_score", "split1_test_score", "split2_test_score"]


def test_lightgbm_tuner_cv(tmp_path):
    pytest.importorskip("lightgbm")
    out = run_program(
        """
        import lightgbm as lgb
        import optuna.integration.lightgbm as olgb   # Optuna's classic import path
        from sklearn.datasets import load_breast_cancer

        X, y = load_breast_cancer(return_X_y=True)
        dtrain = lgb.Dataset(X, label=y)
        params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
                  "seed": 0, "num_threads": 1}
        study = optuna.create_study(direction="minimize")
        tuner = olgb.LightGBMTunerCV(
            params, dtrain, num_boost_round=15, nfold=3, study=study, seed=0,
            show_progress_bar=False, optuna_seed=0,
            callbacks=[lgb.early_stopping(5, verbose=False)],
        )
        tuner.run()
        steps = sorted({t.system_attrs.get("lightgbm_tuner:step_name") for t in study.trials})
        print(json.dumps({
            "tuner": type(tuner).__module__,
            "n_trials": len(study.trials),
            "steps": steps,
            "best_score": tuner.best_score,
            "best_params_keys": sorted(tuner.best_params),
            "study_best": study.best_value,
        }))
        """,
        tmp_path,
    )
    assert out["tuner"].startswith("optuna_integration.")
    assert out["steps"] == [
        "bagging", "feature_fraction", "feature_fraction_stage2", "min_child_samples",
        "num_leaves", "regularization_factors",
    ]
    assert out["n_trials"] >= 60
    assert 0 < out["best_score"] < 0.2  # binary logloss of a tuned model on breast cancer
    assert abs(out["best_score"] - out["study_best"]) < 1e-12
    assert {"num_leaves", "feature_fraction", "bagging_fraction"} <= set(out["best_params_keys"])


PRUNING = """
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

X, y = load_breast_cancer(return_X_y=True)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0)
"""


def test_lightgbm_pruning_callback(tmp_path):
    pytest.importorskip("lightgbm")
    out = run_program(
        PRUNING
        + """
import lightgbm as lgb
from optuna_integration import LightGBMPruningCallback

def objective(trial):
    params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
              "num_threads": 1, "seed": 0,
              "learning_rate": trial.suggest_float("learning_rate", 1e-3, 0.3, log=True),
              "num_leaves": trial.suggest_int("num_leaves", 4, 64)}
    booster = lgb.train(
        params, lgb.Dataset(X_tr, label=y_tr), num_boost_round=30,
        valid_sets=[lgb.Dataset(X_va, label=y_va)],
        callbacks=[LightGBMPruningCallback(trial, "binary_logloss")],
    )
    return float(booster.best_score["valid_0"]["binary_logloss"])

# a threshold no round can meet: every trial is pruned at its first report
strict = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=1e-9))
strict.optimize(objective, n_trials=3)
normal = optuna.create_study(
    sampler=optuna.samplers.TPESampler(seed=0),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=5),
)
normal.optimize(objective, n_trials=10)
print(json.dumps({
    "strict": [(t.state.name, sorted(t.intermediate_values)) for t in strict.trials],
    "normal_states": sorted({t.state.name for t in normal.trials}),
    "steps_first": sorted(normal.trials[0].intermediate_values),
    "best": normal.best_value,
}))
""",
        tmp_path,
    )
    assert out["strict"] == [["PRUNED", [0]]] * 3
    assert set(out["normal_states"]) <= {"COMPLETE", "PRUNED"} and "COMPLETE" in out["normal_states"]
    assert out["steps_first"] == list(range(30))
    assert out["best"] < 0.3


def test_xgboost_pruning_callback(tmp_path):
    pytest.importorskip("xgboost")
    out = run_program(
        PRUNING
        + """
import xgboost as xgb
from optuna_integration import XGBoostPruningCallback

dtrain, dvalid = xgb.DMatrix(X_tr, label=y_tr), xgb.DMatrix(X_va, label=y_va)

def objective(trial):
    params = {"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1,
              "max_depth": trial.suggest_int("max_depth", 1, 6),
              "eta": trial.suggest_float("eta", 0.01, 0.5, log=True)}
    booster = xgb.train(
        params, dtrain, num_boost_round=25, evals=[(dvalid, "validation")],
        callbacks=[XGBoostPruningCallback(trial, "validation-logloss")], verbose_eval=False,
    )
    return float(booster.eval(dvalid).split(":")[1])

strict = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=1e-9))
strict.optimize(objective, n_trials=3)
normal = optuna.create_study(
    sampler=optuna.samplers.TPESampler(seed=0), pruner=optuna.pruners.NopPruner()
)
normal.optimize(objective, n_trials=6)
print(json.dumps({
    "strict": [(t.state.name, sorted(t.intermediate_values)) for t in strict.trials],
    "normal": [(t.state.name, len(t.intermediate_values)) for t in normal.trials],
    "best": normal.best_value,
}))
""",
        tmp_path,
    )
    assert out["strict"] == [["PRUNED", [0]]] * 3
    assert out["normal"] == [["COMPLETE", 25]] * 6
    assert out["best"] < 0.3


def test_skipjack_integration_hands_names_to_optuna_integration(tmp_path):
    out = run_program(
        """
        import skipjack.integration as si
        from optuna.integration import OptunaSearchCV, LightGBMPruningCallback
        import optuna_integration
        print(json.dumps({
            "forwarded": OptunaSearchCV is optuna_integration.OptunaSearchCV,
            "own": LightGBMPruningCallback.__module__,
            "lightgbm_module": si.lightgbm.__name__,
        }))
        """,
        tmp_path,
    )
    assert out == {
        "forwarded": True,
        "own": "skipjack.integration._lightgbm",
        "lightgbm_module": "optuna_integration.lightgbm",
    }


def test_dask_storage_with_two_worker_processes(tmp_path):
    pytest.importorskip("distributed")
    out = run_program(
        """
        from dask.distributed import Client, LocalCluster, wait
        from optuna_integration import DaskStorage

        def objective(trial):
            return (trial.suggest_float("x", -2, 2) - 1) ** 2

        if __name__ == "__main__":
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                study = optuna.create_study(storage=DaskStorage(), study_name="dask")
                futures = [client.submit(study.optimize, objective, n_trials=5, pure=False)
                           for _ in range(2)]
                wait(futures)
                for f in futures:
                    f.result()
                trials = study.trials
                print(json.dumps({
                    "numbers": sorted(t.number for t in trials),
                    "states": sorted({t.state.name for t in trials}),
                    "best": study.best_value,
                }))
        """,
        tmp_path,
    )
    assert out["numbers"] == list(range(10)) and out["states"] == ["COMPLETE"]
    assert out["best"] < 1.0

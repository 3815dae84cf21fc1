"""The README demo: tune a scikit-learn classifier on a dataset that ships with scikit-learn.

Run with ``make demo``. The study is stored in ``demo.db`` (SQLite) when the RDB storage is
available, so running the demo again continues the same study.
"""

from __future__ import annotations

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skipjack

X, y = load_breast_cancer(return_X_y=True)


def objective(trial: skipjack.Trial) -> float:
    model_name = trial.suggest_categorical("model", ["logreg", "forest"])
    if model_name == "logreg":
        c = trial.suggest_float("C", 1e-4, 1e2, log=True)
        model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    else:
        model = RandomForestClassifier(
            n_estimators=trial.suggest_int("n_estimators", 10, 200, log=True),
            max_depth=trial.suggest_int("max_depth", 2, 16),
            random_state=0,
            n_jobs=1,
        )
    return float(cross_val_score(model, X, y, cv=3).mean())


def main() -> None:
    warnings.simplefilter("ignore")
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    try:
        storage = "sqlite:///demo.db"
        study = skipjack.create_study(
            study_name="demo-breast-cancer", storage=storage, direction="maximize",
            load_if_exists=True,
        )
    except ImportError:
        study = skipjack.create_study(direction="maximize")
    study.optimize(objective, n_trials=30, show_progress_bar=False)
    best = study.best_trial
    print(f"trials in study: {len(study.trials)}")
    print(f"best trial: #{best.number}  accuracy={best.value:.4f}")
    print(f"best params: {best.params}")


if __name__ == "__main__":
    main()

"""``plot_terminator_improvement`` (plotly) after a cross-validated random-forest study.

uses: optuna, scikit-learn, scipy, plotly
timeout: 600
"""

import os
import tempfile

import optuna
from optuna.terminator import report_cross_validation_scores
from optuna.visualization import plot_terminator_improvement
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import KFold, cross_val_score


def objective(trial):
    X, y = load_wine(return_X_y=True)
    clf = RandomForestClassifier(
        max_depth=trial.suggest_int("max_depth", 2, 16),
        min_samples_split=trial.suggest_float("min_samples_split", 0, 1),
        n_estimators=8,
        random_state=0,
    )
    scores = cross_val_score(clf, X, y, cv=KFold(n_splits=3, shuffle=True, random_state=0))
    report_cross_validation_scores(trial, scores)
    return scores.mean()


if __name__ == "__main__":
    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=15)
    fig = plot_terminator_improvement(study, plot_error=True)
    path = os.path.join(tempfile.mkdtemp(), "improvement.html")
    fig.write_html(path)
    print("traces:", [trace.name for trace in fig.data], os.path.getsize(path))
    assert len(fig.data) >= 2

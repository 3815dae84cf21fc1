"""The ``make demo`` study: tune a scikit-learn classifier on a dataset that ships with it.

The study lives in ``demo.db`` (SQLite) in the current folder, so running the demo again
continues the same study. It ends by printing the best trial, a short health summary, the plot it
wrote and the commands to look further (dashboard, report). ``SKIPJACK_DEMO_TRIALS`` sets the
number of trials per run (default 20).

Needs the ``demo`` extra: ``pip install 'skipjack[demo]'``.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings

import skipjack

STUDY = "demo-breast-cancer"
STORAGE = "sqlite:///demo.db"
PLOT = "demo-history.html"


_DATA: list = []


def objective(trial: skipjack.Trial) -> float:
    """Cross-validated accuracy of a logistic regression or a random forest (a conditional space)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if not _DATA:
        _DATA.extend(load_breast_cancer(return_X_y=True))
    x, y = _DATA
    if trial.suggest_categorical("model", ["logreg", "forest"]) == "logreg":
        c = trial.suggest_float("C", 1e-4, 1e2, log=True)
        model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    else:
        model = RandomForestClassifier(
            n_estimators=trial.suggest_int("n_estimators", 5, 50, log=True),
            max_depth=trial.suggest_int("max_depth", 2, 12),
            random_state=0,
            n_jobs=1,
        )
    return float(cross_val_score(model, x, y, cv=3).mean())


def _skipjack_command() -> str:
    """How to call the CLI from this shell: ``skipjack`` if on PATH, else the venv's script."""
    if shutil.which("skipjack"):
        return "skipjack"
    script = os.path.join(os.path.dirname(sys.executable), "skipjack")
    if not os.path.exists(script):
        return f"{sys.executable} -m skipjack.cli"
    relative = os.path.relpath(script)
    return script if relative.startswith("..") else relative


def main() -> None:
    warnings.simplefilter("ignore")
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    n_trials = int(os.environ.get("SKIPJACK_DEMO_TRIALS", "20"))
    study = skipjack.create_study(study_name=STUDY, storage=STORAGE, direction="maximize",
                                  load_if_exists=True)
    before = len(study.trials)
    if before:
        print(f"Continuing study {STUDY!r} in {STORAGE} ({before} trials so far, best accuracy "
              f"{study.best_value:.4f}): {n_trials} more trials.")
    else:
        print(f"New study {STUDY!r} in {STORAGE}: {n_trials} trials of a logistic regression or a "
              "random forest on the breast-cancer dataset.")
    study.optimize(objective, n_trials=n_trials, show_progress_bar=True)

    best = study.best_trial
    params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in best.params.items())
    print(f"Best trial #{best.number}: accuracy {best.value:.4f} ({params})")

    from skipjack.report import study_health

    report = study_health(study)
    f = report.figures
    print(f"Health: {report.status}. {f['n_finished']} trials ({f['n_complete']} complete, "
          f"{f['n_pruned']} pruned, {f['n_fail']} failed); best reached after "
          f"{f['trials_to_best']} trials")
    for check in report.checks:
        if check.status in ("WARN", "FAIL"):
            print(f"  {check.status} {check.name}: {check.message}")

    from skipjack.visualization import plot_optimization_history

    plot_optimization_history(study).write_html(PLOT, include_plotlyjs="cdn")
    print(f"Plot: {PLOT} (optimization history; open it in a browser)")

    cli = _skipjack_command()
    print("Next:")
    print(f"  {cli} dashboard --storage {STORAGE}   # studies, trials and plots at "
          "http://127.0.0.1:8080/")
    print(f"  {cli} report --storage {STORAGE} --study {STUDY}   # the full health report")
    print("  make demo   # again: more trials in the same study")


if __name__ == "__main__":
    main()

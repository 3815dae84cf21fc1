"""Optuna's plotly plots of one study: history, importances, contour, slice, parallel, EDF...

uses: optuna, plotly, scikit-learn
"""

import optuna
from optuna.visualization import (
    plot_contour,
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_rank,
    plot_slice,
    plot_timeline,
)


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", -3, 3)
    c = trial.suggest_categorical("c", ["a", "b"])
    for step in range(3):
        trial.report(x ** 2 + step, step)
    return x ** 2 + y ** 2 + (0.5 if c == "a" else 0)


if __name__ == "__main__":
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=30)
    figures = [
        plot_optimization_history(study), plot_intermediate_values(study),
        plot_parallel_coordinate(study), plot_contour(study, params=["x", "y"]),
        plot_slice(study), plot_param_importances(study), plot_edf(study), plot_rank(study),
        plot_timeline(study),
    ]
    for fig in figures:
        fig.to_json()
    print([type(f).__name__ for f in figures])
    assert all(len(f.data) > 0 for f in figures)

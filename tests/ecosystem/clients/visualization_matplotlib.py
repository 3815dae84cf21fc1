"""The matplotlib versions of Optuna's plots saved as PNG files.

uses: optuna, matplotlib, scikit-learn
"""

import os
import tempfile

import matplotlib.pyplot as plt
import optuna
from optuna.visualization.matplotlib import (
    plot_contour,
    plot_edf,
    plot_optimization_history,
    plot_param_importances,
    plot_slice,
)


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return x ** 2 + y


if __name__ == "__main__":
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=25)
    out = tempfile.mkdtemp()
    for i, plot in enumerate([plot_optimization_history, plot_contour, plot_slice,
                              plot_param_importances, plot_edf]):
        ax = plot(study)
        ax = ax.flat[0] if hasattr(ax, "flat") else ax
        ax.figure.savefig(os.path.join(out, f"{i}.png"))
        plt.close("all")
    files = sorted(os.listdir(out))
    print(files)
    assert len(files) == 5

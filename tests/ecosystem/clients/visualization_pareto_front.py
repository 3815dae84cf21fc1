"""``plot_pareto_front`` of a two-objective study, with constraints and target names.

uses: optuna, plotly
"""

import optuna


def objective(trial):
    x = trial.suggest_float("x", 0, 5)
    y = trial.suggest_float("y", 0, 3)
    trial.set_user_attr("c", x - 4)
    return 4 * x ** 2 + 4 * y ** 2, (x - 5) ** 2 + (y - 5) ** 2


if __name__ == "__main__":
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=optuna.samplers.NSGAIISampler(seed=0, population_size=10))
    study.optimize(objective, n_trials=40)
    study.set_metric_names(["v0", "v1"])
    fig = optuna.visualization.plot_pareto_front(study)
    fig2 = optuna.visualization.plot_pareto_front(
        study, targets=lambda t: (t.values[0], t.values[1]), target_names=["a", "b"],
        constraints_func=lambda t: [t.user_attrs["c"]],
    )
    print(len(fig.data), len(fig2.data), study.metric_names)
    assert fig.data and fig2.data

"""A study exported with ``trials_dataframe`` (pandas), filtered and written to CSV.

uses: optuna, pandas
"""

import os
import tempfile

import optuna


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    trial.set_user_attr("squared", x ** 2)
    if x > 8:
        raise optuna.TrialPruned()
    return x ** 2


if __name__ == "__main__":
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=30)
    df = study.trials_dataframe(attrs=("number", "value", "params", "state", "user_attrs"))
    complete = df[df.state == "COMPLETE"]
    path = os.path.join(tempfile.mkdtemp(), "trials.csv")
    complete.to_csv(path, index=False)
    print(list(df.columns))
    print(complete.sort_values("value").head(3))
    assert list(df.columns) == ["number", "value", "params_x", "state", "user_attrs_squared"]
    assert len(df) == 30

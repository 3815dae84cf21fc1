"""A study on SQLite resumed in a later run (``load_if_exists``), listed, copied and deleted.

uses: optuna, sqlalchemy
"""

import os
import tempfile

import optuna

if __name__ == "__main__":
    storage = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'example.db')}"
    study = optuna.create_study(study_name="example-study", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", -10, 10) ** 2, n_trials=10)
    study.set_user_attr("owner", "me")

    resumed = optuna.create_study(study_name="example-study", storage=storage,
                                  load_if_exists=True)
    resumed.optimize(lambda t: t.suggest_float("x", -10, 10) ** 2, n_trials=5)
    loaded = optuna.load_study(study_name="example-study", storage=storage)
    summaries = optuna.get_all_study_summaries(storage)
    names = optuna.get_all_study_names(storage)
    optuna.copy_study(from_study_name="example-study", from_storage=storage,
                      to_storage=storage, to_study_name="copy")
    df = loaded.trials_dataframe()
    print(len(loaded.trials), names, [s.n_trials for s in summaries], list(df.columns)[:5])
    optuna.delete_study(study_name="copy", storage=storage)
    assert len(loaded.trials) == 15 and loaded.user_attrs == {"owner": "me"}
    assert optuna.get_all_study_names(storage) == ["example-study"]

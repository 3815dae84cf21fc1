"""FAQ pattern: pickle the sampler with its RNG state to resume a study reproducibly.

uses: optuna, sqlalchemy
"""

import os
import pickle
import tempfile

import optuna


def objective(trial):
    return trial.suggest_float("x", -10, 10) ** 2 + trial.suggest_int("y", 0, 5)


if __name__ == "__main__":
    folder = tempfile.mkdtemp()
    storage = f"sqlite:///{os.path.join(folder, 'resume.db')}"
    study = optuna.create_study(study_name="resume", storage=storage,
                                sampler=optuna.samplers.TPESampler(seed=10))
    study.optimize(objective, n_trials=10)
    with open(os.path.join(folder, "sampler.pkl"), "wb") as fout:
        pickle.dump(study.sampler, fout)

    restored_sampler = pickle.load(open(os.path.join(folder, "sampler.pkl"), "rb"))
    study = optuna.load_study(study_name="resume", storage=storage, sampler=restored_sampler)
    study.optimize(objective, n_trials=10)
    print(len(study.trials), study.best_params)
    assert len(study.trials) == 20 and isinstance(study.sampler, optuna.samplers.TPESampler)

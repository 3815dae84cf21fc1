"""Four worker processes (multiprocessing, spawn) sharing one study through a journal file.

uses: optuna
"""

import multiprocessing
import os
import tempfile

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def worker(path, parent_optuna):
    import optuna as worker_optuna

    # a spawned child resolves `optuna` as its parent does (skipjack under the switch)
    assert worker_optuna.__name__ == parent_optuna, worker_optuna.__file__
    storage = JournalStorage(JournalFileBackend(path))
    study = optuna.load_study(study_name="journal", storage=storage)
    study.optimize(objective, n_trials=10)


if __name__ == "__main__":
    path = os.path.join(tempfile.mkdtemp(), "journal.log")
    storage = JournalStorage(JournalFileBackend(path))
    optuna.create_study(study_name="journal", storage=storage)
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=worker, args=(path, optuna.__name__)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    study = optuna.load_study(study_name="journal", storage=storage)
    numbers = sorted(t.number for t in study.trials)
    print(len(study.trials), study.best_value)
    assert numbers == list(range(40))

"""optuna-integration's ``DaskStorage``: two Dask worker processes optimize one study.

uses: optuna-integration, dask[distributed], scikit-learn
timeout: 600
"""

import optuna
from dask.distributed import Client, LocalCluster, wait


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def run(storage, name):
    study = optuna.load_study(study_name=name, storage=storage)
    study.optimize(objective, n_trials=8)
    return len(study.trials)


if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        storage = optuna.integration.DaskStorage()
        study = optuna.create_study(study_name="dask", storage=storage)
        futures = [client.submit(run, storage, "dask", pure=False) for _ in range(2)]
        wait(futures)
        [f.result() for f in futures]
        print(len(study.trials), study.best_value)
        assert len(study.trials) == 16

"""FAQ pattern: a killed worker's trial failed by heartbeat and re-run by ``RetryFailedTrialCallback``.

uses: optuna, sqlalchemy
"""

import os
import subprocess
import sys
import tempfile
import time

import optuna
from optuna.storages import RDBStorage, RetryFailedTrialCallback

WORKER = """
import sys, time
import optuna
storage = optuna.storages.RDBStorage(url=sys.argv[1], heartbeat_interval=1, grace_period=2)
study = optuna.load_study(study_name="hb", storage=storage)
def objective(trial):
    trial.suggest_float("x", -1, 1)
    time.sleep(600)  # killed here
study.optimize(objective, n_trials=1)
"""

if __name__ == "__main__":
    url = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'hb.db')}"
    storage = RDBStorage(url=url, heartbeat_interval=1, grace_period=2,
                         failed_trial_callback=RetryFailedTrialCallback(max_retry=3))
    study = optuna.create_study(storage=storage, study_name="hb")
    worker = subprocess.Popen([sys.executable, "-c", WORKER, url])
    deadline = time.monotonic() + 120
    while not any(t.params for t in study.get_trials(deepcopy=False)):
        assert time.monotonic() < deadline, "the worker never started its trial"
        time.sleep(0.2)
    worker.kill()
    worker.wait()
    time.sleep(3)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=2)
    trials = study.get_trials(deepcopy=False)
    retried = [t for t in trials if RetryFailedTrialCallback.retried_trial_number(t) is not None]
    print([t.state.name for t in trials], [t.number for t in retried])
    assert trials[0].state == optuna.trial.TrialState.FAIL and retried
    assert retried[0].params == trials[0].params

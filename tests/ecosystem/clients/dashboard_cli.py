"""The ``optuna-dashboard`` command serving a SQLite study written by the program; API read back.

uses: optuna-dashboard, sqlalchemy
timeout: 400
"""

import os
import subprocess
import tempfile

import optuna
from _server import free_port, get_json

if __name__ == "__main__":
    storage = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'db.sqlite3')}"
    study = optuna.create_study(study_name="served", storage=storage, direction="maximize")

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("double", 2 * x)
        trial.report(x / 2, 0)
        return x

    study.optimize(objective, n_trials=12)
    port = free_port()
    server = subprocess.Popen(["optuna-dashboard", storage, "--host", "127.0.0.1",
                               "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        studies = get_json(f"http://127.0.0.1:{port}/api/studies")["study_summaries"]
        study_id = studies[0]["study_id"]
        detail = get_json(f"http://127.0.0.1:{port}/api/studies/{study_id}?after=0")
        importances = get_json(f"http://127.0.0.1:{port}/api/studies/{study_id}/param_importances")
    finally:
        server.terminate()
        server.wait(30)
    print(studies[0]["study_name"], len(detail["trials"]), importances.keys())
    assert studies[0]["study_name"] == "served" and len(detail["trials"]) == 12
    assert detail["best_trials"][0]["values"][0] == study.best_value

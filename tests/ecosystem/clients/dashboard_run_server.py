"""``optuna_dashboard.run_server`` (its own Bottle server) on a running study, in a thread.

uses: optuna-dashboard
"""

import threading

import optuna
from _server import free_port, get_json
from optuna_dashboard import run_server

if __name__ == "__main__":
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, study_name="dashboard-example")
    study.optimize(lambda t: t.suggest_float("x", -100, 100) ** 2, n_trials=10)
    port = free_port()
    threading.Thread(target=run_server, args=(storage,),
                     kwargs={"host": "127.0.0.1", "port": port}, daemon=True).start()
    first = get_json(f"http://127.0.0.1:{port}/api/studies")["study_summaries"]
    study.optimize(lambda t: t.suggest_float("x", -100, 100) ** 2, n_trials=5)
    detail = get_json(f"http://127.0.0.1:{port}/api/studies/{first[0]['study_id']}?after=0")
    print(first[0]["study_name"], len(detail["trials"]))
    assert len(detail["trials"]) == 15

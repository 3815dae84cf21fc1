"""Preferential optimization with optuna-dashboard: pairwise preferences reported, then served.

uses: optuna-dashboard
"""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import optuna
from _server import free_port, get_json
from optuna_dashboard import register_preference_feedback_component, wsgi
from optuna_dashboard.preferential import create_study


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    storage = optuna.storages.InMemoryStorage()
    study = create_study(n_generate=4, storage=storage, study_name="colors",
                         sampler=optuna.samplers.RandomSampler(seed=0))
    register_preference_feedback_component(study, "note")
    for _ in range(6):
        if not study.should_generate():
            break
        trial = study.ask()
        trial.suggest_int("red", 0, 255)
        trial.suggest_int("green", 0, 255)
    trials = study.get_trials(deepcopy=False)
    # the person prefers redder colours
    ordered = sorted(trials, key=lambda t: -t.params["red"])
    study.report_preference(ordered[0], ordered[1:])
    port = free_port()
    server = make_server("127.0.0.1", port, wsgi(storage), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    study_id = get_json(f"http://127.0.0.1:{port}/api/studies")["study_summaries"][0]["study_id"]
    detail = get_json(f"http://127.0.0.1:{port}/api/studies/{study_id}?after=0")
    server.shutdown()
    print(len(trials), detail["is_preferential"], detail["preferences"][:2],
          [t.number for t in study.best_trials])
    assert detail["is_preferential"] and len(detail["preferences"]) == len(trials) - 1
    assert study.best_trials[0].number == ordered[0].number

"""``optuna_dashboard.wsgi`` over an in-memory storage, served by wsgiref in a thread.

uses: optuna-dashboard
"""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import optuna
from _server import free_port, get_json
from optuna_dashboard import wsgi


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, study_name="wsgi-example")
    study.optimize(lambda t: t.suggest_float("x", -100, 100) ** 2
                   + t.suggest_categorical("y", [-1, 0, 1]), n_trials=20)
    port = free_port()
    server = make_server("127.0.0.1", port, wsgi(storage), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    summaries = get_json(f"http://127.0.0.1:{port}/api/studies")["study_summaries"]
    detail = get_json(f"http://127.0.0.1:{port}/api/studies/{summaries[0]['study_id']}?after=0")
    server.shutdown()
    print(summaries[0]["study_name"], len(detail["trials"]))
    assert len(detail["trials"]) == 20
    assert {p["name"] for p in detail["trials"][0]["params"]} == {"x", "y"}

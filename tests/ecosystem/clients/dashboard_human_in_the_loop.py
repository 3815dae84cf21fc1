"""Human-in-the-loop with optuna-dashboard: form widgets, notes, objective names and a plot.

uses: optuna-dashboard, plotly
"""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import optuna
import plotly.graph_objects as go
from _server import free_port, get_json
from optuna_dashboard import (
    ChoiceWidget,
    SliderWidget,
    get_note,
    register_objective_form_widgets,
    save_note,
    save_plotly_graph_object,
    set_objective_names,
    wsgi,
)


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, directions=["maximize", "minimize"])
    set_objective_names(study, ["looks", "noise"])
    register_objective_form_widgets(study, widgets=[
        ChoiceWidget(choices=["Good", "Bad"], values=[1, 0], description="Looks good?"),
        SliderWidget(min=0, max=10, step=1, description="Noise"),
    ])
    save_note(study, "# Rate each picture")
    for i in range(3):
        trial = study.ask()
        r = trial.suggest_int("r", 0, 255)
        save_note(trial, f"red = {r}")
    save_plotly_graph_object(study, go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 2, 3])))
    # a person's answers, as the form would send them
    for trial in study.get_trials(deepcopy=False):
        study.tell(trial.number, [1, trial.params["r"] / 255])
    port = free_port()
    server = make_server("127.0.0.1", port, wsgi(storage), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    study_id = get_json(f"http://127.0.0.1:{port}/api/studies")["study_summaries"][0]["study_id"]
    detail = get_json(f"http://127.0.0.1:{port}/api/studies/{study_id}?after=0")
    server.shutdown()
    print(detail["objective_names"], detail["note"]["body"], len(detail["form_widgets"]["widgets"]),
          len(detail["plotly_graph_objects"]))
    assert detail["objective_names"] == ["looks", "noise"]
    assert get_note(study) == "# Rate each picture" and len(detail["trials"]) == 3
    assert detail["trials"][0]["note"]["body"].startswith("red = ")

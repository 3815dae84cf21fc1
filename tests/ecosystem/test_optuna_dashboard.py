"""optuna-dashboard's own server (``optuna-dashboard`` command) on a skipjack storage.

The study is written by skipjack; the dashboard process runs under ``python -m skipjack run``,
so its ``optuna.storages.RDBStorage`` / ``JournalStorage`` are skipjack's. The test reads the
JSON API the dashboard's front-end reads.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import skipjack
from tests.ecosystem._run import env

pytest.importorskip("optuna_dashboard", reason="optuna-dashboard is in the test extra")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                return json.loads(r.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _objective(trial):
    x = trial.suggest_float("x", -3, 3)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    trial.set_user_attr("note", f"t{trial.number}")
    for step in range(3):
        trial.report(x * x + step, step)
    return x * x + (0.5 if kind == "b" else 0.0)


@pytest.fixture(params=["sqlite", "journal"])
def storage_arg(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'dash.db'}"
        return url, url
    path = str(tmp_path / "dash.log")
    storage = skipjack.storages.JournalStorage(skipjack.storages.journal.JournalFileBackend(path))
    return storage, path


def test_dashboard_serves_a_skipjack_study(storage_arg):
    storage, cli_arg = storage_arg
    study = skipjack.create_study(study_name="dash-eco", storage=storage)
    study.set_metric_names(["loss"])
    study.optimize(_objective, n_trials=8)
    multi = skipjack.create_study(
        study_name="dash-eco-mo", storage=storage, directions=["minimize", "maximize"]
    )
    multi.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=4)

    exe = shutil.which("optuna-dashboard", path=str(Path(sys.executable).parent))
    assert exe, "the optuna-dashboard command is installed with the test extra"
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "skipjack", "run", exe, cli_arg,
         "--host", "127.0.0.1", "--port", str(port)],
        env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        studies = _get(port, "/api/studies")["study_summaries"]
        by_name = {s["study_name"]: s for s in studies}
        assert set(by_name) == {"dash-eco", "dash-eco-mo"}
        summary = by_name["dash-eco"]
        assert summary["directions"] == ["minimize"]
        assert by_name["dash-eco-mo"]["directions"] == ["minimize", "maximize"]

        detail = _get(port, f"/api/studies/{summary['study_id']}?after=0")
        trials = detail["trials"]
        assert [t["number"] for t in trials] == list(range(8))
        assert all(t["state"] == "Complete" for t in trials)
        mine = study.trials
        for shown, ours in zip(trials, mine):
            assert shown["values"] == [ours.value]
            shown_params = {p["name"]: p["param_external_value"] for p in shown["params"]}
            assert shown_params == {k: str(v) for k, v in ours.params.items()}  # shown as text
            assert [v["value"] for v in shown["intermediate_values"]] == [
                ours.intermediate_values[s] for s in range(3)
            ]
            assert {a["key"]: a["value"] for a in shown["user_attrs"]} == {"note": ours.user_attrs["note"]}
        assert [b["number"] for b in detail["best_trials"]] == [study.best_trial.number]
        assert detail["objective_names"] == ["loss"]  # from study.set_metric_names
        names = sorted(p["name"] for p in detail["union_search_space"])
        assert names == ["kind", "x"]

        # the incremental read the front-end polls with
        later = _get(port, f"/api/studies/{summary['study_id']}?after=6")
        assert [t["number"] for t in later["trials"]] == [6, 7]
        importances = _get(port, f"/api/studies/{summary['study_id']}/param_importances")
        shown = {p["name"] for p in importances["param_importances"][0]}
        assert shown == {"x", "kind"}
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    assert "Traceback" not in err, err[-3000:]


WSGI_PROGRAM = r'''
import json, warnings
warnings.simplefilter("ignore")
import skipjack
skipjack.install_as_optuna()          # in code, before optuna_dashboard imports optuna
skipjack.logging.set_verbosity(skipjack.logging.WARNING)
import optuna_dashboard
from wsgiref.util import setup_testing_defaults

storage = skipjack.storages.InMemoryStorage()
study = skipjack.create_study(storage=storage, study_name="mem")
study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
app = optuna_dashboard.wsgi(storage)

def get(path):
    environ = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"], _, environ["QUERY_STRING"] = path.partition("?")
    status = []
    body = b"".join(app(environ, lambda s, h, exc=None: status.append(s)))
    assert status[0].startswith("200"), (status, body[:2000])
    return json.loads(body)

names = [s["study_name"] for s in get("/api/studies")["study_summaries"]]
trials = get("/api/studies/0?after=0")["trials"]
print(json.dumps({"names": names, "values": [t["values"][0] for t in trials],
                  "ours": [t.value for t in study.trials]}))
'''


def test_dashboard_wsgi_app_on_an_in_memory_storage():
    proc = subprocess.run(
        [sys.executable, "-c", WSGI_PROGRAM], env=env(), capture_output=True, text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["names"] == ["mem"] and out["values"] == out["ours"]

"""The study and storage commands of the CLI, on a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

import skipjack
from skipjack.cli import main
from skipjack.exceptions import StorageInternalError
from skipjack.storages import RDBStorage
from skipjack.trial import TrialState

SPACE = json.dumps({"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}}})


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SKIPJACK_STORAGE", url)
    return url


def run(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_create_list_and_delete_studies(url, capsys):
    assert run(capsys, "create-study", "--study-name", "a", "--direction", "maximize").strip() == "a"
    assert main(["create-study", "--study-name", "a"]) == 1  # message, no traceback
    assert "already exists" in capsys.readouterr().err
    assert run(capsys, "create-study", "--study-name", "a", "--skip-if-exists").strip() == "a"
    run(capsys, "create-study", "--study-name", "b", "--directions", "minimize", "maximize",
        "--storage", url)
    assert json.loads(run(capsys, "study-names", "-f", "json")) == [{"name": "a"}, {"name": "b"}]
    studies = json.loads(run(capsys, "studies", "-f", "json"))
    assert [(s["name"], s["direction"], s["n_trials"]) for s in studies] == [
        ("a", ["MAXIMIZE"], 0), ("b", ["MINIMIZE", "MAXIMIZE"], 0)]
    table = run(capsys, "studies")
    assert table.splitlines()[1].split("|")[1].strip() == "name" and "| b " in table
    run(capsys, "study", "set-user-attr", "--study-name", "a", "--key", "owner", "--value", "me")
    assert skipjack.load_study(study_name="a", storage=url).user_attrs == {"owner": "me"}
    run(capsys, "delete-study", "--study-name", "a")
    assert skipjack.get_all_study_names(url) == ["b"]


def test_ask_tell_trials_and_best(url, capsys):
    run(capsys, "create-study", "--study-name", "s")
    for value in (3.0, 1.0):
        asked = json.loads(run(capsys, "ask", "--study-name", "s", "--search-space", SPACE))
        assert 0.0 <= asked["params"]["x"] <= 1.0
        run(capsys, "tell", "--study-name", "s", "--trial-number", str(asked["number"]),
            "--values", str(value))
    asked = json.loads(run(capsys, "ask", "--study-name", "s"))
    run(capsys, "tell", "--study-name", "s", "--trial-number", str(asked["number"]),
        "--state", "fail")
    trials = json.loads(run(capsys, "trials", "--study-name", "s", "-f", "json"))
    assert [(t["number"], t["value"], t["state"]) for t in trials] == [
        (0, 3.0, "COMPLETE"), (1, 1.0, "COMPLETE"), (2, None, "FAIL")]
    assert set(trials[0]["params"]) == {"x"}
    flat = json.loads(run(capsys, "trials", "--study-name", "s", "-f", "json", "--flatten"))
    assert "params_x" in flat[0] and "params" not in flat[0]
    best = json.loads(run(capsys, "best-trial", "--study-name", "s", "-f", "json"))
    assert best["number"] == 1 and best["value"] == 1.0
    with pytest.raises(SystemExit):
        main(["tell", "--study-name", "s", "--trial-number", "0", "--state", "bogus"])


def test_best_trials_of_multi_objective_study(url, capsys):
    study = skipjack.create_study(storage=url, study_name="mo",
                                  directions=["minimize", "minimize"])
    for values in ((1.0, 2.0), (2.0, 1.0), (3.0, 3.0)):
        trial = study.ask()
        study.tell(trial, values)
    best = json.loads(run(capsys, "best-trials", "--study-name", "mo", "-f", "json"))
    assert sorted(t["number"] for t in best) == [0, 1]
    assert best[0]["values"] == [1.0, 2.0]


def test_ask_in_one_process_tell_in_another(url):
    env_cmd = [sys.executable, "-m", "skipjack.cli"]
    subprocess.run(env_cmd + ["create-study", "--study-name", "p"], check=True, capture_output=True)
    out = subprocess.run(env_cmd + ["ask", "--study-name", "p", "--search-space", SPACE],
                         check=True, capture_output=True, text=True).stdout
    asked = json.loads(out)
    # the parameters the ask process suggested reached the database before it exited
    trial = skipjack.load_study(study_name="p", storage=url).trials[0]
    assert trial.params == asked["params"] and trial.state == TrialState.RUNNING
    subprocess.run(env_cmd + ["tell", "--study-name", "p", "--trial-number", "0", "--values",
                              "0.5"], check=True, capture_output=True)
    assert skipjack.load_study(study_name="p", storage=url).best_value == 0.5


def test_yaml_format(url, capsys):
    pytest.importorskip("yaml")
    run(capsys, "create-study", "--study-name", "y")
    assert run(capsys, "study-names", "-f", "yaml").strip() == "- name: y"


def test_schema_mismatch_asks_for_upgrade_and_upgrade_creates_tables(url, capsys):
    RDBStorage(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'v3.0.0.d'")
    engine.dispose()
    with pytest.raises(StorageInternalError, match=r"skipjack storage upgrade sqlite:///"):
        RDBStorage(url)
    # Optuna's pre-3.2 schemas upgrade in place
    assert "from revision v3.0.0.d to v3.2.0.a" in run(capsys, "storage", "upgrade", url)
    RDBStorage(url)
    fresh = url.replace("cli.db", "fresh.db")
    out = run(capsys, "storage", "upgrade", fresh)
    assert "from revision none to v3.2.0.a" in out
    assert "up to date" in run(capsys, "storage", "upgrade", "--storage", fresh)
    skipjack.create_study(storage=fresh, study_name="after-upgrade")


def test_upgrade_on_mariadb_waits_past_the_reply_limit(capsys, monkeypatch):
    """A migration may wait or run longer than $SKIPJACK_REPLY_TIMEOUT: `storage upgrade` opens
    its MariaDB connections without PyMySQL's read timeout. Here the index it adds waits 2.5 s
    for another session's lock on the table, with a reply limit of 1 s."""
    import threading

    from tests.storages._rdb_servers import empty_database, server_url

    db_url = server_url("mysql", f"skipjack_cli_upgrade_wait_{os.getpid()}")
    empty_database(db_url)
    RDBStorage(db_url)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP INDEX ix_skipjack_trials_study_number ON trials")
        conn.commit()
    holder = engine.connect()
    holder.exec_driver_sql("SELECT * FROM trials").all()  # holds the table's metadata lock
    release = threading.Timer(2.5, holder.commit)
    release.start()
    monkeypatch.setenv("SKIPJACK_REPLY_TIMEOUT", "1")
    try:
        assert "up to date" in run(capsys, "storage", "upgrade", "--storage", db_url)
    finally:
        release.join()
        holder.close()
    with engine.connect() as conn:
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("trials")}
    engine.dispose()
    assert "ix_skipjack_trials_study_number" in names

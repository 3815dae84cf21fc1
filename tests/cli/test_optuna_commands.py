"""Optuna's commands run as ``optuna`` users run them: real subprocesses on SQLite and journal files.

The expected outputs are written out by hand from Optuna's format rules (ASCII table with numbers
right-aligned and a missing value blank, compact JSON, one line per record for ``value``), so a
change that breaks byte compatibility with Optuna's CLI fails here.
"""

from __future__ import annotations

import datetime
import json
import pytest

import skipjack
from skipjack.distributions import CategoricalDistribution, FloatDistribution
from skipjack.storages import JournalStorage, RDBStorage
from skipjack.trial import FrozenTrial, TrialState

SPACE = json.dumps({
    "x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}},
    "y": {"name": "CategoricalDistribution", "attributes": {"choices": ["foo"]}},
})
T0 = datetime.datetime(2026, 1, 2, 3, 4, 5)


def _open(storage: str) -> skipjack.storages.BaseStorage:
    from skipjack.cli._common import get_storage_for_cli

    return get_storage_for_cli(storage)


def _fixed_study(storage: str) -> None:
    """Two trials with known times: a COMPLETE one with two params, a FAIL one with one."""
    study = skipjack.create_study(storage=_open_or_create(storage), study_name="fixed")
    dists = {"c": CategoricalDistribution(["A", "B"]), "x": FloatDistribution(0, 1)}
    study.add_trial(FrozenTrial(
        number=0, state=TrialState.COMPLETE, value=1.5, datetime_start=T0,
        datetime_complete=T0 + datetime.timedelta(seconds=1), params={"x": 0.25, "c": "A"},
        distributions=dists, user_attrs={}, system_attrs={}, intermediate_values={},
        trial_id=0))
    study.add_trial(FrozenTrial(
        number=1, state=TrialState.FAIL, value=None, datetime_start=T0,
        datetime_complete=T0 + datetime.timedelta(seconds=30), params={"c": "B"},
        distributions={"c": dists["c"]}, user_attrs={}, system_attrs={},
        intermediate_values={}, trial_id=1))


def _open_or_create(storage: str) -> skipjack.storages.BaseStorage:
    from skipjack.cli._common import get_storage_for_cli

    return get_storage_for_cli(storage, create_file=True)


def test_plain_path_is_a_journal_file_and_url_is_rdb(cli, tmp_path):
    log = tmp_path / "study.log"
    assert cli("create-study", "--storage", str(log), "--study-name", "j").stdout == "j\n"
    assert isinstance(_open(str(log)), JournalStorage)
    assert log.read_text().startswith("{")  # Optuna's journal: one JSON operation per line
    url = f"sqlite:///{tmp_path / 'study.db'}"
    cli("create-study", "--storage", url, "--study-name", "r")
    assert isinstance(_open(url), RDBStorage)
    # an existing SQLite file given as a plain path opens as SQLite, not as a journal
    assert cli("study-names", "--storage", str(tmp_path / "study.db")).stdout == "r\n"


def test_generated_name_storage_before_command_and_env(cli, tmp_path):
    path = str(tmp_path / "j.log")
    name = cli("--storage", path, "create-study").stdout.strip()
    assert name.startswith("no-name-") and len(name) == len("no-name-") + 36
    # the variable names: SKIPJACK_STORAGE first, then Optuna's OPTUNA_STORAGE
    assert cli("study-names", env={"OPTUNA_STORAGE": path}).stdout.strip() == name
    other = str(tmp_path / "other.log")
    cli("create-study", "--storage", other, "--study-name", "o")
    both = {"OPTUNA_STORAGE": path, "SKIPJACK_STORAGE": other}
    assert cli("study-names", env=both).stdout.strip() == "o"
    # an option after the command wins over the same option before it
    assert cli("--storage", other, "study-names", "--storage", path).stdout.strip() == name


def test_create_delete_and_user_attr(cli, storage):
    cli("create-study", "--storage", storage, "--study-name", "a", "--direction", "maximize")
    cli("create-study", "--storage", storage, "--study-name", "b",
        "--directions", "minimize", "maximize")
    dup = cli("create-study", "--storage", storage, "--study-name", "a", ok=False)
    assert dup.returncode == 1 and "a" in dup.stderr and len(dup.stderr.splitlines()) == 1
    assert cli("create-study", "--storage", storage, "--study-name", "a",
               "--skip-if-exists").stdout == "a\n"
    cli("study", "set-user-attr", "--storage", storage, "--study-name", "a", "-k", "owner",
        "--value", "me")
    study = skipjack.load_study(study_name="a", storage=_open(storage))
    assert study.user_attrs == {"owner": "me"} and study.direction.name == "MAXIMIZE"
    cli("delete-study", "--storage", storage, "--study-name", "a")
    assert skipjack.get_all_study_names(_open(storage)) == ["b"]


def test_study_names_and_studies_formats(cli, storage):
    cli("create-study", "--storage", storage, "--study-name", "a")
    cli("create-study", "--storage", storage, "--study-name", "bb",
        "--directions", "minimize", "maximize")
    assert cli("study-names", "--storage", storage).stdout == "a\nbb\n"
    assert cli("study-names", "--storage", storage, "-f", "table").stdout == (
        "+------+\n"
        "| name |\n"
        "+------+\n"
        "| a    |\n"
        "| bb   |\n"
        "+------+\n")
    assert cli("study-names", "--storage", storage, "-f", "json").stdout == (
        '[{"name": "a"}, {"name": "bb"}]\n')
    assert cli("study-names", "--storage", storage, "-f", "yaml").stdout == (
        "- name: a\n- name: bb\n")
    table = cli("studies", "--storage", storage).stdout
    assert table == (
        "+------+--------------------------+----------+----------------+\n"
        "| name | direction                | n_trials | datetime_start |\n"
        "+------+--------------------------+----------+----------------+\n"
        "| a    | ('MINIMIZE',)            |        0 |                |\n"
        "| bb   | ('MINIMIZE', 'MAXIMIZE') |        0 |                |\n"
        "+------+--------------------------+----------+----------------+\n")
    skipjack.load_study(study_name="bb", storage=_open(storage)).set_user_attr("k", "v")
    flat = json.loads(cli("studies", "--storage", storage, "-f", "json", "--flatten").stdout)
    assert flat == [
        {"name": "a", "direction_0": "MINIMIZE", "n_trials": 0, "datetime_start": None,
         "user_attrs": {}},
        {"name": "bb", "direction_0": "MINIMIZE", "direction_1": "MAXIMIZE", "n_trials": 0,
         "datetime_start": None, "user_attrs": {"k": "v"}},
    ]
    assert cli("studies", "--storage", storage, "-f", "value").stdout == (
        "a ('MINIMIZE',) 0  {}\nbb ('MINIMIZE', 'MAXIMIZE') 0  {'k': 'v'}\n")


def test_trials_table_json_value_and_flatten(cli, storage):
    _fixed_study(storage)
    args = ("trials", "--storage", storage, "--study-name", "fixed")
    assert cli(*args).stdout == (
        "+--------+-------+---------------------+---------------------+----------+"
        "-----------------------+----------+\n"
        "| number | value | datetime_start      | datetime_complete   | duration |"
        " params                | state    |\n"
        "+--------+-------+---------------------+---------------------+----------+"
        "-----------------------+----------+\n"
        "|      0 |   1.5 | 2026-01-02 03:04:05 | 2026-01-02 03:04:06 | 0:00:01  |"
        " {'c': 'A', 'x': 0.25} | COMPLETE |\n"
        "|      1 |       | 2026-01-02 03:04:05 | 2026-01-02 03:04:35 | 0:00:30  |"
        " {'c': 'B'}            | FAIL     |\n"
        "+--------+-------+---------------------+---------------------+----------+"
        "-----------------------+----------+\n")
    assert cli(*args, "-f", "json").stdout == (
        '[{"number": 0, "value": 1.5, "datetime_start": "2026-01-02 03:04:05", '
        '"datetime_complete": "2026-01-02 03:04:06", "duration": "0:00:01", '
        '"params": {"c": "A", "x": 0.25}, "state": "COMPLETE"}, '
        '{"number": 1, "value": null, "datetime_start": "2026-01-02 03:04:05", '
        '"datetime_complete": "2026-01-02 03:04:35", "duration": "0:00:30", '
        '"params": {"c": "B"}, "state": "FAIL"}]\n')
    flat = json.loads(cli(*args, "-f", "json", "--flatten").stdout)
    assert flat[0]["params_x"] == 0.25 and flat[0]["params_c"] == "A"
    assert "params_x" not in flat[1] and "params" not in flat[1]
    # the value format: the table's cells, one space apart, a missing value empty
    assert cli(*args, "-f", "value", "--flatten").stdout == (
        "0 1.5 2026-01-02 03:04:05 2026-01-02 03:04:06 0:00:01 A 0.25 COMPLETE\n"
        "1  2026-01-02 03:04:05 2026-01-02 03:04:35 0:00:30 B  FAIL\n")
    best = json.loads(cli("best-trial", "--storage", storage, "--study-name", "fixed",
                          "-f", "json").stdout)
    assert best["number"] == 0 and best["params"] == {"c": "A", "x": 0.25}


def test_multi_objective_values_and_best_trials(cli, storage):
    study = skipjack.create_study(storage=_open_or_create(storage), study_name="mo",
                                  directions=["minimize", "minimize"])
    for values in ((1.0, 2.0), (2.0, 1.0), (3.0, 3.0)):
        study.tell(study.ask(), values)
    best = json.loads(cli("best-trials", "--storage", storage, "--study-name", "mo",
                          "-f", "json").stdout)
    assert [(t["number"], t["values"]) for t in best] == [(0, [1.0, 2.0]), (1, [2.0, 1.0])]
    flat = json.loads(cli("trials", "--storage", storage, "--study-name", "mo", "-f", "json",
                          "--flatten").stdout)
    assert [(t["values_0"], t["values_1"]) for t in flat] == [(1.0, 2.0), (2.0, 1.0), (3.0, 3.0)]
    one = cli("best-trial", "--storage", storage, "--study-name", "mo", ok=False)
    assert one.returncode == 2 and "best-trials" in one.stderr


def test_metric_names_key_the_values_in_their_own_order(cli, tmp_path):
    path = str(tmp_path / "m.log")
    study = skipjack.create_study(storage=_open_or_create(path), study_name="m",
                                  directions=["minimize", "maximize"])
    study.set_metric_names(["zloss", "acc"])
    study.tell(study.ask(), (0.5, 0.9))
    nested = json.loads(cli("trials", "--storage", path, "--study-name", "m", "-f", "json").stdout)
    assert list(nested[0]["values"].items()) == [("zloss", 0.5), ("acc", 0.9)]
    header = cli("trials", "--storage", path, "--study-name", "m", "--flatten").stdout
    assert header.splitlines()[1].split("|")[2:4] == [" values_zloss ", " values_acc "]


def test_ask_tell_round_trip(cli, storage):
    cli("create-study", "--storage", storage, "--study-name", "s")
    asked = json.loads(cli("ask", "--storage", storage, "--study-name", "s",
                           "--search-space", SPACE, "--sampler", "TPESampler",
                           "--sampler-kwargs", '{"multivariate": true, "seed": 1}').stdout)
    assert asked["number"] == 0 and 0 <= asked["params"]["x"] <= 1
    assert asked["params"]["y"] == "foo"
    flat = cli("ask", "--storage", storage, "--study-name", "s", "--search-space", SPACE,
               "--flatten", "-f", "value").stdout.split()
    assert flat[0] == "1" and 0 <= float(flat[1]) <= 1 and flat[2] == "foo"
    empty = cli("ask", "--storage", storage, "--study-name", "s", "-f", "table").stdout
    assert empty == (
        "+--------+--------+\n"
        "| number | params |\n"
        "+--------+--------+\n"
        "|      2 | {}     |\n"
        "+--------+--------+\n")
    # tell without --study-name uses the storage's only study
    cli("tell", "--storage", storage, "--trial-number", "0", "--values", "1.2")
    again = cli("tell", "--storage", storage, "--trial-number", "0", "--values", "1.3", ok=False)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    cli("tell", "--storage", storage, "--trial-number", "0", "--values", "1.3",
        "--skip-if-finished")
    cli("tell", "--storage", storage, "--trial-number", "1", "--values", "nan")
    cli("tell", "--storage", storage, "--trial-number", "2", "--state", "pruned")
    trials = skipjack.load_study(study_name="s", storage=_open(storage)).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED]
    assert trials[0].values == [1.2] and trials[1].values is None
    assert trials[0].params == asked["params"]


def test_ask_needs_an_existing_study(cli, storage):
    _open_or_create(storage)
    proc = cli("ask", "--storage", storage, "--study-name", "nope", ok=False)
    assert proc.returncode == 2
    assert "create-study --study-name nope" in proc.stderr
    assert "Implicit study creation within the 'ask' command was dropped" in proc.stderr


def test_verbosity_and_log_file(cli, tmp_path):
    path = str(tmp_path / "j.log")
    default = cli("create-study", "--storage", path, "--study-name", "a").stderr
    assert "A new study created in Journal with name: a" in default
    quiet = cli("-q", "create-study", "--storage", path, "--study-name", "b").stderr
    assert quiet == ""
    log = tmp_path / "cli.txt"
    cli("create-study", "--storage", path, "--study-name", "c", "--quiet", "--log-file", str(log))
    assert "A new study created" not in log.read_text()  # --quiet holds for the file too
    verbose = cli("ask", "--storage", path, "--study-name", "a", "-v", "--log-file", str(log))
    assert "Asked trial 0" in verbose.stderr and "Asked trial 0" in log.read_text()
    failed = cli("delete-study", "--storage", path, "--study-name", "zz", "--log-file", str(log),
                 ok=False)
    assert failed.returncode == 2 and "'zz'" in log.read_text().splitlines()[-1]
    both = cli("-q", "create-study", "--storage", path, "-v", ok=False)
    assert both.returncode == 2 and "--quiet" in both.stderr


def test_help_version_and_empty_command_line(cli):
    empty = cli()
    assert empty.stdout == cli("help").stdout and empty.stdout.startswith("usage:")
    for command in ("create-study", "ask", "tell", "trials", "worker", "metrics"):
        assert f" {command} " in empty.stdout
    assert "--study-name" in cli("help", "trials").stdout
    assert cli("--version").stdout.startswith("skipjack ")
    missing = cli("study", ok=False)
    assert missing.returncode == 2 and "set-user-attr" in missing.stdout


def test_storage_upgrade(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    none = cli("storage", "upgrade", ok=False)
    assert none.returncode == 2 and "--storage" in none.stderr
    assert "to v3.2.0.a" in cli("storage", "upgrade", "--storage", url).stdout
    assert "up to date" in cli("--storage", url, "storage", "upgrade").stdout
    bad = cli("storage", "upgrade", "--storage", "invalid-storage-url", ok=False)
    assert bad.returncode == 2 and "RDB" in bad.stderr


def test_best_trial_json_and_yaml(cli, storage):
    study = skipjack.create_study(storage=_open_or_create(storage), study_name="n")
    study.tell(study.ask(), 2.0)
    record = json.loads(cli("best-trial", "--storage", storage, "--study-name", "n",
                            "-f", "json").stdout)
    assert record["value"] == 2.0 and record["state"] == "COMPLETE"
    assert cli("best-trial", "--storage", storage, "--study-name", "n", "-f", "yaml",
               "--flatten").stdout.splitlines()[-1] == "value: 2.0"


def test_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    path = str(tmp_path / "p.log")
    study = skipjack.create_study(storage=_open_or_create(path), study_name="p")
    for i in range(40):
        study.enqueue_trial({"x": i / 40})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=40)
    proc = subprocess.Popen([sys.executable, "-m", "skipjack.cli", "trials", "--storage", path,
                             "--study-name", "p", "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `| head -0` does, before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and err == ""

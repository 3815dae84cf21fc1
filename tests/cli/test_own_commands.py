"""skipjack's own commands share one naming scheme: ``--study-name`` (``--study`` still accepted),
``--host`` bound to loopback unless told otherwise, ``-f/--format``, and the global options."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.request

import pytest

import skipjack
from skipjack.cli import build_parser

OWN = {
    ("worker",): ["--objective", "m:f"],
    ("report",): [],
    ("artifacts", "gc"): ["--ttl", "1d", "--artifact-dir", "x"],
    ("pruning-log",): [],
    ("pruning-pause",): [],
}


def _parse(*argv: str):
    return build_parser("skipjack").parse_args(list(argv))


@pytest.mark.parametrize("command", list(OWN), ids=" ".join)
def test_study_name_everywhere_old_spelling_hidden(command, capsys):
    extra = OWN[command]
    assert _parse(*command, "--study-name", "a", *extra).study_name == "a"
    assert _parse(*command, "--study", "a", *extra).study_name == "a"
    with pytest.raises(SystemExit):
        _parse(*command, "--help")
    usage = capsys.readouterr().out
    assert "--study-name" in usage and "--study " not in usage and "--study]" not in usage
    # the global options work after the command as after Optuna's commands
    args = _parse(*command, "--study-name", "a", *extra, "--storage", "x.log", "-q")
    assert args.storage == "x.log" and args.quiet_sub


@pytest.mark.parametrize("command", ["dashboard", "metrics"])
def test_servers_bind_loopback_by_default(command):
    assert _parse(command).host == "127.0.0.1"
    assert _parse(command, "--host", "0.0.0.0").host == "0.0.0.0"
    if command == "metrics":
        assert _parse(command, "--addr", "::1").host == "::1"  # the old spelling


def test_metrics_serves_on_loopback(cli, tmp_path):
    pytest.importorskip("prometheus_client")
    path = str(tmp_path / "m.log")
    study = skipjack.create_study(storage=skipjack.storages.JournalStorage(
        skipjack.storages.journal.JournalFileBackend(path)), study_name="m")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    proc = subprocess.Popen([sys.executable, "-m", "skipjack.cli", "metrics", "--storage", path,
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert banner.startswith("skipjack metrics: serving http://127.0.0.1:"), banner
        url = banner.split("serving ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=30) as response:
            text = response.read().decode()
        assert 'skipjack_study_trials{' in text and 'study="m"' in text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_worker_report_and_pruning_commands(cli, storage, tmp_path):
    (tmp_path / "objective_mod.py").write_text(textwrap.dedent("""
        def objective(trial):
            return (trial.suggest_float("x", -1, 1) - 0.5) ** 2
    """))
    cli("create-study", "--storage", storage, "--study-name", "w", "-q")
    cli("worker", "--storage", storage, "--study-name", "w", "--objective",
        "objective_mod:objective", "--n-trials", "4", "--sampler", "RandomSampler",
        "--sampler-kwargs", '{"seed": 3}', "-q")
    cli("worker", "--storage", storage, "--study", "w", "--objective", "objective_mod:objective",
        "--n-trials", "2", "--sampler", "TPESampler", "--seed", "1", "-q")
    study = skipjack.load_study(study_name="w", storage=_open(storage))
    assert len(study.trials) == 6 and all(t.state.name == "COMPLETE" for t in study.trials)
    report = json.loads(cli("report", "--storage", storage, "--study-name", "w", "-f", "json",
                            "-q").stdout)
    assert report["figures"]["n_complete"] == 6
    log = json.loads(cli("pruning-log", "--storage", storage, "--study-name", "w", "-f",
                         "json").stdout)
    assert log == []  # nothing was pruned
    assert json.loads(cli("pruning-log", "--storage", storage, "--study", "w", "--json")
                      .stdout) == []
    cli("pruning-pause", "--storage", storage, "--study-name", "w")
    assert skipjack.load_study(study_name="w", storage=_open(storage)).user_attrs[
        "skipjack:pruning_paused"] is True


def _open(storage: str):
    from skipjack.cli._common import get_storage_for_cli

    return get_storage_for_cli(storage)

"""Bad command lines: a one-line error naming the option and the fix, exit 2, no traceback.

Failures of the command itself (the study exists, the trial is finished) exit 1, also with one
line. Every case runs the real CLI in a subprocess.
"""

from __future__ import annotations

import socket

import pytest

SPACE = '{"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}}}'


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.fixture
def journal(cli, tmp_path) -> str:
    path = str(tmp_path / "j.log")
    cli("create-study", "--storage", path, "--study-name", "s", "-q")
    return path


# (command line with {storage}, exit code, words the error line must contain)
CASES = [
    (["create-study"], 2, ["--storage", "SKIPJACK_STORAGE", "OPTUNA_STORAGE"]),
    (["studies", "--storage", "{missing}"], 2, ["--storage", "create-study", "sqlite:///"]),
    (["studies", "--storage", "{dir}"], 2, ["--storage", "directory"]),
    (["studies", "--storage", "ftp://host/x"], 2, ["--storage", "sqlite:///"]),
    (["studies", "--storage", "{storage}", "--storage-class", "InMemoryStorage"], 2,
     ["--storage-class", "JournalFileBackend"]),
    (["trials", "--storage", "{storage}"], 2, ["--study-name"]),
    (["trials", "--storage", "{storage}", "--study-name", "nope"], 2, ["--study-name", "'s'"]),
    (["trials", "--storage", "{storage}", "--study-name", "s", "-f", "xml"], 2, ["--format"]),
    (["create-study", "--storage", "{storage}", "--direction", "up"], 2, ["--direction"]),
    (["create-study", "--storage", "{storage}", "--direction", "minimize", "--directions",
      "minimize", "maximize"], 2, ["--direction", "--directions"]),
    (["create-study", "--storage", "{storage}", "--study-name", "s"], 1, ["s"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--sampler-kwargs", "{}"], 2,
     ["--sampler"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--sampler", "TPESampler",
      "--sampler-kwargs", "{not json"], 2, ["--sampler-kwargs", "JSON"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--sampler", "TPESampler",
      "--sampler-kwargs", "[1, 2]"], 2, ["--sampler-kwargs", "object"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--sampler", "TPESampler",
      "--sampler-kwargs", '{"bogus": 1}'], 2, ["--sampler-kwargs", "bogus", "n_startup_trials"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--sampler", "TPESampler",
      "--sampler-kwargs", '{"n_startup_trials": "many"}'], 2, ["--sampler-kwargs"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--sampler", "NoSuchSampler"], 2,
     ["--sampler", "RandomSampler"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--search-space", "{x"], 2,
     ["--search-space", "JSON"]),
    (["ask", "--storage", "{storage}", "--study-name", "s", "--search-space",
      '{"x": {"name": "NoDistribution"}}'], 2, ["--search-space", "'x'"]),
    (["tell", "--storage", "{storage}", "--values", "1"], 2, ["--trial-number"]),
    (["tell", "--storage", "{storage}", "--trial-number", "7", "--values", "1"], 1, ["7"]),
    (["tell", "--storage", "{storage}", "--trial-number", "0", "--values", "one"], 2,
     ["--values"]),
    (["study", "set-user-attr", "--storage", "{storage}", "--study-name", "s", "-k", "a"], 2,
     ["--value"]),
    (["storage", "upgrade", "--storage", "{storage}"], 2, ["RDB", "Journals need no upgrade"]),
    (["dashboard", "--storage", "{storage}", "--port", "99999"], 2, ["--port", "0-65535"]),
    (["metrics", "--storage", "{storage}", "--port", "-1"], 2, ["--port", "0-65535"]),
    (["report", "--storage", "{storage}", "--study-name", "s", "--min-completion", "5"], 2,
     ["--min-completion", "0 and 1"]),
    (["worker", "--storage", "{storage}", "--study-name", "s", "--objective", "nocolon"], 2,
     ["--objective", "module:function"]),
    (["worker", "--storage", "{storage}", "--study-name", "s", "--objective", "m:f",
      "--n-trials", "0"], 2, ["--n-trials", ">= 1"]),
    (["worker", "--storage", "{storage}", "--study-name", "s", "--objective", "m:f",
      "--sampler-kwargs", "{}"], 2, ["--sampler"]),
    (["pruning-log", "--storage", "{storage}", "--study-name", "nope"], 2, ["--study-name"]),
    (["artifacts", "gc", "--storage", "{storage}", "--study-name", "s", "--ttl", "soon",
      "--artifact-dir", "{dir}"], 2, ["--ttl"]),
    (["--log-file", "{dir}/no/such/folder/x.log", "studies", "--storage", "{storage}"], 2,
     ["--log-file"]),
    (["nosuchcommand"], 2, ["nosuchcommand"]),
    (["-v"], 2, ["names no command"]),
    (["study"], 2, ["study", "give one of its commands"]),
]


@pytest.mark.parametrize("argv,code,words", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_bad_command_line(cli, journal, tmp_path, argv, code, words):
    fill = {"{storage}": journal, "{missing}": str(tmp_path / "missing.log"),
            "{dir}": str(tmp_path)}
    filled = []
    for arg in argv:
        for key, value in fill.items():
            arg = arg.replace(key, value)
        filled.append(arg)
    proc = cli(*filled, ok=False)
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    line = _error_line(proc.stderr)
    for word in words:
        assert word in line, line


def test_port_in_use_is_a_clear_error(cli, journal):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for command in ("dashboard", "metrics"):
            proc = cli(command, "--storage", journal, "--port", port, ok=False, timeout=60)
            assert proc.returncode == 2, proc.stderr
            line = _error_line(proc.stderr)
            assert "--port" in line and port in line and "127.0.0.1" in line


def test_debug_shows_the_traceback(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "skipjack.cli", "--debug", "tell",
                           "--storage", str(tmp_path / "x.db"), "--trial-number", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" in proc.stderr

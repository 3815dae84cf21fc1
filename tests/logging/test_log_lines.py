"""Log lines as an Optuna user sees them: the same text as Optuna's, coloured on a terminal."""

from __future__ import annotations

import os
import pathlib
import pty
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# One study per storage kind: a completed, a pruned, a failed and an invalid-value trial.
SCRIPT = r"""
import sys
lib = __import__(sys.argv[1])
storage = sys.argv[2] if len(sys.argv) > 2 else None

def objective(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 1:
        raise lib.TrialPruned()
    if trial.number == 2:
        raise ValueError("boom")
    if trial.number == 3:
        return float("nan")
    return x

study = lib.create_study(study_name="logs", storage=storage)
for x in (0.25, 0.5, 0.75, 0.125):
    study.enqueue_trial({"x": x})
study.optimize(objective, n_trials=4, catch=(ValueError,))
"""

_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")


def _lines(lib: str, cwd: pathlib.Path, storage: str | None, env_extra=None) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), **(env_extra or {}))
    env.pop("FORCE_COLOR", None)
    args = [sys.executable, "-c", SCRIPT, lib] + ([storage] if storage else [])
    out = subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # Trailing spaces aside (Optuna's "Trial 1 pruned. " ends with one).
    lines = [_TIME.sub("T", line).rstrip() for line in out.stderr.splitlines()
             if line.startswith("[")]  # log lines only (not warnings or tracebacks)
    return lines


@pytest.mark.parametrize("storage", [None, "sqlite:///logs.db"], ids=["memory", "sqlite"])
def test_log_lines_match_optunas(storage, tmp_path):
    pytest.importorskip("optuna")
    if storage:
        pytest.importorskip("sqlalchemy")
    (tmp_path / "o").mkdir()
    (tmp_path / "s").mkdir()
    theirs = _lines("optuna", tmp_path / "o", storage)
    ours = _lines("skipjack", tmp_path / "s", storage)
    # The reason for an invalid value is worded by each library (skipjack's names the fix).
    invalid = re.compile(r"(Trial 3 failed with parameters: .* because of the following error: )"
                         r"(.*)")
    reason = next(invalid.match(line[6:]).group(2) for line in ours if invalid.match(line[6:]))
    assert "nan" in reason and "return a finite value" in reason
    assert [invalid.sub(r"\1...", line) for line in ours] == [
        invalid.sub(r"\1...", line) for line in theirs]
    assert ours[0].startswith("[I T] A new study created in ")
    assert any(line.startswith("[W T] Trial 2 failed with parameters: {'x': 0.75} because of "
                               "the following error: ValueError('boom').") for line in ours)


def _tty_output(env_extra: dict[str, str], block_colorlog: bool = False) -> str:
    code = ("import sys\n"
            + ("sys.modules['colorlog'] = None\n" if block_colorlog else "")
            + "import skipjack\n"
              "log = skipjack.logging.get_logger('skipjack.test')\n"
              "log.info('hello'); log.warning('careful')\n")
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), **env_extra)
    env.pop("NO_COLOR", None) if "NO_COLOR" not in env_extra else None
    env.pop("FORCE_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=slave, stdout=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_plain_otherwise():
    pytest.importorskip("colorlog")
    coloured = _tty_output({})
    assert "\x1b[32m[I " in coloured and "\x1b[33m[W " in coloured  # green INFO, yellow WARNING
    assert "]\x1b[0m hello" in coloured
    assert "\x1b[" not in _tty_output({"NO_COLOR": "1"})
    assert "\x1b[" not in _tty_output({}, block_colorlog=True)  # colorlog is optional
    plain = subprocess.run(
        [sys.executable, "-c", "import skipjack; skipjack.logging.get_logger('x').info('hi')"],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), text=True, capture_output=True)
    assert re.fullmatch(r"\[I \S+ \S+\] hi\n", plain.stderr)


def test_import_skipjack_does_not_import_colorlog():
    out = subprocess.run(
        [sys.executable, "-c", "import sys, skipjack; print('colorlog' in sys.modules)"],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), text=True, capture_output=True)
    assert out.stdout.strip() == "False"

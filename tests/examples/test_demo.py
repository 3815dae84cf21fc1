"""``make demo``'s script, run as a user runs it: in an empty folder, twice."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

DEMO = pathlib.Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def _run(folder: pathlib.Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("sklearn")
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("plotly")
    env = dict(os.environ, SKIPJACK_DEMO_TRIALS="3")
    return subprocess.run([sys.executable, str(DEMO)], cwd=folder, env=env, text=True,
                          capture_output=True, timeout=300, check=True)


def test_demo_points_onward_and_continues_its_study(tmp_path):
    first = _run(tmp_path)
    lines = first.stdout.splitlines()
    assert len(lines) < 25, first.stdout
    assert lines[0].startswith("New study 'demo-breast-cancer' in sqlite:///demo.db")
    assert any(line.startswith("Best trial #") for line in lines)
    assert any(line.startswith("Health: OK. 3 trials") for line in lines)
    dashboard = [line for line in lines if " dashboard --storage sqlite:///demo.db" in line]
    report = [line for line in lines
              if " report --storage sqlite:///demo.db --study demo-breast-cancer" in line]
    assert dashboard and report, first.stdout
    assert "Plot: demo-history.html" in first.stdout
    assert (tmp_path / "demo.db").exists()
    assert "<html" in (tmp_path / "demo-history.html").read_text()[:2000].lower()
    assert "Traceback" not in first.stderr and "Warning" not in first.stderr
    assert "3/3" in first.stderr  # the progress bar

    second = _run(tmp_path)
    assert second.stdout.startswith(
        "Continuing study 'demo-breast-cancer' in sqlite:///demo.db (3 trials so far")
    assert "Health: OK. 6 trials" in second.stdout
    # The report command it prints works on the study it made.
    cli = report[0].split(" report ")[0].split()
    command = [sys.executable, "-m", "skipjack.cli"] if cli[-1].endswith("skipjack.cli") else cli
    out = subprocess.run(command + ["report", "--storage", "sqlite:///demo.db",
                                    "--study", "demo-breast-cancer"],
                         cwd=tmp_path, text=True, capture_output=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("Study 'demo-breast-cancer': OK."), (
        out.stdout + out.stderr)

"""Helpers of the CLI tests: run ``python -m skipjack.cli`` in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

CLI = [sys.executable, "-m", "skipjack.cli"]


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SKIPJACK_STORAGE", "OPTUNA_STORAGE")}
    env.update(extra or {})
    return env


@pytest.fixture
def cli(tmp_path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(*args, env=None, ok=True)``: run the CLI in ``tmp_path``; ``ok`` asserts exit 0."""

    def run(*args: str, env: dict[str, str] | None = None, ok: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=tmp_path,
                              env=_env(env), timeout=timeout)
        if ok:
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        return proc

    return run


@pytest.fixture(params=["sqlite", "journal"])
def storage(request, tmp_path) -> str:
    """A storage argument: an SQLite URL, or a plain path (a journal file, as in Optuna 4+)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.db'}"
    return str(tmp_path / "cli.log")

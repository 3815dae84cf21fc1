"""Run a program the way a user runs an Optuna add-on on skipjack: ``python -m skipjack run``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "SKIPJACK_AS_OPTUNA"}
    out["PYTHONPATH"] = str(REPO / "src")
    out["PYTHONWARNINGS"] = "ignore"
    return out


def run_program(code: str, tmp_path: Path, timeout: float = 600) -> Any:
    """Run PRELUDE + ``code`` under ``python -m skipjack run``; return its last stdout line (JSON)."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(PRELUDE) + textwrap.dedent(code))
    proc = subprocess.run(
        [sys.executable, "-m", "skipjack", "run", str(script)],
        env=env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# Every program starts by proving that `optuna` is skipjack in its process.
PRELUDE = """
import json, sys
import optuna
assert optuna.__name__ == "skipjack", optuna.__file__
optuna.logging.set_verbosity(optuna.logging.WARNING)
"""

"""The client programs of ``tests/ecosystem/clients`` that need only skipjack's own dependencies run.

``benchmarks/ecosystem_clients.py`` runs all of them in a venv with the add-ons installed from the
package index and reports the count (docs/ecosystem.md); this keeps the plain ones from rotting.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parent / "clients"
REPO = CLIENTS.parents[2]
PLAIN = [
    "artifact_store", "ask_and_tell", "callbacks_and_logging", "enqueue_trial", "journal_multiprocess",
    "max_trials_callback", "quadratic_constraint", "quadratic_multi_objective",
    "quadratic_simple", "user_defined_sampler", "wilcoxon_pruner",
]


@pytest.mark.parametrize("name", PLAIN)
def test_client_program_runs_on_skipjack(name: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SKIPJACK_AS_OPTUNA")}
    env["PYTHONPATH"] = str(REPO / "src")
    env["PYTHONWARNINGS"] = "ignore"
    proc = subprocess.run(
        [sys.executable, "-m", "skipjack", "run", str(CLIENTS / "_as_user.py"),
         str(CLIENTS / f"{name}.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

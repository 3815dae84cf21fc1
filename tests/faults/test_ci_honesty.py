"""Under ``CI=true`` a test whose server is unreachable, or whose test-extra package is missing,
fails; locally it skips. Other skips stay skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_probe(ci: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q",
         "tests/faults/_ci_probe.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    return done.stdout


@pytest.mark.parametrize("ci", [False, True])
def test_server_skips_fail_only_under_ci(ci):
    out = _run_probe(ci)
    if ci:
        assert "FAILED tests/faults/_ci_probe.py::test_server_gone" in out, out
        assert "FakeDB at 127.0.0.1:1 is not reachable" in out
        assert "FAILED tests/faults/_ci_probe.py::test_extra_package_missing" in out, out
        assert "'test' extra" in out
        assert "SKIPPED [1] tests/faults/_ci_probe.py" in out  # test_other_skip
        assert "2 failed, 1 skipped" in out
    else:
        assert "3 skipped" in out, out

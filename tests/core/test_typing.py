"""The package type-checks under ``mypy --strict`` (house style, rule 8).

mypy runs from this interpreter with the ``[tool.mypy]`` configuration of pyproject.toml (strict,
and the optional libraries without types listed by name) on ``src/skipjack`` and, in the same
run, on ``user_code_typing.py``: Optuna-style user code that reaches the study through
``trial.study`` (which ``trial/`` types as a protocol, not as the ``Study`` class). Under CI
its cache starts empty in the test's temporary directory; locally the repository's incremental
``.mypy_cache`` makes a rerun take seconds.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USER_CODE = "tests/core/user_code_typing.py"


# A cold run takes ~45 s on two idle cores and several minutes when the machine is shared: the
# limit only guards against a hung mypy, it is not a timing check.
@pytest.mark.timeout(600)
def test_package_is_clean_under_mypy_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed: pip install -e '.[test]' brings it")
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "src/skipjack", USER_CODE]
    if os.environ.get("CI"):
        command += ["--cache-dir", str(tmp_path / "mypy_cache")]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=590, check=False
    )
    assert result.returncode == 0, (
        f"mypy --strict found errors (exit {result.returncode}):\n{result.stdout}{result.stderr}"
    )


def test_user_code_runs() -> None:
    from tests.core import user_code_typing

    trials = user_code_typing.main()
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert trials[1].params == {"x": 0.5}  # enqueued through trial.study by trial 0

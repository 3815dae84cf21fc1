"""``import skipjack`` loads no standard-library module it does not need (docs/performance.md).

Each module below costs milliseconds to import and is needed only by an opt-in feature: JSON log
lines and pruning decision logs (``json``), ``dataclasses`` (which imports ``inspect``), the
default study name (``uuid``, which imports ``platform``), ``decimal`` (steps that are not exact
in binary).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

LAZY = ("json", "dataclasses", "inspect", "uuid", "platform", "decimal")


@pytest.mark.parametrize("after", ["import", "a study named by the user"])
def test_import_and_a_plain_study_load_no_lazy_module(after: str) -> None:
    code = "import sys, skipjack\n"
    if after != "import":
        code += (
            "skipjack.logging.set_verbosity(skipjack.logging.WARNING)\n"
            "study = skipjack.create_study(study_name='s', sampler=skipjack.samplers.RandomSampler(0))\n"
            "study.optimize(lambda t: t.suggest_float('x', 0, 1) + t.suggest_int('n', 0, 3), 5)\n"
        )
    code += f"print(','.join(m for m in {LAZY!r} if m in sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

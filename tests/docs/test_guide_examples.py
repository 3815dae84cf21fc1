"""Every Python example of the user guide runs (docs/index.md, docs/guide/*.md).

A page's ```python blocks run in order in one namespace, in an empty temporary folder, in a
fresh interpreter; a block right after a ``<!-- not run: reason -->`` line is skipped (it needs
a server, a cluster or worker processes).
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide"
_BLOCK = re.compile(r"(<!-- not run:[^>]*-->\s*\n)?```python\n(.*?)```", re.S)


def python_blocks(text: str) -> list[str]:
    """The blocks of a page that run (skipped ones left out)."""
    return [m.group(2) for m in _BLOCK.finditer(text) if not m.group(1)]


def test_the_block_reader_skips_marked_blocks():
    text = "a\n```python\nx = 1\n```\n<!-- not run: needs a server -->\n```python\ny\n```\n"
    assert python_blocks(text) == ["x = 1\n"]


PAGES = sorted(GUIDE.glob("*.md")) + [GUIDE.parent / "index.md"]


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_guide_page_examples_run(page, tmp_path):
    blocks = python_blocks(page.read_text())
    if not blocks:
        pytest.skip(f"{page.name} has no Python example")
    needs = {"sqlite://": "sqlalchemy", "visualization": "plotly", "trials_dataframe()": "pandas"}
    source = "\n".join(blocks)
    for marker, module in needs.items():
        if marker in source:
            pytest.importorskip(module)
    script = tmp_path / f"{page.stem}.py"
    script.write_text("\n\n".join(f"# --- block {i}\n{b}" for i, b in enumerate(blocks)))
    src = str(pathlib.Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [src] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=300)
    assert result.returncode == 0, f"{page.name}:\n{result.stdout}\n{result.stderr}"

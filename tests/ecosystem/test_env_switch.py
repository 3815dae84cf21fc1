"""``SKIPJACK_AS_OPTUNA=1`` alone switches ``import optuna`` to skipjack in an installed skipjack.

The wheel built from this tree carries ``skipjack-as-optuna.pth``; each test runs a fresh
interpreter of a venv where that wheel is installed (the real optuna and numpy come from the
test's own environment, added after it on the path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("env-switch")
    # no PYTHONPATH: pip would take the source tree on it for an installed skipjack
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # built from a copy: a build in the tree would leave build/ and src/*.egg-info in it
    source = root / "source"
    shutil.copytree(REPO / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(source)],
        check=True, capture_output=True, timeout=600, env=clean,
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=300)
    python = venv / "bin" / "python"
    [wheel] = wheels.glob("skipjack-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)],
        check=True, capture_output=True, timeout=600, env=clean,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    assert (Path(purelib) / "skipjack-as-optuna.pth").exists()
    # numpy, tqdm and the real optuna: this environment's packages, after the venv's own
    (Path(purelib) / "zz-test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run(python: Path, code: str, flag: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SKIPJACK_AS_OPTUNA")}
    if flag is not None:
        env["SKIPJACK_AS_OPTUNA"] = flag
    script = python.parent.parent / "program.py"  # a file: spawn children re-import __main__
    script.write_text(code)
    proc = subprocess.run([str(python), str(script)], env=env, capture_output=True, text=True,
                          timeout=300, cwd=script.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.split()


def test_the_flag_makes_import_optuna_skipjack_lazily(venv_python: Path) -> None:
    out = run(venv_python, (
        "import sys\n"
        "print('skipjack' in sys.modules)\n"  # nothing of skipjack is imported at start-up
        "import optuna, skipjack\n"
        "from optuna.samplers import TPESampler\n"
        "import optuna.study._study_direction as d\n"
        "print(optuna is skipjack, TPESampler is skipjack.samplers.TPESampler,\n"
        "      d.StudyDirection is skipjack.study.StudyDirection, skipjack._optuna_alias.is_installed())\n"
    ), "1")
    assert out == ["False", "True", "True", "True", "True"]


@pytest.mark.parametrize("flag", [None, "0", "", "false"])
def test_without_the_flag_nothing_changes(venv_python: Path, flag: str | None) -> None:
    pytest.importorskip("optuna")
    out = run(venv_python, (
        "import sys\n"
        "import optuna\n"
        "print(optuna.__name__, '_skipjack_as_optuna' in sys.modules, 'skipjack' in sys.modules)\n"
    ), flag)
    assert out == ["optuna", "False", "False"]


def test_children_inherit_the_switch(venv_python: Path) -> None:
    out = run(venv_python, (
        "import multiprocessing, subprocess, sys\n"
        "def child(q):\n"
        "    import optuna\n"
        "    q.put(optuna.__name__)\n"
        "if __name__ == '__main__':\n"
        "    ctx = multiprocessing.get_context('spawn')\n"
        "    q = ctx.Queue()\n"
        "    p = ctx.Process(target=child, args=(q,))\n"
        "    p.start(); spawned = q.get(timeout=120); p.join()\n"
        "    sub = subprocess.run([sys.executable, '-c', 'import optuna; print(optuna.__name__)'],\n"
        "                         capture_output=True, text=True, check=True).stdout.strip()\n"
        "    print(spawned, sub)\n"
    ), "1")
    assert out == ["skipjack", "skipjack"]

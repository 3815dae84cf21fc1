"""Real client programs of Optuna's ecosystem, run unchanged on skipjack: how many run.

Each program in ``tests/ecosystem/clients/`` is plain user code written for Optuna (``import
optuna``; Optuna's example shapes, optuna-integration, optuna-dashboard, optunahub,
optuna-fast-fanova). This script installs those packages from the package index into a separate
venv under /tmp (the real optuna comes along as their dependency, as on a user's machine), then
runs every program there under ``python -m skipjack run`` with this tree's skipjack on
``PYTHONPATH``. A program counts as run when it exits 0 within its timeout and, at its end, every
``optuna`` module in its process is skipjack's (``clients/_as_user.py`` checks that).

    python benchmarks/ecosystem_clients.py                     # install (if needed) and run all
    python benchmarks/ecosystem_clients.py --only sklearn_simple,dashboard_cli
    python benchmarks/ecosystem_clients.py --no-install --json /tmp/eco.json --markdown
    python benchmarks/ecosystem_clients.py --no-install --target optuna   # the programs on Optuna

Prints one line per program (name, packages it exercises, result, seconds, the last error line)
and the count. ``--markdown`` prints the table that docs/ecosystem.md holds.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIENTS = REPO / "tests" / "ecosystem" / "clients"
DEFAULT_VENV = "/tmp/skipjack-ecosystem-venv"

# What the programs import, as a user installs it. xgboost-cpu is xgboost without the CUDA
# libraries (the same ``xgboost`` module); for torch, a CPU wheel in pip's find-links folders is
# taken when there is one (the package index's default build pulls gigabytes of CUDA
# libraries); the real optuna arrives with optuna-integration.
PACKAGES = [
    "optuna-dashboard", "optuna-integration", "optunahub", "optuna-fast-fanova",
    "scikit-learn", "lightgbm", "xgboost-cpu", "torch", "lightning", "pandas", "plotly",
    "matplotlib", "scipy", "sqlalchemy", "alembic", "cmaes", "dask[distributed]", "tqdm", "numpy",
]


def ensure_venv(path: Path, install: bool) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        if not install:
            raise SystemExit(f"{python} does not exist: run without --no-install first")
        print(f"creating {path}", flush=True)
        venv.EnvBuilder(with_pip=True).create(path)
    if install:
        print(f"installing into {path}: {' '.join(PACKAGES)}", flush=True)
        packages = [cpu_torch_wheel() or p if p == "torch" else p for p in PACKAGES]
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def cpu_torch_wheel() -> str | None:
    """A CPU build of torch in pip's find-links folders ($PIP_FIND_LINKS), if one is there."""
    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        for wheel in sorted(Path(folder).glob("torch-*+cpu-*.whl")) if Path(folder).is_dir() else []:
            return str(wheel)
    return None


def describe(program: Path) -> tuple[str, str, float]:
    """(first docstring line, ``uses`` packages, timeout) of a client program."""
    module = ast.parse(program.read_text())
    doc = (ast.get_docstring(module) or "").strip().splitlines()
    uses, timeout = "optuna", 300.0
    for line in doc:
        if line.startswith("uses:"):
            uses = line.split(":", 1)[1].strip()
        if line.startswith("timeout:"):
            timeout = float(line.split(":", 1)[1])
    return (doc[0] if doc else program.stem), uses, timeout


def run_one(
    python: Path, program: Path, timeout: float, workdir: Path, target: str
) -> tuple[bool, float, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SKIPJACK_AS_OPTUNA")}
    if target == "skipjack":
        env["PYTHONPATH"] = str(REPO / "src")
        command = [str(python), "-m", "skipjack", "run", str(CLIENTS / "_as_user.py"),
                   str(program)]
    else:  # the real optuna of the venv: checks the programs themselves
        env["PYTHONPATH"] = str(CLIENTS)
        command = [str(python), str(program)]
    env["MPLBACKEND"] = "Agg"
    env["PYTHONWARNINGS"] = "ignore"
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, f"timed out after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    (workdir / "stdout.txt").write_text(proc.stdout)
    (workdir / "stderr.txt").write_text(proc.stderr)
    if proc.returncode == 0:
        return True, seconds, ""
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return False, seconds, (lines[-1] if lines else f"exit code {proc.returncode}")[:200]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--venv", default=DEFAULT_VENV, help="venv to install into and run in")
    parser.add_argument("--no-install", action="store_true", help="use the venv as it is")
    parser.add_argument("--only", default="", help="comma-separated program names")
    parser.add_argument("--json", default="", help="write the results here")
    parser.add_argument("--markdown", action="store_true", help="print the docs table too")
    parser.add_argument("--workdir", default="/tmp/skipjack-ecosystem-runs")
    parser.add_argument("--target", choices=("skipjack", "optuna"), default="skipjack",
                        help="optuna: run the programs on the venv's real optuna (checks them)")
    args = parser.parse_args()

    python = ensure_venv(Path(args.venv), not args.no_install)
    programs = sorted(p for p in CLIENTS.glob("*.py") if not p.name.startswith("_"))
    if args.only:
        wanted = set(args.only.split(","))
        programs = [p for p in programs if p.stem in wanted]
    results = []
    for program in programs:
        title, uses, timeout = describe(program)
        ok, seconds, error = run_one(python, program, timeout, Path(args.workdir) / program.stem,
                                     args.target)
        results.append({"program": program.stem, "what": title, "uses": uses, "ok": ok,
                        "seconds": round(seconds, 1), "error": error})
        print(f"{program.stem:<34} {uses:<34} {'ran' if ok else 'FAILED':<7} {seconds:6.1f} s"
              + (f"  {error}" if error else ""), flush=True)
    n_ok = sum(r["ok"] for r in results)
    print(f"{n_ok} of {len(results)} client programs ran")
    if args.json:
        Path(args.json).write_text(json.dumps({"ran": n_ok, "total": len(results),
                                               "results": results}, indent=1))
    if args.markdown:
        print("\n| program | what it does | uses | result |\n|---|---|---|---|")
        for r in results:
            result = "runs" if r["ok"] else f"fails: {r['error']}"
            what = r["what"].replace("``", "`")
            print(f"| `{r['program']}` | {what} | {r['uses']} | {result} |")


if __name__ == "__main__":
    sys.exit(main())

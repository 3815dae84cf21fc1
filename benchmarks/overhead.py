"""Framework overhead per trial: a trivial objective through ``study.optimize``.

Prints, per scenario, total seconds and ms/trial over the first and last 10% of trials for
skipjack, and side by side for Optuna 5 and Rustuna when they are importable by the Python given
with ``--anchor-python`` (default: this interpreter). Each run is a fresh subprocess; the median of
``--repeat`` runs is reported.

    python benchmarks/overhead.py                      # all Random scenarios
    python benchmarks/overhead.py --anchor-python .benchenv/bin/python --repeat 3
    python benchmarks/overhead.py --scenarios random-10f-10000 --frameworks skipjack
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

# name -> (sampler, space, n_trials)
SCENARIOS: dict[str, tuple[str, str, int]] = {
    "random-2f-1000": ("random", "2f", 1000),
    "random-2f-10000": ("random", "2f", 10000),
    "random-10f-1000": ("random", "10f", 1000),
    "random-10f-10000": ("random", "10f", 10000),
    "random-mixed-1000": ("random", "mixed", 1000),
    "random-mixed-10000": ("random", "mixed", 10000),
    "tpe-10f-1000": ("tpe", "10f", 1000),
    "tpe-10f-5000": ("tpe", "10f", 5000),
    "tpe-10f-10000": ("tpe", "10f", 10000),
    "tpe-indep-10f-1000": ("tpe-indep", "10f", 1000),
    "tpe-indep-10f-5000": ("tpe-indep", "10f", 5000),
    "tpe-mixed-1000": ("tpe", "mixed", 1000),
    "tpe-mixed-5000": ("tpe", "mixed", 5000),
}
DEFAULT = [k for k in SCENARIOS if k.startswith("random")]

# The child program: runs one scenario in one framework and prints JSON timings.
CHILD = r"""
import json, sys, time
framework, sampler_kind, space, n_trials = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t_import = time.perf_counter()
if framework == "skipjack":
    import skipjack as fw
elif framework == "optuna":
    import optuna as fw
else:
    import rustuna as fw
t_import = time.perf_counter() - t_import
if hasattr(fw, "logging") and hasattr(fw.logging, "set_verbosity"):
    fw.logging.set_verbosity(fw.logging.WARNING)
import warnings
warnings.simplefilter("ignore")
if sampler_kind == "random":
    sampler = fw.samplers.RandomSampler(seed=0)
elif sampler_kind == "tpe":
    sampler = fw.samplers.TPESampler(seed=0, multivariate=True)
else:
    sampler = fw.samplers.TPESampler(seed=0, multivariate=False)

if space == "2f":
    def objective(trial):
        return trial.suggest_float("x0", -5, 5) ** 2 + trial.suggest_float("x1", -5, 5) ** 2
elif space == "10f":
    def objective(trial):
        s = 0.0
        for i in range(10):
            s += trial.suggest_float("x%d" % i, -5, 5) ** 2
        return s
else:
    def objective(trial):
        s = 0.0
        for i in range(5):
            s += trial.suggest_float("f%d" % i, -5, 5) ** 2
        for i in range(3):
            s += trial.suggest_int("i%d" % i, -10, 10) ** 2
        s += {"a": 0.0, "b": 1.0, "c": 2.0}[trial.suggest_categorical("c0", ["a", "b", "c"])]
        s += 1.0 if trial.suggest_categorical("c1", [True, False]) else 0.0
        return s

starts = []
def timed(trial, _objective=objective, _now=time.perf_counter, _append=starts.append):
    _append(_now())
    return _objective(trial)
study = fw.create_study(sampler=sampler)
start = time.perf_counter()
study.optimize(timed, n_trials=n_trials)
end = time.perf_counter()
total = end - start
k = max(1, n_trials // 10)
first = (starts[k] - start) / k
last = (end - starts[-k]) / k
print(json.dumps({"total": total, "first_ms": first * 1e3, "last_ms": last * 1e3,
                  "import_s": t_import}))
"""


def run(python: str, framework: str, scenario: str, repeat: int) -> dict[str, float] | None:
    sampler, space, n = SCENARIOS[scenario]
    env = dict(os.environ)
    if framework == "skipjack":
        env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    results = []
    for _ in range(repeat):
        proc = subprocess.run(
            [python, "-c", CHILD, framework, sampler, space, str(n)],
            capture_output=True, text=True, env=env,
        )
        if proc.returncode != 0:
            return None
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def importable(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(DEFAULT),
                        help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--frameworks", default="skipjack,optuna,rustuna")
    parser.add_argument("--anchor-python", default=sys.executable,
                        help="python that has optuna/rustuna installed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    frameworks = args.frameworks.split(",")
    pythons = {"skipjack": sys.executable, "optuna": args.anchor_python,
               "rustuna": args.anchor_python}
    available = [f for f in frameworks if f == "skipjack" or importable(pythons[f], f)]
    header = f"{'scenario':<22}" + "".join(f"{f + ' total s':>16}{'first ms':>10}{'last ms':>10}"
                                          for f in available)
    print(header)
    print("-" * len(header))
    for scenario in args.scenarios.split(","):
        line = f"{scenario:<22}"
        for framework in available:
            r = run(pythons[framework], framework, scenario, args.repeat)
            if r is None:
                line += f"{'n/a':>16}{'':>10}{'':>10}"
            else:
                line += f"{r['total']:>16.3f}{r['first_ms']:>10.3f}{r['last_ms']:>10.3f}"
        print(line, flush=True)
    imports = {f: run(pythons[f], f, "random-2f-1000", 1) for f in available}
    print("import seconds: " + ", ".join(
        f"{f} {r['import_s'] * 1e3:.0f} ms" for f, r in imports.items() if r))


if __name__ == "__main__":
    main()

"""Sampler overhead of CMA-ES and NSGA-II: a trivial objective through ``study.optimize``.

Prints, per scenario, total seconds and ms/trial over the first and last 10% of trials for
skipjack, and side by side for Optuna 5 and Rustuna when the Python given with
``--anchor-python`` can import them. Each run is a fresh subprocess; the median of ``--repeat``
runs is reported. Flat per-trial cost shows as "last ms" close to "first ms".

    python benchmarks/cmaes_overhead.py                        # every scenario, skipjack only
    python benchmarks/cmaes_overhead.py --anchor-python .benchenv/bin/python --repeat 3
    python benchmarks/cmaes_overhead.py --scenarios cmaes-10f-1000 --frameworks skipjack,optuna
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

# name -> (sampler, number of floats, n_trials)
SCENARIOS: dict[str, tuple[str, int, int]] = {
    "cmaes-2f-1000": ("cmaes", 2, 1000),
    "cmaes-2f-10000": ("cmaes", 2, 10000),
    "cmaes-10f-1000": ("cmaes", 10, 1000),
    "cmaes-10f-5000": ("cmaes", 10, 5000),
    "cmaes-10f-10000": ("cmaes", 10, 10000),
    "nsga2-2obj-10f-1000": ("nsga2", 10, 1000),
    "nsga2-2obj-10f-5000": ("nsga2", 10, 5000),
    "nsga2-2obj-10f-10000": ("nsga2", 10, 10000),
}

CHILD = r"""
import json, sys, time, warnings
framework, kind, n_floats, n_trials = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if framework == "skipjack":
    import skipjack as fw
elif framework == "optuna":
    import optuna as fw
else:
    import rustuna as fw
if hasattr(fw, "logging") and hasattr(fw.logging, "set_verbosity"):
    fw.logging.set_verbosity(fw.logging.WARNING)
warnings.simplefilter("ignore")
names = ["x%d" % i for i in range(n_floats)]
if kind == "cmaes":
    sampler = fw.samplers.CmaEsSampler(seed=0)
    directions = ["minimize"]
    def objective(trial):
        s = 0.0
        for i, name in enumerate(names):
            s += (i + 1) * trial.suggest_float(name, -5, 5) ** 2
        return s
else:
    sampler = fw.samplers.NSGAIISampler(seed=0)
    directions = ["minimize", "minimize"]
    def objective(trial):
        a = b = 0.0
        for name in names:
            v = trial.suggest_float(name, -5, 5)
            a += v * v
            b += (v - 2) * (v - 2)
        return a, b
starts = []
def timed(trial, _objective=objective, _now=time.perf_counter, _append=starts.append):
    _append(_now())
    return _objective(trial)
study = fw.create_study(directions=directions, sampler=sampler)
start = time.perf_counter()
study.optimize(timed, n_trials=n_trials)
end = time.perf_counter()
k = max(1, n_trials // 10)
print(json.dumps({"total": end - start, "first_ms": (starts[k] - start) / k * 1e3,
                  "last_ms": (end - starts[-k]) / k * 1e3}))
"""


def run(python: str, framework: str, scenario: str, repeat: int) -> dict[str, float] | None:
    kind, n_floats, n_trials = SCENARIOS[scenario]
    env = dict(os.environ)
    if framework == "skipjack":
        env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    results = []
    for _ in range(repeat):
        proc = subprocess.run(
            [python, "-c", CHILD, framework, kind, str(n_floats), str(n_trials)],
            capture_output=True, text=True, env=env,
        )
        if proc.returncode != 0:
            sys.stderr.write(f"{framework} {scenario} failed:\n{proc.stderr[-2000:]}\n")
            return None
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def importable(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--frameworks", default="skipjack,optuna,rustuna")
    parser.add_argument("--anchor-python", default=sys.executable,
                        help="python that has optuna/rustuna installed")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    pythons = {"skipjack": sys.executable, "optuna": args.anchor_python,
               "rustuna": args.anchor_python}
    available = [f for f in args.frameworks.split(",")
                 if f == "skipjack" or importable(pythons[f], f)]
    header = f"{'scenario':<22}" + "".join(
        f"{f + ' total s':>17}{'first ms':>10}{'last ms':>10}" for f in available)
    print(header)
    print("-" * len(header))
    for scenario in args.scenarios.split(","):
        line = f"{scenario:<22}"
        for framework in available:
            r = run(pythons[framework], framework, scenario, args.repeat)
            if r is None:
                line += f"{'n/a':>17}{'':>10}{'':>10}"
            else:
                line += f"{r['total']:>17.3f}{r['first_ms']:>10.3f}{r['last_ms']:>10.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()

"""Multi-objective quality: hypervolume reached on ZDT1-4 and DTLZ1-2 at a fixed budget.

Runs NSGA-II, NSGA-III and multi-objective TPE of skipjack and, when the Python given with
``--anchor-python`` can import it, of Optuna, each for several seeds in a fresh subprocess, and
prints the median hypervolume (higher is better) of the non-dominated trials, with the ratio to the
hypervolume of the true Pareto front (computed from a dense sample of it).

    python benchmarks/mo.py                                  # 1000 trials, 3 seeds, skipjack only
    python benchmarks/mo.py --anchor-python .benchenv/bin/python
    python benchmarks/mo.py --n-trials 300 --seeds 1 --problems zdt1,dtlz2 --samplers nsga2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from skipjack._mo import compute_hypervolume  # noqa: E402

# problem -> (n_objectives, reference point)
PROBLEMS: dict[str, tuple[int, list[float]]] = {
    "zdt1": (2, [1.1, 4.0]),
    "zdt2": (2, [1.1, 4.0]),
    "zdt3": (2, [1.1, 4.0]),
    "zdt4": (2, [1.1, 150.0]),
    "dtlz1": (3, [50.0, 50.0, 50.0]),
    "dtlz2": (3, [1.5, 1.5, 1.5]),
}

# The problems, shared by the child program (any framework) and the true-front computation.
PROBLEM_CODE = r"""
import math
import numpy as np

def zdt(kind, trial):
    n = 10 if kind == 4 else 30
    low, high = (-5.0, 5.0) if kind == 4 else (0.0, 1.0)
    x0 = trial.suggest_float("x0", 0.0, 1.0)
    x = np.array([x0] + [trial.suggest_float("x%d" % i, low, high) for i in range(1, n)])
    if kind == 4:
        g = 1 + 10 * (n - 1) + float(np.sum(x[1:] ** 2 - 10 * np.cos(4 * np.pi * x[1:])))
    else:
        g = 1 + 9 * float(np.mean(x[1:]))
    r = x0 / g
    if kind == 2:
        h = 1 - r ** 2
    elif kind == 3:
        h = 1 - math.sqrt(r) - r * math.sin(10 * math.pi * x0)
    else:
        h = 1 - math.sqrt(r)
    return x0, g * h

def dtlz(kind, trial, m=3):
    n = m + (4 if kind == 1 else 9)
    x = np.array([trial.suggest_float("x%d" % i, 0.0, 1.0) for i in range(n)])
    xm = x[m - 1:]
    if kind == 1:
        g = 100 * (len(xm) + float(np.sum((xm - 0.5) ** 2 - np.cos(20 * np.pi * (xm - 0.5)))))
    else:
        g = float(np.sum((xm - 0.5) ** 2))
    values = []
    for i in range(m):
        if kind == 1:
            v = 0.5 * (1 + g)
            for j in range(m - 1 - i):
                v *= x[j]
            if i > 0:
                v *= 1 - x[m - 1 - i]
        else:
            v = 1 + g
            for j in range(m - 1 - i):
                v *= math.cos(x[j] * math.pi / 2)
            if i > 0:
                v *= math.sin(x[m - 1 - i] * math.pi / 2)
        values.append(v)
    return tuple(values)

OBJECTIVES = {
    "zdt1": lambda t: zdt(1, t), "zdt2": lambda t: zdt(2, t), "zdt3": lambda t: zdt(3, t),
    "zdt4": lambda t: zdt(4, t), "dtlz1": lambda t: dtlz(1, t), "dtlz2": lambda t: dtlz(2, t),
}
"""

CHILD = PROBLEM_CODE + r"""
import json, sys, warnings
framework, sampler_name, problem, seed, n_trials = sys.argv[1:6]
seed, n_trials = int(seed), int(n_trials)
fw = __import__(framework)
fw.logging.set_verbosity(fw.logging.WARNING)
warnings.simplefilter("ignore")
n_obj = 3 if problem.startswith("dtlz") else 2
if sampler_name == "nsga2":
    sampler = fw.samplers.NSGAIISampler(seed=seed)
elif sampler_name == "nsga3":
    sampler = fw.samplers.NSGAIIISampler(seed=seed)
else:
    sampler = fw.samplers.TPESampler(seed=seed)
study = fw.create_study(directions=["minimize"] * n_obj, sampler=sampler)
study.optimize(OBJECTIVES[problem], n_trials=n_trials)
print(json.dumps([list(t.values) for t in study.best_trials]))
"""


def true_front(problem: str, n: int = 200_000) -> np.ndarray:
    """A dense sample of the true Pareto front."""
    rng = np.random.default_rng(0)
    if problem in ("zdt1", "zdt4"):
        f1 = np.linspace(0, 1, 20_001)
        return np.column_stack([f1, 1 - np.sqrt(f1)])
    if problem == "zdt2":
        f1 = np.linspace(0, 1, 20_001)
        return np.column_stack([f1, 1 - f1**2])
    if problem == "zdt3":
        f1 = np.linspace(0, 0.852, 100_001)
        points = np.column_stack([f1, 1 - np.sqrt(f1) - f1 * np.sin(10 * np.pi * f1)])
        keep = np.ones(len(points), dtype=bool)  # the front is the non-dominated subset
        best = np.inf
        for i in range(len(points)):
            if points[i, 1] < best:
                best = points[i, 1]
            else:
                keep[i] = False
        return points[keep]
    m = 3
    w = rng.dirichlet(np.ones(m), size=n // 10)
    if problem == "dtlz1":
        return 0.5 * w
    return w / np.linalg.norm(w, axis=1, keepdims=True)


def run(python: str, framework: str, sampler: str, problem: str, seed: int,
        n_trials: int) -> float | None:
    env = dict(os.environ)
    if framework == "skipjack":
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [python, "-c", CHILD, framework, sampler, problem, str(seed), str(n_trials)],
        capture_output=True, text=True, env=env,
    )
    if proc.returncode != 0:
        sys.stderr.write(f"{framework} {sampler} {problem} failed:\n{proc.stderr[-1500:]}\n")
        return None
    front = np.array(json.loads(proc.stdout.strip().splitlines()[-1]), dtype=float)
    return compute_hypervolume(front, np.array(PROBLEMS[problem][1]))


def importable(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--samplers", default="nsga2,nsga3,tpe")
    parser.add_argument("--frameworks", default="skipjack,optuna")
    parser.add_argument("--anchor-python", default=sys.executable,
                        help="python that has optuna installed")
    parser.add_argument("--n-trials", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    pythons = {"skipjack": sys.executable, "optuna": args.anchor_python}
    frameworks = [f for f in args.frameworks.split(",")
                  if f == "skipjack" or importable(pythons[f], f)]
    print(f"median hypervolume over {args.seeds} seeds at {args.n_trials} trials "
          "(ratio to the true front's)")
    header = f"{'problem':<8}{'sampler':<8}" + "".join(f"{f:>24}" for f in frameworks)
    print(header)
    print("-" * len(header))
    for problem in args.problems.split(","):
        ref = np.array(PROBLEMS[problem][1])
        best = compute_hypervolume(true_front(problem), ref)
        for sampler in args.samplers.split(","):
            line = f"{problem:<8}{sampler:<8}"
            for framework in frameworks:
                values = [run(pythons[framework], framework, sampler, problem, seed,
                              args.n_trials) for seed in range(args.seeds)]
                ok = [v for v in values if v is not None]
                if not ok:
                    line += f"{'n/a':>24}"
                    continue
                med = statistics.median(ok)
                line += f"{med:>15.4f} ({med / best:.3f})"
            print(line, flush=True)


if __name__ == "__main__":
    main()

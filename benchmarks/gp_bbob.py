"""Quality and CPU-time benchmark on COCO/BBOB: skipjack's GPSampler against Optuna's GPSampler.

Same protocol as ``benchmarks/bbob.py`` (the TPE benchmark): each run minimises one BBOB problem
(function f, dimension d, instance i; domain [-5, 5]^d) for ``--trials`` trials; the score is
log10(best f - f_opt + 1e-8) at 25%, 50% and 100% of the budget (lower is better); seeds come
from a separate stream per function x dimension x instance and are shared by all samplers (paired
runs). Each run is timed in CPU seconds of its worker process (``time.process_time``, all threads
included), so BLAS/torch threads are counted; ``--threads`` (default 1) sets the BLAS, OpenMP
and torch threads of every run.

Samplers: ``skipjack-gp`` (GPSampler), ``skipjack-gp-capN`` (GPSampler(max_history=N)),
``optuna-gp`` (Optuna's GPSampler, needs optuna + torch), ``optuna-tpe`` (Optuna's default TPE),
``random`` (skipjack's RandomSampler).

Printed: median score per dimension (25/50/100%), CPU seconds per run per dimension, per
function x dimension cell (mean over instances and seeds at 100%) the wins/ties/losses of
skipjack-gp against each other sampler, the average rank of each sampler over the cells, and a
paired sign test over runs. Example (reduced size)::

    /work/benchenv/bin/python benchmarks/gp_bbob.py --functions 1-24 --dims 2,5,10 \\
        --instances 1 --seeds 3 --trials 100 --jobs 2

Raw results are cached in ``--cache`` (JSON lines); a rerun only computes missing runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

FRACTIONS = (0.25, 0.5, 1.0)
MAIN = "skipjack-gp"


def _int_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def _seed(f: int, d: int, inst: int, k: int) -> int:
    """A separate seed stream per function x dimension x instance (as in bbob.py)."""
    return f * 1_000_000 + d * 10_000 + inst * 1000 + k


def _make_sampler(name: str, seed: int):  # type: ignore[no-untyped-def]
    if name.startswith("skipjack-gp") or name == "random":
        import skipjack

        skipjack.logging.set_verbosity(skipjack.logging.WARNING)
        if name == "random":
            return skipjack, skipjack.samplers.RandomSampler(seed=seed)
        kwargs = {}
        if name.startswith("skipjack-gp-cap"):
            kwargs["max_history"] = int(name[len("skipjack-gp-cap"):])
        return skipjack, skipjack.samplers.GPSampler(seed=seed, **kwargs)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if name == "optuna-gp":
        return optuna, optuna.samplers.GPSampler(seed=seed)
    if name == "optuna-tpe":
        return optuna, optuna.samplers.TPESampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}")


def run_one(job: tuple[str, int, int, int, int, int]) -> dict:
    """Run one (sampler, f, d, instance, seed) and return its scores and CPU seconds."""
    name, f, d, inst, k, n_trials = job
    import cocoex

    problem = cocoex.BareProblem("bbob", f, d, inst)
    f_opt = problem.best_value()
    fw, sampler = _make_sampler(name, _seed(f, d, inst, k))
    values: list[float] = []

    def objective(trial):  # type: ignore[no-untyped-def]
        x = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(d)]
        v = float(problem(x))
        values.append(v)
        return v

    if name == "optuna-gp":
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = fw.create_study(sampler=sampler)
        study.optimize(objective, n_trials=n_trials)
    cpu = time.process_time() - start
    scores = []
    for frac in FRACTIONS:
        best = min(values[: max(1, int(round(frac * n_trials)))])
        scores.append(math.log10(max(best - f_opt, 0.0) + 1e-8))
    return {"sampler": name, "f": f, "d": d, "inst": inst, "seed": k, "trials": n_trials,
            "scores": scores, "cpu": cpu}


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _sign_test_p(wins: int, losses: int) -> float:
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    return min(1.0, 2.0 * sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n)


def _ranks(values: list[float]) -> list[float]:
    """Average ranks (1 = best = lowest), ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and abs(values[order[j + 1]] - values[order[i]]) < 1e-9:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", default="1-24")
    parser.add_argument("--dims", default="2,5,10")
    parser.add_argument("--instances", default="1-5")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per function x dim x instance")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--samplers", default="skipjack-gp,optuna-gp,optuna-tpe,random")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--cache", default="benchmarks/.gp_bbob_cache.jsonl")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP/torch threads per run (default 1: parallel runs do not "
                             "fight for cores, and CPU seconds are not inflated by spinning)")
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    functions, dims = _int_list(args.functions), _int_list(args.dims)
    instances = _int_list(args.instances)
    samplers = [s for s in args.samplers.split(",") if s]
    if not (_importable("optuna") and _importable("torch")):
        samplers = [s for s in samplers if not s.startswith("optuna-gp")]
    if not _importable("optuna"):
        samplers = [s for s in samplers if not s.startswith("optuna")]
    if not _importable("cocoex"):
        sys.exit("cocoex is not importable: pip install coco-experiment (benchmark env only)")

    def key(r: dict) -> tuple:
        return (r["sampler"], r["f"], r["d"], r["inst"], r["seed"], r["trials"])

    cache: dict[tuple, dict] = {}
    if os.path.exists(args.cache):
        with open(args.cache) as fh:
            for line in fh:
                r = json.loads(line)
                cache[key(r)] = r
    cells = [(f, d) for d in dims for f in functions]
    runs = [(f, d, i, k) for f, d in cells for i in instances for k in range(args.seeds)]
    jobs = [(s, f, d, i, k, args.trials) for s in samplers for f, d, i, k in runs
            if (s, f, d, i, k, args.trials) not in cache]
    print(f"{len(jobs)} runs to compute ({len(cache)} cached)", file=sys.stderr, flush=True)
    if jobs:
        with open(args.cache, "a") as fh:
            results_iter = (ProcessPoolExecutor(args.jobs).map(run_one, jobs, chunksize=1)
                            if args.jobs > 1 else map(run_one, jobs))
            for r in results_iter:
                cache[key(r)] = r
                fh.write(json.dumps(r) + "\n")
                fh.flush()

    score = {s: {run: cache[(s, *run, args.trials)]["scores"] for run in runs} for s in samplers}
    cpu = {s: {run: cache[(s, *run, args.trials)]["cpu"] for run in runs} for s in samplers}
    print(f"BBOB: functions {args.functions}, dims {args.dims}, instances {args.instances}, "
          f"{args.seeds} seeds, {args.trials} trials; score = log10(best - f_opt + 1e-8), lower "
          "is better; CPU = process CPU seconds per run (all threads)")
    print("\nMedian score per dimension at 25% / 50% / 100% of the budget")
    print(f"{'sampler':<20}" + "".join(f"{'d=' + str(d):>22}" for d in dims))
    for s in samplers:
        line = f"{s:<20}"
        for d in dims:
            meds = [statistics.median(sc[b] for run, sc in score[s].items() if run[1] == d)
                    for b in range(len(FRACTIONS))]
            line += f"{' / '.join(f'{m:.2f}' for m in meds):>22}"
        print(line)
    print("\nMedian CPU seconds per run (mean in brackets)")
    print(f"{'sampler':<20}" + "".join(f"{'d=' + str(d):>18}" for d in dims))
    for s in samplers:
        line = f"{s:<20}"
        for d in dims:
            vals = [c for run, c in cpu[s].items() if run[1] == d]
            line += f"{f'{statistics.median(vals):.2f} ({statistics.mean(vals):.2f})':>18}"
        print(line)

    cell_mean = {s: {c: statistics.mean(score[s][run][-1] for run in runs if run[:2] == c)
                     for c in cells} for s in samplers}
    rank_sum: dict[str, float] = defaultdict(float)
    for c in cells:
        for s, r in zip(samplers, _ranks([cell_mean[s][c] for s in samplers])):
            rank_sum[s] += r
    print(f"\nAverage rank over {len(cells)} function x dimension cells (1 = best)")
    for s in sorted(samplers, key=lambda s: rank_sum[s]):
        print(f"  {s:<20}{rank_sum[s] / len(cells):.2f}")

    if MAIN not in samplers:
        return
    print(f"\n{MAIN} against each other sampler at 100% of the budget")
    print(f"{'opponent':<20}{'cells W/T/L':>14}{'runs W/T/L':>16}{'sign test p':>14}")
    for other in samplers:
        if other == MAIN:
            continue
        cw = ct = cl = rw = rt = rl = 0
        for c in cells:
            a, b = cell_mean[MAIN][c], cell_mean[other][c]
            cw, ct, cl = (cw + 1, ct, cl) if a < b - 1e-9 else (
                (cw, ct, cl + 1) if a > b + 1e-9 else (cw, ct + 1, cl))
        for run in runs:
            x, y = score[MAIN][run][-1], score[other][run][-1]
            rw, rt, rl = (rw + 1, rt, rl) if x < y - 1e-12 else (
                (rw, rt, rl + 1) if x > y + 1e-12 else (rw, rt + 1, rl))
        p = _sign_test_p(rw, rl)
        print(f"{other:<20}{f'{cw}/{ct}/{cl}':>14}{f'{rw}/{rt}/{rl}':>16}{p:>14.3g}")


if __name__ == "__main__":
    main()

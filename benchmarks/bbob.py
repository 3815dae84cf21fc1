"""Quality benchmark on the COCO/BBOB functions: skipjack's TPESampler against the anchors.

Each run minimises one BBOB problem (function f, dimension d, instance i; domain [-5, 5]^d) with one
sampler for ``--trials`` trials. Score = log10(best f - f_opt + 1e-8) at 25%, 50% and 100% of the
budget (lower is better). Seeds come from a separate stream per function x dimension x instance,
and every sampler gets the same seeds (paired runs).

Printed: the median score per dimension and budget for each sampler; per function x dimension
cell (mean score over instances and seeds, at 100%) the wins/ties/losses of skipjack against each
other sampler; and a two-sided paired sign test over all runs at 100% of the budget.

Needs ``coco-experiment`` (``import cocoex``); Optuna and Rustuna are compared when importable.
Run it with the benchmark environment's Python (see benchmarks/requirements.txt), e.g.::

    /work/benchenv/bin/python benchmarks/bbob.py --functions 1-24 --dims 2,5,10 \\
        --instances 1 --seeds 5 --trials 100 --jobs 2

Raw results are cached in ``--cache`` (JSON lines), so a rerun only computes missing runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

FRACTIONS = (0.25, 0.5, 1.0)


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
    """A separate seed stream per function x dimension x instance."""
    return f * 1_000_000 + d * 10_000 + inst * 1000 + k  # k < 1000; fits 32 bits


def _make_sampler(name: str, seed: int, cap: int | None):  # type: ignore[no-untyped-def]
    if name == "skipjack":
        import skipjack

        skipjack.logging.set_verbosity(skipjack.logging.WARNING)
        sampler = skipjack.samplers.TPESampler(seed=seed)
        if cap is not None:
            sampler.max_above_kernels = cap
        return skipjack, sampler
    if name == "skipjack-random":
        import skipjack

        skipjack.logging.set_verbosity(skipjack.logging.WARNING)
        return skipjack, skipjack.samplers.RandomSampler(seed=seed)
    if name == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        return optuna, optuna.samplers.TPESampler(seed=seed)
    if name == "rustuna":
        import rustuna

        return rustuna, rustuna.samplers.TPESampler(seed=seed, multivariate=True)
    raise ValueError(f"unknown sampler {name!r}")


def run_one(job: tuple[str, int, int, int, int, int, int | None]) -> dict:
    """Run one (sampler, f, d, instance, seed) and return its scores."""
    name, f, d, inst, k, n_trials, cap = job
    if name == "skipjack-default":
        name = "skipjack"
    import cocoex

    problem = cocoex.BareProblem("bbob", f, d, inst)
    f_opt = problem.best_value()
    fw, sampler = _make_sampler(name, _seed(f, d, inst, k), cap)
    values: list[float] = []

    def objective(trial):  # type: ignore[no-untyped-def]
        x = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(d)]
        v = float(problem(x))
        values.append(v)
        return v

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = fw.create_study(sampler=sampler)
        study.optimize(objective, n_trials=n_trials)
    elapsed = time.perf_counter() - start
    scores = []
    for frac in FRACTIONS:
        best = min(values[: max(1, int(round(frac * n_trials)))])
        scores.append(math.log10(max(best - f_opt, 0.0) + 1e-8))
    return {"sampler": name, "f": f, "d": d, "inst": inst, "seed": k, "trials": n_trials,
            "cap": cap, "scores": scores, "seconds": elapsed}


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _sign_test_p(wins: int, losses: int) -> float:
    """Two-sided exact binomial sign test (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / (1 << n))  # exact big-int ratio: no overflow for large n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", default="1-24")
    parser.add_argument("--dims", default="2,5,10")
    parser.add_argument("--instances", default="1-5")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per function x dim x instance")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--samplers", default="skipjack,optuna,rustuna,skipjack-random",
                        help="skipjack, optuna, rustuna, skipjack-random (random search), "
                             "skipjack-default (skipjack's default cap, beside a --cap run)")
    parser.add_argument("--cap", type=int, default=None,
                        help="override skipjack's max_above_kernels (to measure the bounded-work "
                             "trade-off at small budgets)")
    parser.add_argument("--label", default=None, help="name of the skipjack column (with --cap)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--cache",
                        default=os.path.join(tempfile.gettempdir(), "skipjack_bbob_cache.jsonl"),
                        help="JSON-lines file of finished runs (reused across invocations)")
    args = parser.parse_args()

    functions = _int_list(args.functions)
    dims = _int_list(args.dims)
    instances = _int_list(args.instances)
    samplers = [s for s in args.samplers.split(",") if s]
    samplers = [s for s in samplers if s not in ("optuna", "rustuna") or _importable(s)]
    if not _importable("cocoex"):
        sys.exit("cocoex is not importable: pip install coco-experiment (benchmark env only)")

    def key(r: dict) -> tuple:
        return (r["sampler"], r["f"], r["d"], r["inst"], r["seed"], r["trials"], r.get("cap"))

    cache: dict[tuple, dict] = {}
    if os.path.exists(args.cache):
        with open(args.cache) as fh:
            for line in fh:
                r = json.loads(line)
                cache[key(r)] = r
    def cache_key(s: str, f: int, d: int, inst: int, k: int) -> tuple:
        if s == "skipjack-default":  # skipjack with its default cap, beside a --cap run
            return ("skipjack", f, d, inst, k, args.trials, None)
        return (s, f, d, inst, k, args.trials, args.cap if s == "skipjack" else None)

    jobs = []
    for s in samplers:
        for f in functions:
            for d in dims:
                for inst in instances:
                    for k in range(args.seeds):
                        ck = cache_key(s, f, d, inst, k)
                        if ck not in cache:
                            jobs.append((s,) + ck[1:])
    print(f"{len(jobs)} runs to compute ({len(cache)} cached)", file=sys.stderr, flush=True)
    if jobs:
        with open(args.cache, "a") as fh:
            if args.jobs > 1:
                with ProcessPoolExecutor(args.jobs) as pool:
                    for r in pool.map(run_one, jobs, chunksize=4):
                        cache[key(r)] = r
                        fh.write(json.dumps(r) + "\n")
                        fh.flush()
            else:
                for job in jobs:
                    r = run_one(job)
                    cache[key(r)] = r
                    fh.write(json.dumps(r) + "\n")
                    fh.flush()

    # results[sampler][(f, d, inst, seed)] = scores
    results: dict[str, dict[tuple, list[float]]] = defaultdict(dict)
    seconds: dict[str, list[float]] = defaultdict(list)
    label = {s: s for s in samplers}
    if args.cap is not None:
        label["skipjack"] = args.label or f"skipjack-cap{args.cap}"
    for s in samplers:
        for f in functions:
            for d in dims:
                for inst in instances:
                    for k in range(args.seeds):
                        r = cache[cache_key(s, f, d, inst, k)]
                        results[s][(f, d, inst, k)] = r["scores"]
                        seconds[s].append(r["seconds"])

    print(f"BBOB: functions {args.functions}, dims {args.dims}, instances {args.instances}, "
          f"{args.seeds} seeds, {args.trials} trials; score = log10(best - f_opt + 1e-8), "
          "lower is better")
    print("\nMedian score per dimension at 25% / 50% / 100% of the budget")
    header = f"{'sampler':<22}" + "".join(f"{'d=' + str(d):>22}" for d in dims) + f"{'s/run':>8}"
    print(header)
    for s in samplers:
        line = f"{label[s]:<22}"
        for d in dims:
            meds = []
            for b in range(len(FRACTIONS)):
                vals = [sc[b] for (f, dd, i, k), sc in results[s].items() if dd == d]
                meds.append(statistics.median(vals))
            line += f"{' / '.join(f'{m:.2f}' for m in meds):>22}"
        line += f"{statistics.mean(seconds[s]):>8.2f}"
        print(line)

    main_name = "skipjack"
    if main_name not in samplers:
        return
    print(f"\n{label[main_name]} against each other sampler at 100% of the budget")
    print(f"{'opponent':<22}{'cells W/T/L':>14}{'runs W/T/L':>16}{'sign test p':>14}")
    for other in samplers:
        if other == main_name:
            continue
        cw = ct = cl = 0
        rw = rt = rl = 0
        for f in functions:
            for d in dims:
                mine = [results[main_name][(f, d, i, k)][-1] for i in instances
                        for k in range(args.seeds)]
                theirs = [results[other][(f, d, i, k)][-1] for i in instances
                          for k in range(args.seeds)]
                a, b = statistics.mean(mine), statistics.mean(theirs)
                if abs(a - b) < 1e-9:
                    ct += 1
                elif a < b:
                    cw += 1
                else:
                    cl += 1
                for x, y in zip(mine, theirs):
                    if abs(x - y) < 1e-12:
                        rt += 1
                    elif x < y:
                        rw += 1
                    else:
                        rl += 1
        p = _sign_test_p(rw, rl)
        print(f"{label[other]:<22}{f'{cw}/{ct}/{cl}':>14}{f'{rw}/{rt}/{rl}':>16}{p:>14.3g}")


if __name__ == "__main__":
    main()

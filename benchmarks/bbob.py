"""Quality and CPU-time benchmark on the COCO/BBOB functions, for any set of samplers.

Each run minimises one BBOB problem (function f, dimension d, instance i; domain [-5, 5]^d) with one
sampler for ``--trials`` trials. Score = log10(best f - f_opt + 1e-8) at 25%, 50% and 100% of the
budget (lower is better). Seeds come from a separate stream per function x dimension x instance,
and every sampler gets the same seeds (paired runs). Each run is timed in CPU seconds of its
process (``time.process_time``, every thread included) with BLAS/OpenMP pinned to ``--threads``
threads by threadpoolctl (and torch's intra-op threads by ``torch.set_num_threads``), the same for
every library; modules a sampler imports lazily (torch, scipy) are imported before the clock starts.

Samplers (``--samplers``, comma-separated; see ``REGISTRY``):

    skipjack-auto, skipjack-gp, skipjack-gp-capN (GPSampler(max_history=N)), skipjack-tpe
    (multivariate), skipjack-cmaes, skipjack-random, skipjack-qmc (scrambled Sobol),
    optuna-gp, optuna-tpe (multivariate, Optuna's best TPE), optuna-cmaes, optuna-random,
    optuna-qmc (scrambled Sobol), rustuna-tpe (multivariate), rustuna-cmaes;
    legacy names of the TPE benchmark (docs/tpe.md): skipjack (TPESampler(), ``--cap``),
    skipjack-default (skipjack's default cap beside a ``--cap`` run), optuna (TPESampler()),
    rustuna (TPESampler(multivariate=True)).
    A suffix ``@label`` (e.g. ``skipjack-gp@v2``) runs the same sampler but caches and reports it
    under its own name: compare versions of the code side by side.

Printed: the median score per dimension at 25/50/100% of the budget; CPU milliseconds per trial
per dimension (mean over runs); the average rank of each sampler over all function x dimension
cells (each cell ranks the samplers' mean score over instances and seeds at 100% of the budget;
ties share their average rank); and ``--main`` against every other sampler (cells and runs
won/tied/lost, two-sided paired sign test over runs).

Needs ``coco-experiment`` (``import cocoex``); samplers whose library is not importable are
skipped. Run it with the benchmark environment's Python (see benchmarks/requirements.txt), e.g.::

    nice -n 19 .benchenv/bin/python benchmarks/bbob.py --functions 1-24 --dims 2,5,10 \\
        --instances 1 --seeds 3 --trials 100 --jobs 1

Raw results are cached in ``--cache`` (JSON lines), so a rerun only computes missing runs.
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
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

FRACTIONS = (0.25, 0.5, 1.0)
DEFAULT_CACHE = str(Path(__file__).resolve().parent / ".bbob_cache.jsonl")
ALL_SAMPLERS = (
    "skipjack-auto,skipjack-gp,skipjack-tpe,skipjack-cmaes,skipjack-random,skipjack-qmc,"
    "optuna-gp,optuna-tpe,optuna-cmaes,optuna-random,optuna-qmc,rustuna-tpe,rustuna-cmaes"
)


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


# --- the sampler registry ---------------------------------------------------------------------


def _skipjack() -> Any:
    import skipjack

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    return skipjack


def _optuna() -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _rustuna() -> Any:
    import rustuna

    return rustuna


# name -> (library module name, factory(framework, seed, cap) -> sampler, modules to pre-import)
Factory = Callable[[Any, int, "int | None"], Any]
REGISTRY: dict[str, tuple[str, Factory, tuple[str, ...]]] = {
    "skipjack-auto": ("skipjack", lambda fw, s, c: fw.samplers.AutoSampler(seed=s),
                      ("scipy.optimize", "scipy.stats", "skipjack.samplers._gp.sampler",
                       "skipjack.samplers._tpe.sampler", "skipjack.samplers._cmaes")),
    "skipjack-gp": ("skipjack", lambda fw, s, c: fw.samplers.GPSampler(seed=s),
                    ("scipy.optimize", "scipy.stats", "skipjack.samplers._gp.sampler")),
    "skipjack-tpe": ("skipjack",
                     lambda fw, s, c: fw.samplers.TPESampler(seed=s, multivariate=True),
                     ("skipjack.samplers._tpe.sampler",)),
    "skipjack-cmaes": ("skipjack", lambda fw, s, c: fw.samplers.CmaEsSampler(seed=s),
                       ("skipjack.samplers._cmaes",)),
    "skipjack-random": ("skipjack", lambda fw, s, c: fw.samplers.RandomSampler(seed=s), ()),
    "skipjack-qmc": ("skipjack",
                     lambda fw, s, c: fw.samplers.QMCSampler(seed=s, scramble=True),
                     ("scipy.stats",)),
    "optuna-gp": ("optuna", lambda fw, s, c: fw.samplers.GPSampler(seed=s),
                  ("torch", "scipy.optimize", "optuna._gp.gp", "optuna._gp.acqf",
                   "optuna._gp.optim_mixed", "optuna._gp.search_space")),
    "optuna-tpe": ("optuna", lambda fw, s, c: fw.samplers.TPESampler(seed=s, multivariate=True),
                   ()),
    "optuna-cmaes": ("optuna", lambda fw, s, c: fw.samplers.CmaEsSampler(seed=s), ("cmaes",)),
    "optuna-random": ("optuna", lambda fw, s, c: fw.samplers.RandomSampler(seed=s), ()),
    "optuna-qmc": ("optuna", lambda fw, s, c: fw.samplers.QMCSampler(seed=s, scramble=True),
                   ("scipy.stats",)),
    "rustuna-tpe": ("rustuna",
                    lambda fw, s, c: fw.samplers.TPESampler(seed=s, multivariate=True), ()),
    "rustuna-cmaes": ("rustuna", lambda fw, s, c: fw.samplers.CmaEsSampler(seed=s), ()),
    # legacy names of the TPE benchmark (docs/tpe.md)
    "skipjack": ("skipjack", lambda fw, s, c: _skipjack_tpe_capped(fw, s, c),
                 ("skipjack.samplers._tpe.sampler",)),
    "optuna": ("optuna", lambda fw, s, c: fw.samplers.TPESampler(seed=s), ()),
    "rustuna": ("rustuna", lambda fw, s, c: fw.samplers.TPESampler(seed=s, multivariate=True), ()),
}
_FRAMEWORKS = {"skipjack": _skipjack, "optuna": _optuna, "rustuna": _rustuna}


def _skipjack_tpe_capped(fw: Any, seed: int, cap: int | None) -> Any:
    sampler = fw.samplers.TPESampler(seed=seed)
    if cap is not None:
        sampler.max_above_kernels = cap
    return sampler


def _entry(name: str) -> tuple[str, Factory, tuple[str, ...]]:
    name = name.split("@")[0]  # "skipjack-gp@v2": the same sampler, cached under its own label
    if name.startswith("skipjack-gp-cap"):
        cap = int(name[len("skipjack-gp-cap"):])
        return ("skipjack", lambda fw, s, c: fw.samplers.GPSampler(seed=s, max_history=cap),
                REGISTRY["skipjack-gp"][2])
    if name not in REGISTRY:
        raise ValueError(f"unknown sampler {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _available(name: str) -> bool:
    lib, _, preload = _entry(name)
    return _importable(lib) and all(_importable(m.split(".")[0]) for m in preload)


# --- one run ----------------------------------------------------------------------------------


def run_one(job: tuple[str, int, int, int, int, int, int | None, int]) -> dict:
    """Run one (sampler, f, d, instance, seed) and return its scores and CPU seconds."""
    name, f, d, inst, k, n_trials, cap, threads = job
    import cocoex
    from threadpoolctl import threadpool_limits

    lib, factory, preload = _entry("skipjack" if name == "skipjack-default" else name)
    fw = _FRAMEWORKS[lib]()
    for module in preload:  # lazy imports must not be charged to the first run
        try:
            __import__(module)
        except ImportError:
            pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    problem = cocoex.BareProblem("bbob", f, d, inst)
    f_opt = problem.best_value()
    sampler = factory(fw, _seed(f, d, inst, k), cap)
    values: list[float] = []

    def objective(trial: Any) -> float:
        x = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(d)]
        v = float(problem(x))
        values.append(v)
        return v

    with threadpool_limits(limits=threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start, wall = time.process_time(), time.perf_counter()
        study = fw.create_study(sampler=sampler)
        study.optimize(objective, n_trials=n_trials)
        cpu, wall = time.process_time() - start, time.perf_counter() - wall
    scores = []
    for frac in FRACTIONS:
        best = min(values[: max(1, int(round(frac * n_trials)))])
        scores.append(math.log10(max(best - f_opt, 0.0) + 1e-8))
    return {"sampler": name, "f": f, "d": d, "inst": inst, "seed": k, "trials": n_trials,
            "cap": cap, "scores": scores, "cpu": cpu, "seconds": wall}


# --- statistics -------------------------------------------------------------------------------


def _sign_test_p(wins: int, losses: int) -> float:
    """Two-sided exact binomial sign test (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / (1 << n))  # exact big-int ratio: no overflow for large n


def average_ranks(values: Sequence[float], tol: float = 1e-9) -> list[float]:
    """Ranks (1 = best = lowest); values within ``tol`` of each other share their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] - values[order[i]] < tol:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def _wtl(a: float, b: float, tol: float) -> tuple[int, int, int]:
    if a < b - tol:
        return 1, 0, 0
    if a > b + tol:
        return 0, 0, 1
    return 0, 1, 0


# --- main -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, default_samplers: str = ALL_SAMPLERS,
         default_main: str | None = "skipjack-auto") -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", default="1-24")
    parser.add_argument("--dims", default="2,5,10")
    parser.add_argument("--instances", default="1-5")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per function x dim x instance")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--samplers", default=default_samplers,
                        help="comma-separated names (see the module docstring)")
    parser.add_argument("--main", default=default_main,
                        help="sampler compared head to head with every other one")
    parser.add_argument("--cap", type=int, default=None,
                        help="override skipjack's TPE max_above_kernels for the legacy 'skipjack' "
                             "sampler (to measure the bounded-work trade-off at small budgets)")
    parser.add_argument("--label", default=None, help="name of the 'skipjack' column (with --cap)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP/torch threads per run (default 1, for every library)")
    parser.add_argument("--cache", default=DEFAULT_CACHE,
                        help="JSON-lines file of finished runs (reused across invocations)")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before any BLAS is loaded, inherited by workers

    functions, dims = _int_list(args.functions), _int_list(args.dims)
    instances = _int_list(args.instances)
    requested = [s for s in args.samplers.split(",") if s]
    samplers = [s for s in requested if _available(s)]
    skipped = [s for s in requested if s not in samplers]
    if skipped:
        print(f"skipped (not importable): {', '.join(skipped)}", file=sys.stderr)
    if not _importable("cocoex"):
        sys.exit("cocoex is not importable: pip install coco-experiment (benchmark env only)")

    def key(r: dict) -> tuple:
        return (r["sampler"], r["f"], r["d"], r["inst"], r["seed"], r["trials"], r.get("cap"))

    def cache_key(s: str, run: tuple[int, int, int, int]) -> tuple:
        if s == "skipjack-default":  # skipjack's TPE with its default cap, beside a --cap run
            return ("skipjack", *run, args.trials, None)
        return (s, *run, args.trials, args.cap if s == "skipjack" else None)

    cache: dict[tuple, dict] = {}
    if os.path.exists(args.cache):
        with open(args.cache) as fh:
            for line in fh:
                r = json.loads(line)
                if "cpu" in r:
                    cache[key(r)] = r
    cells = [(f, d) for d in dims for f in functions]
    runs = [(f, d, i, k) for f, d in cells for i in instances for k in range(args.seeds)]
    jobs = []
    for run in runs:  # run-major: the samplers of one run are timed under the same machine load
        for s in samplers:
            ck = cache_key(s, run)
            if ck not in cache:
                jobs.append((ck[0], *run, args.trials, ck[-1], args.threads))
    jobs = list(dict.fromkeys(jobs))
    print(f"{len(jobs)} runs to compute ({len(cache)} cached)", file=sys.stderr, flush=True)
    if jobs:
        done = 0
        with open(args.cache, "a") as fh:
            pool = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
            results = pool.map(run_one, jobs, chunksize=1) if pool else map(run_one, jobs)
            for r in results:
                cache[key(r)] = r
                fh.write(json.dumps(r) + "\n")
                fh.flush()
                done += 1
                if done % 50 == 0:
                    print(f"  {done}/{len(jobs)} runs", file=sys.stderr, flush=True)
            if pool:
                pool.shutdown()

    label = {s: s for s in samplers}
    if args.cap is not None and "skipjack" in label:
        label["skipjack"] = args.label or f"skipjack-cap{args.cap}"
    score = {s: {run: cache[cache_key(s, run)]["scores"] for run in runs} for s in samplers}
    cpu = {s: {run: cache[cache_key(s, run)]["cpu"] for run in runs} for s in samplers}
    width = max(22, max(len(v) for v in label.values()) + 2)

    print(f"BBOB: functions {args.functions}, dims {args.dims}, instances {args.instances}, "
          f"{args.seeds} seeds, {args.trials} trials, {args.threads} thread(s) per run; "
          "score = log10(best - f_opt + 1e-8), lower is better")
    print("\nMedian score per dimension at 25% / 50% / 100% of the budget")
    print(f"{'sampler':<{width}}" + "".join(f"{'d=' + str(d):>22}" for d in dims))
    for s in samplers:
        line = f"{label[s]:<{width}}"
        for d in dims:
            meds = [statistics.median(sc[b] for run, sc in score[s].items() if run[1] == d)
                    for b in range(len(FRACTIONS))]
            line += f"{' / '.join(f'{m:.2f}' for m in meds):>22}"
        print(line)

    print("\nCPU milliseconds per trial (process CPU time, mean over runs)")
    print(f"{'sampler':<{width}}" + "".join(f"{'d=' + str(d):>10}" for d in dims))
    for s in samplers:
        line = f"{label[s]:<{width}}"
        for d in dims:
            vals = [c for run, c in cpu[s].items() if run[1] == d]
            line += f"{1000.0 * statistics.mean(vals) / args.trials:>10.2f}"
        print(line)

    cell_mean = {s: {c: statistics.mean(score[s][run][-1] for run in runs if run[:2] == c)
                     for c in cells} for s in samplers}
    rank_sum: dict[str, float] = defaultdict(float)
    rank_dim: dict[tuple[str, int], float] = defaultdict(float)
    for c in cells:
        for s, r in zip(samplers, average_ranks([cell_mean[s][c] for s in samplers])):
            rank_sum[s] += r
            rank_dim[(s, c[1])] += r
    print(f"\nAverage rank over {len(cells)} function x dimension cells at 100% of the budget "
          f"(1 = best, {len(samplers)} samplers; by dimension in brackets)")
    for s in sorted(samplers, key=lambda s: rank_sum[s]):
        by_dim = " / ".join(f"{rank_dim[(s, d)] / len(functions):.2f}" for d in dims)
        print(f"  {label[s]:<{width}}{rank_sum[s] / len(cells):>6.2f}   ({by_dim})")

    main_name = args.main if args.main in samplers else None
    if main_name is None:
        return
    print(f"\n{label[main_name]} against each other sampler at 100% of the budget")
    print(f"{'opponent':<{width}}{'cells W/T/L':>14}{'runs W/T/L':>16}{'sign test p':>14}")
    for other in samplers:
        if other == main_name:
            continue
        cw = ct = cl = rw = rt = rl = 0
        for c in cells:
            w, t, lo = _wtl(cell_mean[main_name][c], cell_mean[other][c], 1e-9)
            cw, ct, cl = cw + w, ct + t, cl + lo
        for run in runs:
            w, t, lo = _wtl(score[main_name][run][-1], score[other][run][-1], 1e-12)
            rw, rt, rl = rw + w, rt + t, rl + lo
        p = _sign_test_p(rw, rl)
        print(f"{label[other]:<{width}}{f'{cw}/{ct}/{cl}':>14}{f'{rw}/{rt}/{rl}':>16}{p:>14.3g}")


if __name__ == "__main__":
    main()

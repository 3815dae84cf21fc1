"""CPU time per trial of TPE over the last 10% of a study (the overhead.py TPE scenarios).

Wall-clock time on a shared machine is inflated by other jobs; process CPU time is steadier. One
framework, one scenario per run; prints one JSON line (cpu_ms, wall_ms per trial over the last
10% of trials). Run it with the interpreter that has the framework::

    OPENBLAS_NUM_THREADS=1 python benchmarks/tpe_cost.py skipjack tpe 10f 1000
    OPENBLAS_NUM_THREADS=1 .benchenv/bin/python benchmarks/tpe_cost.py rustuna indep 10f 5000

Arguments: framework (skipjack, optuna, rustuna), sampler (``tpe``: multivariate, ``indep``:
univariate), space (``10f``: 10 floats; ``mixed``: 5 floats, 3 ints, 2 categoricals), trials.
Add ``--profile`` to print a cProfile of the measured trials.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("framework", choices=["skipjack", "optuna", "rustuna"])
    parser.add_argument("sampler", choices=["tpe", "indep"])
    parser.add_argument("space", choices=["10f", "mixed"])
    parser.add_argument("trials", type=int)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.framework == "skipjack":
        import skipjack as fw
    elif args.framework == "optuna":
        import optuna as fw  # type: ignore[no-redef]
    else:
        import rustuna as fw  # type: ignore[no-redef]
    if hasattr(fw, "logging") and hasattr(fw.logging, "set_verbosity"):
        fw.logging.set_verbosity(fw.logging.WARNING)
    warnings.simplefilter("ignore")
    sampler = fw.samplers.TPESampler(seed=0, multivariate=args.sampler == "tpe")

    def objective(trial: Any) -> float:
        if args.space == "10f":
            return sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(10))
        s = sum(trial.suggest_float(f"f{i}", -5, 5) ** 2 for i in range(5))
        s += sum(trial.suggest_int(f"i{i}", -10, 10) ** 2 for i in range(3))
        s += {"a": 0.0, "b": 1.0, "c": 2.0}[trial.suggest_categorical("c0", ["a", "b", "c"])]
        return s + (1.0 if trial.suggest_categorical("c1", [True, False]) else 0.0)

    study = fw.create_study(sampler=sampler)
    k = max(1, args.trials // 10)
    study.optimize(objective, n_trials=args.trials - k)
    if args.profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    study.optimize(objective, n_trials=k)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    print(json.dumps({"cpu_ms": cpu / k * 1e3, "wall_ms": wall / k * 1e3}))


if __name__ == "__main__":
    main()

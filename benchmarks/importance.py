"""Parameter-importance benchmark: wall time of each evaluator, skipjack against Optuna.

Builds one random-sampled study per size (``--trials``) over a mixed space (``--dims`` floats,
one log int, one categorical; the objective depends on the first few parameters), copies its
trials into an Optuna study, and times ``get_param_importances`` per evaluator (median of
``--repeats``, seconds; fANOVA and MDI with ``seed=0`` and default ``n_trees=64, max_depth=64``).
It also prints whether both libraries put the same parameter first. Optuna's fANOVA runs only up
to ``--optuna-fanova-max`` trials (it takes minutes beyond). Run with the benchmark environment,
niced on the shared machine::

    nice -n 19 .venv/bin/python benchmarks/importance.py --trials 200,1000,5000
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings


def _objective(trial, dims: int) -> float:
    xs = [trial.suggest_float(f"x{i}", -1, 1) for i in range(dims)]
    n = trial.suggest_int("n", 1, 256, log=True)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return 5 * xs[0] ** 2 + xs[1] + 0.3 * math.log2(n) + {"a": 0.0, "b": 1.0, "c": 0.4}[c]


def _copy_to_optuna(study, optuna_mod):
    from skipjack.distributions import CategoricalDistribution, IntDistribution

    real = optuna_mod.create_study()
    for t in study.trials:
        dists = {}
        for name, d in t.distributions.items():
            if isinstance(d, CategoricalDistribution):
                dists[name] = optuna_mod.distributions.CategoricalDistribution(d.choices)
            elif isinstance(d, IntDistribution):
                dists[name] = optuna_mod.distributions.IntDistribution(d.low, d.high, log=d.log)
            else:
                dists[name] = optuna_mod.distributions.FloatDistribution(d.low, d.high, log=d.log)
        real.add_trial(optuna_mod.trial.create_trial(params=t.params, distributions=dists,
                                                     value=t.value))
    return real


def _time(fn, repeats: int) -> tuple[float, dict]:
    times, result = [], {}
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", default="200,1000,5000")
    parser.add_argument("--dims", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optuna-fanova-max", type=int, default=1000)
    args = parser.parse_args()

    import skipjack
    from skipjack import importance as sk

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    try:
        import optuna
        from optuna import importance as op

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.simplefilter("ignore")
    except ImportError:
        optuna = op = None
    import sklearn.ensemble  # noqa: F401  (import cost outside the clock, for both libraries)

    print("| trials | evaluator | skipjack s | Optuna s | same top parameter |")
    print("|---|---|---|---|---|")
    for n in [int(v) for v in args.trials.split(",")]:
        study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))
        study.optimize(lambda t: _objective(t, args.dims), n_trials=n)
        real = _copy_to_optuna(study, optuna) if optuna else None
        for name in ("PedAnovaImportanceEvaluator", "FanovaImportanceEvaluator",
                     "MeanDecreaseImpurityImportanceEvaluator"):
            kwargs = {} if name.startswith("PedAnova") else {"seed": 0}
            ours_s, ours = _time(lambda: sk.get_param_importances(
                study, evaluator=getattr(sk, name)(**kwargs)), args.repeats)
            theirs_s, same = float("nan"), "-"
            skip = name.startswith("Fanova") and n > args.optuna_fanova_max
            if real is not None and not skip:
                reps = 1 if name.startswith("Fanova") else args.repeats
                theirs_s, theirs = _time(lambda: op.get_param_importances(
                    real, evaluator=getattr(op, name)(**kwargs)), reps)
                same = "yes" if next(iter(ours)) == next(iter(theirs)) else (
                    f"no ({next(iter(ours))} vs {next(iter(theirs))})")
            label = name.replace("ImportanceEvaluator", "")
            print(f"| {n} | {label} | {ours_s:.3f} | {theirs_s:.3f} | {same} |", flush=True)


if __name__ == "__main__":
    main()

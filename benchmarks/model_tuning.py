"""Quality on real model tuning: best cross-validated error found within a trial budget.

Tasks (scikit-learn, small datasets that ship with it, so every run is seconds):

- ``svc-cancer``: SVC on breast_cancer (standardized), kernel in {rbf, sigmoid}, C and gamma on
  log scales; 3-fold CV error.
- ``svc-digits``: SVC on the first 600 digits, same space.
- ``knn-wine``: k-nearest neighbours on wine (standardized): n_neighbors 1..40, weights in
  {uniform, distance}, p in {1, 2}, leaf_size 10..60; 3-fold CV error.
- ``gbm-cancer``: HistGradientBoosting on breast_cancer: learning_rate (log), max_leaf_nodes
  4..64, min_samples_leaf 2..50, l2_regularization (log); 3-fold CV error.

Every sampler of ``benchmarks/bbob.py``'s registry can run (``--samplers``); each (task, sampler,
seed) is one study of ``--trials`` trials, and all samplers get the same seeds. Printed: per task
the median over seeds of the best error, and each sampler's average rank over tasks (ranks of the
per-task mean best error; ties share their rank). Results are cached in ``--cache`` (JSON lines).

    .benchenv/bin/python benchmarks/model_tuning.py --trials 50 --seeds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bbob import _FRAMEWORKS, _available, _entry, average_ranks  # noqa: E402

DEFAULT_CACHE = str(Path(__file__).resolve().parent / ".model_tuning_cache.jsonl")
DEFAULT_SAMPLERS = ("skipjack-auto,skipjack-tpe,skipjack-gp,skipjack-random,"
                    "optuna-tpe,optuna-gp,optuna-random")


def _data(name: str) -> tuple[Any, Any]:
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    if name == "cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
        x, y = x[:600], y[:600]
    else:
        x, y = datasets.load_wine(return_X_y=True)
    return StandardScaler().fit_transform(x), y


def _objective(task: str) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    x, y = _data(task.split("-")[1])

    def svc(trial: Any) -> Any:
        return SVC(kernel=trial.suggest_categorical("kernel", ["rbf", "sigmoid"]),
                   C=trial.suggest_float("C", 1e-3, 1e3, log=True),
                   gamma=trial.suggest_float("gamma", 1e-5, 1.0, log=True))

    def knn(trial: Any) -> Any:
        return KNeighborsClassifier(
            n_neighbors=trial.suggest_int("n_neighbors", 1, 40),
            weights=trial.suggest_categorical("weights", ["uniform", "distance"]),
            p=trial.suggest_int("p", 1, 2), leaf_size=trial.suggest_int("leaf_size", 10, 60))

    def gbm(trial: Any) -> Any:
        return HistGradientBoostingClassifier(
            learning_rate=trial.suggest_float("learning_rate", 1e-3, 1.0, log=True),
            max_leaf_nodes=trial.suggest_int("max_leaf_nodes", 4, 64),
            min_samples_leaf=trial.suggest_int("min_samples_leaf", 2, 50),
            l2_regularization=trial.suggest_float("l2_regularization", 1e-6, 10.0, log=True),
            max_iter=50, random_state=0)

    build = {"svc": svc, "knn": knn, "gbm": gbm}[task.split("-")[0]]

    def objective(trial: Any) -> float:
        model = build(trial)
        return 1.0 - float(cross_val_score(model, x, y, cv=3).mean())

    return objective


TASKS = ("svc-cancer", "svc-digits", "knn-wine", "gbm-cancer")


def run_one(task: str, sampler_name: str, seed: int, n_trials: int) -> dict[str, Any]:
    lib, factory, _ = _entry(sampler_name)
    fw = _FRAMEWORKS[lib]()
    objective = _objective(task)
    study = fw.create_study(sampler=factory(fw, seed, None))
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n_trials)
    values = [t.value for t in study.trials if t.value is not None]
    return {"task": task, "sampler": sampler_name, "seed": seed, "trials": n_trials,
            "best": min(values), "cpu_s": time.process_time() - start}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--samplers", default=DEFAULT_SAMPLERS)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cache", default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    tasks = [t for t in args.tasks.split(",") if t]
    samplers = [s for s in args.samplers.split(",") if s and _available(s)]
    done: dict[tuple[str, str, int, int], dict[str, Any]] = {}
    if os.path.exists(args.cache):
        with open(args.cache) as f:
            for line in f:
                r = json.loads(line)
                done[(r["task"], r["sampler"], r["seed"], r["trials"])] = r
    for task in tasks:
        for seed in range(args.seeds):
            for name in samplers:
                key = (task, name, seed, args.trials)
                if key in done:
                    continue
                result = run_one(task, name, 1000 + seed, args.trials)
                done[key] = result
                with open(args.cache, "a") as f:
                    f.write(json.dumps(result) + "\n")
                print(f"# {task} {name} seed {seed}: best {result['best']:.4f}", flush=True)
    best: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (task, name, _, trials), r in done.items():
        if trials == args.trials and task in tasks and name in samplers:
            best[(task, name)].append(r["best"])
    print(f"\n## Best CV error after {args.trials} trials, median over {args.seeds} seeds\n")
    print("| task | " + " | ".join(samplers) + " |")
    print("|---" * (len(samplers) + 1) + "|")
    ranks: dict[str, list[float]] = defaultdict(list)
    for task in tasks:
        medians = [statistics.median(best[(task, s)]) for s in samplers]
        print(f"| {task} | " + " | ".join(f"{m:.4f}" for m in medians) + " |")
        means = [statistics.fmean(best[(task, s)]) for s in samplers]
        for s, r in zip(samplers, average_ranks(means)):
            ranks[s].append(r)
    print("| average rank (of per-task mean) | "
          + " | ".join(f"{statistics.fmean(ranks[s]):.2f}" for s in samplers) + " |")


if __name__ == "__main__":
    main()

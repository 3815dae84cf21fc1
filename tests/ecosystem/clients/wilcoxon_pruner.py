"""Simulated annealing on random TSP instances, pruned by ``WilcoxonPruner`` per instance.

uses: optuna, numpy
"""

import math

import numpy as np
import optuna

rng = np.random.default_rng(0)
instances = [rng.random((12, 2)) for _ in range(8)]


def tour_length(points, order):
    return float(sum(np.linalg.norm(points[order[i]] - points[order[i - 1]])
                     for i in range(len(order))))


def anneal(points, t0, cooling, steps, seed):
    r = np.random.default_rng(seed)
    order = list(range(len(points)))
    length = tour_length(points, order)
    t = t0
    for _ in range(steps):
        i, j = sorted(r.choice(len(points), 2, replace=False))
        new = order[:i] + order[i:j + 1][::-1] + order[j + 1:]
        new_length = tour_length(points, new)
        if new_length < length or r.random() < math.exp(-(new_length - length) / max(t, 1e-9)):
            order, length = new, new_length
        t *= cooling
    return length


def objective(trial):
    t0 = trial.suggest_float("T0", 0.01, 1.0, log=True)
    cooling = trial.suggest_float("cooling", 0.9, 0.999)
    results = []
    for i in rng.permutation(len(instances)):
        length = anneal(instances[i], t0, cooling, 150, int(i))
        results.append(length)
        trial.report(length, int(i))
        if trial.should_prune():
            return sum(results) / len(results)  # Wilcoxon's documented pattern: return, not raise
    return sum(results) / len(results)


if __name__ == "__main__":
    pruner = optuna.pruners.WilcoxonPruner(p_threshold=0.1)
    study = optuna.create_study(pruner=pruner, sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=20)
    print(f"best {study.best_value:.3f} with {study.best_params}")
    assert len(study.trials) == 20

"""Pruning on a real multi-fidelity task: steps computed and best score, skipjack vs Optuna.

The task: tune an ``SGDClassifier`` trained with ``partial_fit`` one epoch per step on
scikit-learn's ``digits`` (validation accuracy, maximized). Each seed draws ``--n-trials``
configurations (alpha, eta0, learning-rate schedule, loss, penalty) with numpy; trial ``i`` uses
configuration ``i`` so every pruner sees the same candidates in the same order. Each
configuration is trained for real once per seed, epoch by epoch, and its learning curve recorded;
the studies then replay the recorded curves (Syne Tune's simulator idea), so "steps computed" is
exactly the number of epochs the objective would have trained, the runs are deterministic, and
skipjack and Optuna see identical histories for as long as their decisions agree.

Reported per pruner (mean over seeds): total epochs computed, the saving against no pruning, the
best validation accuracy of a COMPLETE trial, the loop's wall time, and, when Optuna is importable
(in this interpreter or the one given by ``--anchor-python``), Optuna's numbers for the same pruner
and whether every trial ended in the same state at the same step in both frameworks.

    .venv/bin/python benchmarks/pruning.py
    .venv/bin/python benchmarks/pruning.py --anchor-python .benchenv/bin/python
    .venv/bin/python benchmarks/pruning.py --seeds 0 --n-trials 30 --epochs 10   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# name -> (constructor source evaluated with ``P`` = the framework's pruners module, in_optuna)
PRUNERS: dict[str, tuple[str, bool]] = {
    "none (NopPruner)": ("P.NopPruner()", True),
    "MedianPruner()": ("P.MedianPruner()", True),
    "MedianPruner(warmup=5)": ("P.MedianPruner(n_startup_trials=5, n_warmup_steps=5)", True),
    "PercentilePruner(25)": ("P.PercentilePruner(25.0)", True),
    "SuccessiveHalvingPruner()": ("P.SuccessiveHalvingPruner()", True),
    "SuccessiveHalving(min_res=1,rf=3)": (
        "P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)", True),
    "HyperbandPruner()": ("P.HyperbandPruner()", True),
    "ThresholdPruner(lower=0.8,warmup=3)": ("P.ThresholdPruner(lower=0.8, n_warmup_steps=3)", True),
    "PatientPruner(Median,3)": ("P.PatientPruner(P.MedianPruner(), patience=3)", True),
    "WilcoxonPruner()": ("P.WilcoxonPruner()", True),
    "ParetoPruner(0.5)": ("P.ParetoPruner(0.5)", False),
}


def make_curves(seed: int, n_trials: int, epochs: int) -> dict[str, Any]:
    """Train every configuration of ``seed`` for real and record its validation accuracy."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y = load_digits(return_X_y=True)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(x_tr)
    x_tr, x_va = scaler.transform(x_tr), scaler.transform(x_va)
    classes = np.unique(y)
    rng = np.random.default_rng(seed)
    configs, curves = [], []
    for i in range(n_trials):
        config = {
            "alpha": float(10 ** rng.uniform(-6, -0.5)),
            "eta0": float(10 ** rng.uniform(-4, 0)),
            "learning_rate": str(rng.choice(["constant", "invscaling", "adaptive", "optimal"])),
            "loss": str(rng.choice(["hinge", "log_loss", "modified_huber", "perceptron"])),
            "penalty": str(rng.choice(["l2", "l1", "elasticnet"])),
        }
        model = SGDClassifier(random_state=seed * 1000 + i, **config)
        curve = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                model.partial_fit(x_tr, y_tr, classes=classes)
                curve.append(float(model.score(x_va, y_va)))
        configs.append(config)
        curves.append(curve)
    return {"seed": seed, "configs": configs, "curves": curves}


def run_framework(framework: str, data: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """Run every pruner on every seed's recorded curves; return per-run summaries."""
    warnings.simplefilter("ignore")
    if framework == "skipjack":
        sys.path.insert(0, str(ROOT / "src"))
        import skipjack as fw
    else:
        import optuna as fw
    fw.logging.set_verbosity(fw.logging.WARNING)
    P = fw.pruners  # noqa: N806 - used by the constructor sources
    out: dict[str, Any] = {}
    for name in names:
        source, in_optuna = PRUNERS[name]
        if framework != "skipjack" and not in_optuna:
            continue
        runs = []
        for entry in data:
            curves = entry["curves"]

            def objective(trial: Any, _curves: list[list[float]] = curves) -> float:
                curve = _curves[trial.number]
                for step, accuracy in enumerate(curve):
                    trial.report(accuracy, step)
                    if trial.should_prune():
                        raise fw.TrialPruned()
                return curve[-1]

            study = fw.create_study(
                direction="maximize", study_name=f"pruning-bench-{entry['seed']}",
                sampler=fw.samplers.RandomSampler(seed=entry["seed"]),
                pruner=eval(source, {"P": P}),  # noqa: S307 - our own table above
            )
            start = time.perf_counter()
            study.optimize(objective, n_trials=len(curves))
            seconds = time.perf_counter() - start
            trials = study.get_trials(deepcopy=False)
            complete = [t.value for t in trials if t.state.name == "COMPLETE"]
            runs.append({
                "seed": entry["seed"],
                "steps": sum(len(t.intermediate_values) for t in trials),
                "best": max(complete) if complete else None,
                "n_pruned": sum(t.state.name == "PRUNED" for t in trials),
                "seconds": seconds,
                "ends": [[t.state.name, t.last_step] for t in trials],
            })
        out[name] = runs
    return out


def run_overhead(framework: str, n_trials: int, n_steps: int = 20) -> dict[str, float]:
    """Seconds for ``n_trials`` synthetic trials reporting ``n_steps`` steps under MedianPruner."""
    warnings.simplefilter("ignore")
    if framework == "skipjack":
        sys.path.insert(0, str(ROOT / "src"))
        import skipjack as fw
    else:
        import optuna as fw
    fw.logging.set_verbosity(fw.logging.WARNING)

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        value = 0.0
        for step in range(n_steps):
            value = x + 1.0 / (step + 1)
            trial.report(value, step)
            if trial.should_prune():
                raise fw.TrialPruned()
        return value

    study = fw.create_study(sampler=fw.samplers.RandomSampler(seed=0),
                            pruner=fw.pruners.MedianPruner())
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    seconds = time.perf_counter() - start
    steps = sum(len(t.intermediate_values) for t in study.get_trials(deepcopy=False))
    return {"seconds": seconds, "steps": steps}


def _optuna_results(args: argparse.Namespace, curves_path: str, names: list[str]) -> dict | None:
    try:
        import optuna  # noqa: F401

        data = json.loads(Path(curves_path).read_text())
        return run_framework("optuna", data, names)
    except ImportError:
        pass
    if not args.anchor_python:
        return None
    proc = subprocess.run(
        [args.anchor_python, __file__, "--worker", "optuna", "--curves", curves_path,
         "--pruners", *names],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        print(f"(Optuna run failed: {proc.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-trials", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--anchor-python", default=None,
                        help="an interpreter with optuna installed (e.g. .benchenv/bin/python)")
    parser.add_argument("--pruners", nargs="+", default=list(PRUNERS))
    parser.add_argument("--overhead", type=int, default=0, metavar="N",
                        help="also time N synthetic trials x 20 steps under MedianPruner")
    parser.add_argument("--curves", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "overhead":  # child mode: the overhead run with optuna
        print(json.dumps(run_overhead("optuna", args.overhead)))
        return
    if args.worker:  # child mode: run one framework on recorded curves, print JSON
        data = json.loads(Path(args.curves).read_text())
        print(json.dumps(run_framework(args.worker, data, args.pruners)))
        return

    t0 = time.perf_counter()
    data = [make_curves(seed, args.n_trials, args.epochs) for seed in args.seeds]
    train_s = time.perf_counter() - t0
    fd, curves_path = tempfile.mkstemp(suffix=".json", prefix="pruning-curves-")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    try:
        ours = run_framework("skipjack", data, args.pruners)
        theirs = _optuna_results(args, curves_path, args.pruners)
    finally:
        os.unlink(curves_path)

    full = args.n_trials * args.epochs
    print(f"SGDClassifier on digits, {args.n_trials} trials x {args.epochs} epochs, "
          f"seeds {args.seeds} (curves trained in {train_s:.1f}s); means over seeds; "
          f"best = best validation accuracy of a COMPLETE trial")
    header = (f"{'pruner':<36} {'steps':>7} {'saved':>6} {'best':>7} {'pruned':>6} {'sec':>6}")
    if theirs is not None:
        header += f" | {'optuna steps':>12} {'best':>7} {'sec':>6} {'same decisions':>14}"
    print(header)
    print("-" * len(header))
    for name, runs in ours.items():
        steps = _mean([r["steps"] for r in runs])
        bests = [r["best"] for r in runs if r["best"] is not None]
        line = (f"{name:<36} {steps:>7.0f} {1 - steps / full:>6.0%} "
                f"{_mean(bests) if bests else float('nan'):>7.4f} "
                f"{_mean([r['n_pruned'] for r in runs]):>6.1f} "
                f"{_mean([r['seconds'] for r in runs]):>6.2f}")
        if theirs is not None:
            other = theirs.get(name)
            if other is None:
                line += f" | {'(no Optuna counterpart)':>44}"
            else:
                o_steps = _mean([r["steps"] for r in other])
                o_bests = [r["best"] for r in other if r["best"] is not None]
                same = sum(a["ends"] == b["ends"] for a, b in zip(runs, other))
                line += (f" | {o_steps:>12.0f} {_mean(o_bests) if o_bests else float('nan'):>7.4f}"
                         f" {_mean([r['seconds'] for r in other]):>6.2f}"
                         f" {f'{same}/{len(runs)} seeds':>14}")
        print(line)
    if theirs is None:
        print("(Optuna not importable: pass --anchor-python /path/to/python-with-optuna)")
    if args.overhead:
        mine = run_overhead("skipjack", args.overhead)
        line = (f"overhead, {args.overhead} trials x 20 steps, MedianPruner, in-memory: "
                f"skipjack {mine['seconds']:.2f}s ({mine['steps']} reports, decision log on)")
        if args.anchor_python:
            proc = subprocess.run([args.anchor_python, __file__, "--worker", "overhead",
                                   "--overhead", str(args.overhead)],
                                  capture_output=True, text=True)
            if proc.returncode == 0:
                other = json.loads(proc.stdout.strip().splitlines()[-1])
                line += f"; Optuna {other['seconds']:.2f}s ({other['steps']} reports)"
        print(line)


if __name__ == "__main__":
    main()

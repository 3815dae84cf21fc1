"""Per-trial cost of skipjack's operations features on the Random in-memory scenario.

Scenario (as benchmarks/overhead.py's random-10f): RandomSampler, in-memory storage, an objective
suggesting 10 floats, logging at WARNING. Modes:

- ``baseline``: nothing on.
- ``metrics``: ``enable_metrics()`` (ask/objective/tell histograms; in-memory calls not timed).
- ``metrics+storage``: ``enable_metrics(time_storage=True)``: every storage call timed too.
- ``tracing``: ``enable_tracing()`` (full detail) with the OpenTelemetry SDK, AlwaysOn sampling
  and a BatchSpanProcessor feeding an exporter that drops the spans (the cost of recording them).
- ``tracing-trial``: ``enable_tracing(detail="trial")``: one span per trial.
- ``tracing-10%``: full detail with ``ParentBased(TraceIdRatioBased(0.1))`` sampling.
- ``isolation``: ``optimize(trial_timeout=60)``: the objective in a child process.
- ``otel-by-hand``: no skipjack tracing; the objective itself opens one SDK span per trial, makes
  it current and sets the same attributes as ``tracing-trial`` (the floor any tracing of one span
  per trial pays with this SDK).

Each round runs every mode once, each in a fresh subprocess (a tracing run's span-export thread
must not bill the next mode), ``--trials`` trials after a warm-up; the median round is reported, as CPU
time of this process (``time.process_time``: robust on a shared machine) and wall time. The
isolation mode's cost is mostly waiting for the child process: read its wall column.

    python benchmarks/ops_overhead.py                 # 10000 trials per round, 5 rounds
    python benchmarks/ops_overhead.py --trials 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import skipjack  # noqa: E402
from ops_overhead_objective import objective  # noqa: E402
from skipjack import observability  # noqa: E402

MODES = ["baseline", "metrics", "metrics+storage", "tracing", "tracing-trial", "tracing-10%",
         "isolation", "otel-by-hand"]


def _providers() -> dict[str, object]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    class Drop(SpanExporter):
        def export(self, spans):  # type: ignore[no-untyped-def]
            return SpanExportResult.SUCCESS

    always = TracerProvider()
    always.add_span_processor(BatchSpanProcessor(Drop()))
    ratio = TracerProvider(sampler=ParentBased(TraceIdRatioBased(0.1)))
    ratio.add_span_processor(BatchSpanProcessor(Drop()))
    return {"always": always, "ratio": ratio}


def _configure(mode: str, providers: dict[str, object]) -> dict[str, float]:
    observability.disable_metrics()
    observability.disable_tracing()
    if mode == "metrics":
        observability.enable_metrics()
    elif mode == "metrics+storage":
        observability.enable_metrics(time_storage=True)
    elif mode == "tracing":
        observability.enable_tracing(providers["always"])
    elif mode == "tracing-trial":
        observability.enable_tracing(providers["always"], detail="trial")
    elif mode == "tracing-10%":
        observability.enable_tracing(providers["ratio"])
    return {"trial_timeout": 60.0} if mode == "isolation" else {}


def _by_hand(provider: object) -> object:
    from opentelemetry import context, trace

    tracer = trace.get_tracer("by-hand", tracer_provider=provider)  # type: ignore[arg-type]

    def traced(trial):  # type: ignore[no-untyped-def]
        span = tracer.start_span("trial", attributes={"skipjack.study": "s"})
        token = context.attach(trace.set_span_in_context(span))
        try:
            value = objective(trial)
        finally:
            context.detach(token)
        attributes = {f"skipjack.param.{k}": v for k, v in trial.params.items()}
        attributes.update({"skipjack.trial.number": trial.number,
                           "skipjack.trial.state": "COMPLETE", "skipjack.trial.values": [value]})
        span.set_attributes(attributes)
        span.end()
        return value

    return traced


def _round(mode: str, n_trials: int, providers: dict[str, object]) -> tuple[float, float]:
    kwargs = _configure(mode, providers)
    func = _by_hand(providers["always"]) if mode == "otel-by-hand" else objective
    study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))
    study.optimize(func, n_trials=20)  # warm-up
    cpu, wall = time.process_time(), time.perf_counter()
    study.optimize(func, n_trials=n_trials, **kwargs)
    return ((time.process_time() - cpu) / n_trials * 1e6,
            (time.perf_counter() - wall) / n_trials * 1e6)


def _child(mode: str, n_trials: int) -> None:
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    cpu, wall = _round(mode, n_trials, _providers())
    print(json.dumps([cpu, wall]))


def _run(mode: str, n_trials: int) -> tuple[float, float]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(n_trials)],
                         capture_output=True, text=True, check=True)
    cpu, wall = json.loads(out.stdout.strip().splitlines()[-1])
    return cpu, wall


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10000)
    parser.add_argument("--isolation-trials", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--modes", nargs="*", default=MODES, choices=MODES)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in args.modes}
    for _ in range(args.repeat):
        for mode in args.modes:
            n = args.isolation_trials if mode == "isolation" else args.trials
            results[mode].append(_run(mode, n))
    med = {m: (statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals))
           for m, vals in results.items()}
    print(f"Random sampler, in-memory, 10 floats; {args.trials} trials per round "
          f"({args.isolation_trials} for isolation), median of {args.repeat} rounds")
    print(f"{'mode':<18}{'cpu us':>9}{'added':>9}{'added %':>9}{'wall us':>10}{'added':>10}")
    base = med.get("baseline")
    for mode, (cpu, wall) in med.items():
        if base is None or mode == "baseline":
            print(f"{mode:<18}{cpu:>9.1f}{'':>18}{wall:>10.1f}")
        else:
            print(f"{mode:<18}{cpu:>9.1f}{cpu - base[0]:>9.1f}{(cpu / base[0] - 1) * 100:>8.1f}%"
                  f"{wall:>10.1f}{wall - base[1]:>10.1f}")

if __name__ == "__main__":
    main()

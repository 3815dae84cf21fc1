"""Module-level (picklable) objectives used by the isolation tests; they run in a child process."""

from __future__ import annotations

import os
import time

__all__ = ["sleepy_or_quick", "hungry_or_quick", "crash_or_quick", "reporting", "raises_value",
           "traced_in_child", "hungry_subprocess"]


def sleepy_or_quick(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 1:
        while True:
            time.sleep(1.0)
    return x


def hungry_or_quick(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 1:
        chunks = []
        for _ in range(400):  # up to 4 GB in 10 MB steps, touching every page
            chunks.append(bytearray(10 * 1024 * 1024))
            time.sleep(0.005)
    return x


def crash_or_quick(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 0:
        os._exit(3)
    if trial.number == 1:
        import ctypes

        ctypes.string_at(0)  # segfault
    return x


def reporting(trial):
    x = trial.suggest_int("n", 1, 3)
    trial.set_user_attr("cost", 2.5)
    for step in range(3):
        trial.report(float(step * x), step)
        if trial.should_prune():
            from skipjack.exceptions import TrialPruned

            raise TrialPruned()
    return float(x) + trial.params["n"]


def raises_value(trial):
    trial.suggest_float("x", 0.0, 1.0)
    raise ValueError("bad input")


def traced_in_child(trial):
    """Opens a span in the child; returns its trace id and parent span id (as floats' bits)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    tracer = TracerProvider().get_tracer("child")
    with tracer.start_as_current_span("child.work") as span:
        parent = span.parent
        trial.set_user_attr("trace", [format(span.context.trace_id, "032x"),
                                      format(parent.span_id, "016x") if parent else None])
    return 0.0


def hungry_subprocess(trial):
    """Trial 0 starts a child process that allocates 1 GB: the limit covers descendants."""
    import subprocess
    import sys

    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 0:
        subprocess.run([sys.executable, "-c",
                        "import time\nchunks = []\nfor _ in range(100):\n"
                        "    chunks.append(bytearray(10 * 1024 * 1024)); time.sleep(0.01)\n"
                        "time.sleep(60)\n"], check=True)
    return x

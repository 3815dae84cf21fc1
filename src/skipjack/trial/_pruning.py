"""The live trial's side of pruning: vector reports, the decision log, the pause switch.

``Trial.report`` and ``Trial.should_prune`` delegate here. Pruners only read and return a
``PruneDecision``; this module is where the decision is written to the trial's log (one bounded
chunk write per decision) and where the study's pause switch is applied.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from skipjack.pruners._attrs import (
    LOG_PREFIX,
    LOG_SWITCH_KEY,
    PAUSE_KEY,
    VECTORS_PREFIX,
    next_chunk,
    vector_at,
)
from skipjack.pruners._decision import PruneDecision, PruneVerdict, Rule

if TYPE_CHECKING:
    from skipjack.trial._trial import Trial

__all__ = [
    "PAUSE_CHECK_SECONDS",
    "check_vector",
    "write_vector",
    "should_prune",
    "last_reported_values",
]

# A running trial re-reads the study's switches (pause, log) at most this often (one storage read).
PAUSE_CHECK_SECONDS = 1.0


def check_vector(value: Any, n_objectives: int) -> list[float]:
    """The reported vector of a multi-objective trial as floats, or a clear error."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not hasattr(
        value, "__iter__"
    ):
        raise TypeError(
            f"In a study with {n_objectives} objectives, report takes a sequence of "
            f"{n_objectives} floats, one per objective. Got {value!r}."
        )
    items = list(value)
    if len(items) != n_objectives:
        raise ValueError(
            f"The reported value must have one entry per objective ({n_objectives}). Got "
            f"{len(items)} values: {items!r}."
        )
    try:
        return [float(v) for v in items]
    except (TypeError, ValueError):
        raise TypeError(f"The reported values must be floats. Got {items!r}.") from None


def _json_float(v: float) -> float | str:
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _append(trial: Trial, prefix: str, add: Any) -> None:
    attrs = trial._system_attrs
    key, size = next_chunk(attrs, prefix)
    chunk = attrs.get(key) if size else None
    trial._set_system_attr(key, add(chunk))


def write_vector(trial: Trial, step: int, vector: Sequence[float]) -> None:
    """Store the vector reported at ``step`` (before its first component is stored)."""

    def add(chunk: dict[str, Any] | None) -> dict[str, Any]:
        new = dict(chunk or {})
        new[str(step)] = [_json_float(v) for v in vector]
        return new

    _append(trial, VECTORS_PREFIX, add)


def _write_decision(trial: Trial, decision: PruneDecision) -> None:
    import json  # on first use: ~3 ms to import, and only studies that prune write decisions

    line = json.dumps(decision.to_dict(), separators=(",", ":")) + "\n"

    def add(chunk: str | None) -> str:
        return (chunk or "") + line

    _append(trial, LOG_PREFIX, add)


def _switches(trial: Trial) -> tuple[bool, bool]:
    """The study's (pause, log) switches, re-read at most every ``PAUSE_CHECK_SECONDS``."""
    now = time.monotonic()
    cached: tuple[float, tuple[bool, bool]] | None = trial.__dict__.get("_pruning_switches")
    if cached is not None and now - cached[0] < PAUSE_CHECK_SECONDS:
        return cached[1]
    attrs = trial.study.user_attrs
    value = (bool(attrs.get(PAUSE_KEY, False)), bool(attrs.get(LOG_SWITCH_KEY, True)))
    trial.__dict__["_pruning_switches"] = (now, value)
    return value


def should_prune(trial: Trial) -> bool:
    """Ask the study's pruner, apply the pause switch, log the decision, return the verdict."""
    study = trial.study
    pruner = study.pruner
    view = trial._view
    decide = getattr(pruner, "decide", None)
    decision: PruneDecision
    if decide is not None:
        decision = decide(study, view)
    else:  # a duck-typed pruner with only ``prune``
        decision = PruneDecision.from_bool(
            bool(pruner.prune(study, view)), type(pruner).__name__, view.last_step
        )
    if view.last_step is None or decision.rule == Rule.NEVER:
        return decision.prune  # nothing reported, or NopPruner: nothing worth logging
    paused, log = _switches(trial)
    if paused:
        decision = decision.replace(
            verdict=PruneVerdict.CONTINUE,
            rule=Rule.PAUSED,
            compared={**decision.compared, "would_prune": decision.prune,
                      "paused_rule": decision.rule},
        )
    if log:
        _write_decision(trial, decision)
    return decision.prune


def last_reported_values(
    system_attrs: Mapping[str, Any], intermediate_values: Mapping[int, float], n_objectives: int
) -> list[float] | None:
    """The values a PRUNED trial keeps: its last report (the whole vector in multi-objective
    studies), or None when it reported nothing usable (nothing, NaN, or no vector)."""
    if not intermediate_values:
        return None
    last = max(intermediate_values)
    if n_objectives == 1:
        value = intermediate_values[last]
        return None if math.isnan(value) else [value]
    vector = vector_at(system_attrs, last)
    if vector is None or len(vector) != n_objectives or any(math.isnan(v) for v in vector):
        return None
    return list(vector)

"""Study health: the figures a team watching a tuning service needs, each checked by a threshold.

``study_health(study)`` returns a ``HealthReport``; ``skipjack report --storage URL --study NAME
[--format text|json]`` prints it. Figures (trials counted are the finished ones: COMPLETE, PRUNED,
FAIL; RUNNING and WAITING trials are only counted in ``n_running``/``n_waiting``):

- ``completion_rate``, ``failure_rate``, ``prune_rate``: shares of the finished trials.
- ``failure_causes``: FAIL trials grouped by exception type, read from the ``fail_reason``
  system attribute ("ValueError: ..."), with count and share of the finished trials.
- ``steps_saved_by_pruning``: for each PRUNED trial, the last step a COMPLETE trial reported minus
  the last step the pruned trial reported (steps it did not run), summed.
- ``duration_median_s``, ``duration_p95_s``: of finished trials (p95 interpolated linearly).
- ``trials_to_within_1pct`` and ``seconds_to_within_1pct``: the first COMPLETE trial whose value
  is within 1% of the best (``|v - best| <= 0.01 * |best|``), as a trial count (number + 1) and
  as seconds from the study's first start to its completion. Single-objective only.
- ``best_value``, ``best_trial``, ``improvements`` (``[number, best value]`` at each improvement),
  ``trials_since_improvement``.
- ``throughput_per_hour``: finished trials per hour between the first start and the last finish.
- ``total_cost``, ``cost_per_trial``: when trials record ``user_attrs["cost"]``.
- ``storage_latency_ms``: the median of five timed reads of the storage by this client.
- ``stop_reason``: what a budget or breaker recorded when it stopped the study.

Checks (``HealthThresholds``, configurable): completion rate >= 90%, each failure cause < 5%,
prune rate between 10% and 80% (only when trials report intermediate values).
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.study._budgets import STOP_REASON_KEY, failure_cause

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["HealthThresholds", "HealthCheck", "HealthReport", "study_health", "trial_duration"]

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


@dataclasses.dataclass(frozen=True)
class HealthThresholds:
    """Thresholds of the health checks (fractions in [0, 1])."""

    min_completion_rate: float = 0.90
    max_failure_rate_per_cause: float = 0.05
    min_prune_rate: float = 0.10
    max_prune_rate: float = 0.80


@dataclasses.dataclass(frozen=True)
class HealthCheck:
    """One checked figure: ``status`` is "OK", "WARN" or "N/A"."""

    name: str
    status: str
    message: str


@dataclasses.dataclass
class HealthReport:
    """The figures and checks of one study (see the module docstring for each figure)."""

    study: str
    figures: dict[str, Any]
    checks: list[HealthCheck]

    @property
    def ok(self) -> bool:
        """True when no check is WARN."""
        return all(c.status != "WARN" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {"study": self.study, "ok": self.ok, "figures": self.figures,
                "checks": [dataclasses.asdict(c) for c in self.checks]}

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_text(self) -> str:
        """The report as lines of text: the figures, then one OK/WARN line per check."""
        f = self.figures
        lines = [f"Study {self.study!r}: {f['n_finished']} finished trials "
                 f"({f['n_complete']} complete, {f['n_pruned']} pruned, {f['n_fail']} failed), "
                 f"{f['n_running']} running, {f['n_waiting']} waiting"]
        for key, value in f.items():
            if key.startswith("n_") or key in ("improvements", "failure_causes"):
                continue
            lines.append(f"  {key}: {_fmt(value)}")
        for cause, info in f["failure_causes"].items():
            lines.append(f"  failure cause {cause}: {info['count']} ({info['rate']:.1%})")
        for check in self.checks:
            lines.append(f"{check.status:<4} {check.name}: {check.message}")
        return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _percentile(sorted_values: list[float], q: float) -> float:
    # Linear interpolation between closest ranks (numpy's default method).
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def trial_duration(t: FrozenTrial) -> float | None:
    """Seconds from start to completion (None while not finished)."""
    if t.datetime_start is None or t.datetime_complete is None:
        return None
    return (t.datetime_complete - t.datetime_start).total_seconds()


def _resolve_thresholds(thresholds: HealthThresholds | Mapping[str, float] | None
                        ) -> HealthThresholds:
    if thresholds is None:
        return HealthThresholds()
    if isinstance(thresholds, HealthThresholds):
        return thresholds
    if isinstance(thresholds, Mapping):
        names = {f.name for f in dataclasses.fields(HealthThresholds)}
        unknown = set(thresholds) - names
        if unknown:
            raise ValueError(
                f"The 'thresholds' argument of study_health has unknown keys {sorted(unknown)}; "
                f"use {sorted(names)}."
            )
        return HealthThresholds(**{k: float(v) for k, v in thresholds.items()})
    raise TypeError(
        f"The 'thresholds' argument of study_health must be a HealthThresholds or a dict. "
        f"Got {type(thresholds).__name__}."
    )


def _storage_latency_ms(study: Study) -> float:
    storage, study_id = study._storage, study._study_id
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        storage.get_study_directions(study_id)
        timings.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(timings)


def _best_figures(trials: list[FrozenTrial], directions: list[StudyDirection],
                  finished: list[FrozenTrial]) -> dict[str, Any]:
    out: dict[str, Any] = {"best_value": None, "best_trial": None, "improvements": [],
                           "trials_since_improvement": None, "trials_to_within_1pct": None,
                           "seconds_to_within_1pct": None}
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.values]
    if len(directions) != 1 or not complete:
        return out
    maximize = directions[0] == StudyDirection.MAXIMIZE
    improvements: list[list[Any]] = []
    for t in complete:
        v = t.values[0]  # type: ignore[index]
        if not improvements or (v > improvements[-1][1] if maximize else v < improvements[-1][1]):
            improvements.append([t.number, v])
    best_number, best = improvements[-1]
    out.update(best_value=best, best_trial=best_number, improvements=improvements,
               trials_since_improvement=sum(1 for t in finished if t.number > best_number))
    tolerance = 0.01 * abs(best)
    first = next(t for t in complete if abs(t.values[0] - best) <= tolerance)  # type: ignore[index]
    out["trials_to_within_1pct"] = first.number + 1
    starts = [t.datetime_start for t in trials if t.datetime_start is not None]
    if starts and first.datetime_complete is not None:
        out["seconds_to_within_1pct"] = (first.datetime_complete - min(starts)).total_seconds()
    return out


def _figures(study: Study, trials: list[FrozenTrial]) -> dict[str, Any]:
    counts = {s: 0 for s in TrialState}
    for t in trials:
        counts[t.state] += 1
    finished = [t for t in trials if t.state in _FINISHED]
    n = len(finished)
    figures: dict[str, Any] = {
        "n_finished": n,
        "n_complete": counts[TrialState.COMPLETE],
        "n_pruned": counts[TrialState.PRUNED],
        "n_fail": counts[TrialState.FAIL],
        "n_running": counts[TrialState.RUNNING],
        "n_waiting": counts[TrialState.WAITING],
        "completion_rate": counts[TrialState.COMPLETE] / n if n else None,
        "failure_rate": counts[TrialState.FAIL] / n if n else None,
        "prune_rate": counts[TrialState.PRUNED] / n if n else None,
    }
    causes: dict[str, int] = {}
    for t in finished:
        if t.state == TrialState.FAIL:
            cause = failure_cause(t)
            causes[cause] = causes.get(cause, 0) + 1
    figures["failure_causes"] = {
        c: {"count": k, "rate": k / n}
        for c, k in sorted(causes.items(), key=lambda item: (-item[1], item[0]))
    }
    complete_steps = [max(t.intermediate_values) for t in finished
                      if t.state == TrialState.COMPLETE and t.intermediate_values]
    full = max(complete_steps) if complete_steps else None
    saved = None
    if full is not None:
        saved = sum(max(0, full - max(t.intermediate_values)) for t in finished
                    if t.state == TrialState.PRUNED and t.intermediate_values)
    figures["steps_saved_by_pruning"] = saved
    durations = sorted(d for d in (trial_duration(t) for t in finished) if d is not None)
    figures["duration_median_s"] = statistics.median(durations) if durations else None
    figures["duration_p95_s"] = _percentile(durations, 0.95) if durations else None
    figures.update(_best_figures(trials, study.directions, finished))
    starts = [t.datetime_start for t in finished if t.datetime_start is not None]
    ends = [t.datetime_complete for t in finished if t.datetime_complete is not None]
    span = (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0
    figures["throughput_per_hour"] = n / span * 3600.0 if span > 0 else None
    costs = [float(t.user_attrs["cost"]) for t in finished
             if isinstance(t.user_attrs.get("cost"), (int, float))
             and not isinstance(t.user_attrs.get("cost"), bool)]
    figures["total_cost"] = sum(costs) if costs else None
    figures["cost_per_trial"] = sum(costs) / len(costs) if costs else None
    figures["storage_latency_ms"] = _storage_latency_ms(study)
    stop = study._storage.get_study_system_attrs(study._study_id).get(STOP_REASON_KEY)
    figures["stop_reason"] = stop.get("reason") if isinstance(stop, dict) else None
    return figures


def _checks(figures: dict[str, Any], th: HealthThresholds, reports: bool) -> list[HealthCheck]:
    checks = []
    completion = figures["completion_rate"]
    if completion is None:
        checks.append(HealthCheck("completion", "N/A", "no finished trials yet"))
    else:
        status = "OK" if completion >= th.min_completion_rate else "WARN"
        checks.append(HealthCheck("completion", status, f"completion rate {completion:.1%} "
                                  f"(threshold >= {th.min_completion_rate:.0%})"))
    causes = figures["failure_causes"]
    if not causes:
        checks.append(HealthCheck("failures", "OK", "no failed trials"))
    for cause, info in causes.items():
        status = "OK" if info["rate"] < th.max_failure_rate_per_cause else "WARN"
        checks.append(HealthCheck(f"failures:{cause}", status,
                                  f"{info['count']} trials failed with {cause} "
                                  f"({info['rate']:.1%}, threshold < "
                                  f"{th.max_failure_rate_per_cause:.0%})"))
    prune = figures["prune_rate"]
    if prune is None or not reports:
        checks.append(HealthCheck("pruning", "N/A", "no trial reported intermediate values"))
    else:
        ok = th.min_prune_rate <= prune <= th.max_prune_rate
        checks.append(HealthCheck("pruning", "OK" if ok else "WARN",
                                  f"prune rate {prune:.1%} (threshold {th.min_prune_rate:.0%}"
                                  f"..{th.max_prune_rate:.0%}), steps saved "
                                  f"{figures['steps_saved_by_pruning']}"))
    return checks


def study_health(
    study: Study, thresholds: HealthThresholds | Mapping[str, float] | None = None
) -> HealthReport:
    """Compute the health figures of ``study`` and check them.

    Args:
        study: the study (``load_study(...)`` for a study in a persistent storage).
        thresholds: a ``HealthThresholds`` or a dict overriding some of its fields, e.g.
            ``{"min_completion_rate": 0.8}``.

    Raises:
        ValueError: unknown threshold names.
    """
    th = _resolve_thresholds(thresholds)
    trials = study.get_trials(deepcopy=False)
    figures = _figures(study, trials)
    reports = any(t.intermediate_values for t in trials)
    return HealthReport(study.study_name, figures, _checks(figures, th, reports))

"""Study health: the figures a team watching a tuning service needs, each checked by a threshold.

``study_health(study)`` returns a ``HealthReport``; ``skipjack report --storage URL --study NAME
[--format table|json]`` prints it and exits 1 when a check FAILs (``--strict``: also on WARN).

Trials counted are the finished ones (COMPLETE, PRUNED, FAIL); RUNNING and WAITING trials are only
counted in ``n_running``/``n_waiting``. A figure that cannot be measured is left out of
``figures`` and listed in ``not_measured`` with the reason (no figure is ever ``None``).

Figures of every study:

- ``prune_rate``: PRUNED / finished. Pruned trials are judged by this rate only.
- ``completion_rate``: COMPLETE / (COMPLETE + FAIL): of the trials the pruner let run to their
  end, the share that finished with a value. A pruned trial is not an incomplete one.
- ``failure_rate``: FAIL / finished; ``failure_causes``: FAIL trials grouped by exception type,
  read from the ``fail_reason`` system attribute ("ValueError: ..."), with count and rate
  (share of the finished trials).
- ``steps_saved_by_pruning``: for each PRUNED trial, the last step a COMPLETE trial reported minus
  the last step the pruned trial reported (steps it did not run), summed.
- ``duration_median_s``, ``duration_p95_s``: of finished trials (p95 interpolated linearly).
- ``throughput_per_hour``: finished trials per hour between the first start and the last finish.
- ``total_cost``, ``cost_per_trial``: when trials record ``user_attrs["cost"]``.
- ``storage_latency_ms``: the median of five timed reads of the storage by this client.
- ``stop_reason``: what a budget or breaker recorded when it stopped the study.

Single-objective studies (time-to-best and the improvement trend):

- ``best_value``, ``best_trial``, ``improvements`` (``[number, best value]`` at each improvement),
  ``trials_since_improvement``.
- ``trials_to_best``, ``seconds_to_best``: when the best value was first reached, as a trial count
  (number + 1) and as seconds from the study's first start to that trial's completion;
  ``trials_to_within_1pct``, ``seconds_to_within_1pct``: the same for the first COMPLETE trial
  within 1% of the best (``|v - best| <= 0.01 * |best|``).
- ``improvement_last_quarter``: the share of the total improvement (first value to best) made in
  the last quarter of the COMPLETE trials; ``improvement_trend``: "improving" when that share is
  at least ``HealthThresholds.min_recent_improvement``, else "flat" (at least 4 COMPLETE trials).

Multi-objective studies (feasible COMPLETE trials; every trial is feasible without constraints):

- ``n_objectives``, ``pareto_front_size``.
- ``reference_point`` (in the objectives' own directions) and ``reference_point_source``: the
  given point, or the worst value of each objective over the trials moved 10% of its range
  further (1.0 when the range is 0).
- ``hypervolume``: of the front against the reference point; ``hypervolume_history``:
  ``[trials, hypervolume]`` after each quarter of the COMPLETE trials;
  ``hypervolume_last_quarter``: the share of the final hypervolume gained in the last quarter;
  ``hypervolume_trend``: "improving" or "flat", as for a single objective.
- ``time_to_best``: per objective, its best value, the trial that first reached it and the trial
  count and seconds to it.

Checks (``HealthThresholds``, configurable; each message prints its thresholds):

- completion: WARN below ``min_completion_rate`` (0.90), FAIL below ``fail_completion_rate`` (0.5).
- failures: WARN when one cause reaches ``max_failure_rate_per_cause`` (0.05); FAIL when all
  failures together reach ``fail_failure_rate`` (0.5).
- pruning (only when trials report intermediate values): WARN outside ``min_prune_rate`` (0.10)
  .. ``max_prune_rate`` (0.80); FAIL at or above ``fail_prune_rate`` (1.0: every trial pruned).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import statistics
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack._mo._dominance import is_feasible, pareto_front_trials
from skipjack._mo._hypervolume import compute_hypervolume
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack.study._budgets import STOP_REASON_KEY, failure_cause

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["HealthThresholds", "HealthCheck", "HealthReport", "study_health", "trial_duration"]

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
_STATUSES = ("OK", "WARN", "FAIL", "N/A")


@dataclasses.dataclass(frozen=True)
class HealthThresholds:
    """Thresholds of the health checks (fractions in [0, 1]); see the module docstring."""

    min_completion_rate: float = 0.90
    fail_completion_rate: float = 0.50
    max_failure_rate_per_cause: float = 0.05
    fail_failure_rate: float = 0.50
    min_prune_rate: float = 0.10
    max_prune_rate: float = 0.80
    fail_prune_rate: float = 1.00
    min_recent_improvement: float = 0.01

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not (
                0.0 <= value <= 1.0
            ):
                raise ValueError(
                    f"The '{f.name}' threshold must be a fraction in [0, 1]. Got {value!r}."
                )
        if self.min_prune_rate > self.max_prune_rate:
            raise ValueError(
                f"The 'min_prune_rate' threshold ({self.min_prune_rate}) must be <= "
                f"'max_prune_rate' ({self.max_prune_rate})."
            )


@dataclasses.dataclass(frozen=True)
class HealthCheck:
    """One checked figure: ``status`` is "OK", "WARN", "FAIL" or "N/A"."""

    name: str
    status: str
    message: str


@dataclasses.dataclass
class HealthReport:
    """The figures and checks of one study (see the module docstring for each figure).

    ``figures`` holds only measured figures; ``not_measured`` maps each figure that could not be
    measured to the reason.
    """

    study: str
    figures: dict[str, Any]
    checks: list[HealthCheck]
    not_measured: dict[str, str] = dataclasses.field(default_factory=dict)
    thresholds: HealthThresholds = dataclasses.field(default_factory=lambda: HealthThresholds())

    @property
    def status(self) -> str:
        """"FAIL" when a check fails, else "WARN" when one warns, else "OK"."""
        statuses = {c.status for c in self.checks}
        return "FAIL" if "FAIL" in statuses else "WARN" if "WARN" in statuses else "OK"

    @property
    def ok(self) -> bool:
        """True when no check is WARN or FAIL."""
        return self.status == "OK"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {"study": self.study, "status": self.status, "ok": self.ok,
                "figures": self.figures, "not_measured": self.not_measured,
                "thresholds": dataclasses.asdict(self.thresholds),
                "checks": [dataclasses.asdict(c) for c in self.checks]}

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_table(self) -> str:
        """The report as aligned text: a summary line, the figures, then one line per check."""
        f = self.figures
        lines = [f"Study {self.study!r}: {self.status}. {f['n_finished']} finished trials "
                 f"({f['n_complete']} complete, {f['n_pruned']} pruned, {f['n_fail']} failed), "
                 f"{f['n_running']} running, {f['n_waiting']} waiting"]
        rows: list[tuple[str, str]] = []
        for key, value in f.items():
            if key.startswith("n_") and key != "n_objectives":
                continue
            if key in ("failure_causes", "time_to_best"):
                continue
            rows.append((key, _fmt_figure(key, value)))
        for cause, info in f["failure_causes"].items():
            rows.append((f"failure cause {cause}", f"{info['count']} ({info['rate']:.1%})"))
        for entry in f.get("time_to_best", []):
            rows.append((f"time to best, objective {entry['objective']}",
                         f"{_fmt(entry['best_value'])} ({entry['direction']}) at trial "
                         f"{entry['best_trial']}: {entry['trials_to_best']} trials, "
                         f"{_fmt(entry.get('seconds_to_best', 'not measured'))} s"))
        for key, reason in self.not_measured.items():
            rows.append((key, f"not measured ({reason})"))
        width = max(len(k) for k, _ in rows) if rows else 0
        lines += [f"  {k:<{width}}  {v}" for k, v in rows]
        lines += [f"{c.status:<4} {c.name}: {c.message}" for c in self.checks]
        return "\n".join(lines)

    def to_text(self) -> str:
        """Same as ``to_table``."""
        return self.to_table()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _fmt_figure(key: str, value: Any) -> str:
    if key.endswith("_rate") or key.endswith("_last_quarter"):
        return f"{value:.1%}"
    if key == "improvements":
        shown = value[-5:]
        more = f" ({len(value) - 5} earlier)" if len(value) > 5 else ""
        return ", ".join(f"#{n}: {_fmt(v)}" for n, v in shown) + more
    if key == "hypervolume_history":
        return ", ".join(f"{n} trials: {_fmt(v)}" for n, v in value)
    return _fmt(value)


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


class _Figures:
    """Collects measured figures and the reasons of the unmeasured ones, in insertion order."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.missing: dict[str, str] = {}

    def set(self, key: str, value: Any, reason: str = "") -> None:
        if value is None:
            self.missing[key] = reason
        else:
            self.values[key] = value


def _storage_latency_ms(study: Study) -> float:
    storage, study_id = study._storage, study._study_id
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        storage.get_study_directions(study_id)
        timings.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(timings)


def _seconds_since(first_start: datetime.datetime | None, t: FrozenTrial) -> float | None:
    if first_start is None or t.datetime_complete is None:
        return None
    return (t.datetime_complete - first_start).total_seconds()


def _trend(share: float, th: HealthThresholds) -> str:
    return "improving" if share >= th.min_recent_improvement else "flat"


def _single_objective(out: _Figures, complete: list[FrozenTrial], finished: list[FrozenTrial],
                      direction: StudyDirection, first_start: datetime.datetime | None, th: HealthThresholds) -> None:
    keys = ("best_value", "best_trial", "improvements", "trials_since_improvement",
            "trials_to_best", "seconds_to_best", "trials_to_within_1pct",
            "seconds_to_within_1pct", "improvement_last_quarter", "improvement_trend")
    if not complete:
        for key in keys:
            out.set(key, None, "no COMPLETE trial yet")
        return
    maximize = direction == StudyDirection.MAXIMIZE
    improvements: list[list[Any]] = []
    for t in complete:
        v = t.values[0]  # type: ignore[index]
        if not improvements or (v > improvements[-1][1] if maximize else v < improvements[-1][1]):
            improvements.append([t.number, v])
    best_number, best = improvements[-1]
    best_t = next(t for t in complete if t.number == best_number)
    out.set("best_value", best)
    out.set("best_trial", best_number)
    out.set("improvements", improvements)
    out.set("trials_since_improvement", sum(1 for t in finished if t.number > best_number))
    no_clock = "the trial has no start or completion time"
    out.set("trials_to_best", best_number + 1)
    out.set("seconds_to_best", _seconds_since(first_start, best_t), no_clock)
    tolerance = 0.01 * abs(best)
    first = next(t for t in complete if abs(t.values[0] - best) <= tolerance)  # type: ignore[index]
    out.set("trials_to_within_1pct", first.number + 1)
    out.set("seconds_to_within_1pct", _seconds_since(first_start, first), no_clock)
    if len(complete) < 4:
        for key in ("improvement_last_quarter", "improvement_trend"):
            out.set(key, None, f"{len(complete)} COMPLETE trials; the trend needs at least 4")
        return
    total = abs(best - complete[0].values[0])  # type: ignore[index]
    cut = len(complete) - max(1, len(complete) // 4)
    before = complete[:cut]
    best_before = (max if maximize else min)(t.values[0] for t in before)  # type: ignore[index]
    share = abs(best - best_before) / total if total > 0 and math.isfinite(total) else 0.0
    out.set("improvement_last_quarter", share)
    out.set("improvement_trend", _trend(share, th))


def _reference_point(losses: np.ndarray) -> np.ndarray:
    finite = losses[np.isfinite(losses).all(axis=1)]
    if len(finite) == 0:
        raise ValueError("no trial has finite values")
    worst, best = finite.max(axis=0), finite.min(axis=0)
    span = worst - best
    return np.asarray(worst + np.where(span > 0, 0.1 * span, 1.0), dtype=float)


def _multi_objective(out: _Figures, complete: list[FrozenTrial], directions: list[StudyDirection],
                     first_start: datetime.datetime | None, reference_point: Sequence[float] | None,
                     th: HealthThresholds) -> None:
    m = len(directions)
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
    out.set("n_objectives", m)
    constrained = any(CONSTRAINTS_KEY in t.system_attrs for t in complete)
    feasible = [t for t in complete if is_feasible(t)] if constrained else complete
    front = pareto_front_trials(feasible, directions, consider_constraints=False)
    out.set("pareto_front_size", len(front))
    hv_keys = ("reference_point", "reference_point_source", "hypervolume", "hypervolume_history",
               "hypervolume_last_quarter", "hypervolume_trend")
    if not feasible:
        why = "no feasible COMPLETE trial yet" if constrained else "no COMPLETE trial yet"
        for key in (*hv_keys, "time_to_best"):
            out.set(key, None, why)
        return
    losses = np.array([t.values for t in feasible], dtype=float) * signs
    if reference_point is not None:
        ref_loss = np.asarray(reference_point, dtype=float) * signs
        source = "given"
    else:
        try:
            ref_loss = _reference_point(losses)
        except ValueError as e:
            for key in hv_keys:
                out.set(key, None, str(e))
            ref_loss = None
        source = "worst value of each objective over the trials, moved 10% of its range further"
    if ref_loss is not None:
        out.set("reference_point", [float(v) for v in ref_loss * signs])
        out.set("reference_point_source", source)
        n = len(feasible)
        history: list[list[float]] = []
        for q in (0.25, 0.5, 0.75, 1.0):
            k = max(1, math.ceil(n * q))
            if not history or history[-1][0] != k:
                history.append([k, compute_hypervolume(losses[:k], ref_loss)])
        final = history[-1][1]
        out.set("hypervolume", final)
        out.set("hypervolume_history", history)
        if n < 4:
            why = f"{n} feasible COMPLETE trials; the trend needs at least 4"
            out.set("hypervolume_last_quarter", None, why)
            out.set("hypervolume_trend", None, why)
        elif final > 0 and math.isfinite(final):
            share = (final - history[-2][1]) / final
            out.set("hypervolume_last_quarter", share)
            out.set("hypervolume_trend", _trend(share, th))
        else:
            why = "the hypervolume is 0: no trial dominates the reference point"
            if not math.isfinite(final):
                why = "the hypervolume is infinite"
            out.set("hypervolume_last_quarter", None, why)
            out.set("hypervolume_trend", None, why)
    per_objective = []
    for i, direction in enumerate(directions):
        column = losses[:, i]
        j = int(np.argmin(column))
        t = feasible[j]
        per_objective.append({
            "objective": i, "direction": direction.name.lower(),
            "best_value": float(t.values[i]),  # type: ignore[index]
            "best_trial": t.number, "trials_to_best": t.number + 1,
        })
        seconds = _seconds_since(first_start, t)
        if seconds is not None:
            per_objective[-1]["seconds_to_best"] = seconds
    out.set("time_to_best", per_objective)


def _figures(study: Study, trials: list[FrozenTrial], th: HealthThresholds,
             reference_point: Sequence[float] | None) -> _Figures:
    out = _Figures()
    counts = {s: 0 for s in TrialState}
    for t in trials:
        counts[t.state] += 1
    finished = [t for t in trials if t.state in _FINISHED]
    n = len(finished)
    n_complete, n_fail = counts[TrialState.COMPLETE], counts[TrialState.FAIL]
    for key, value in (("n_finished", n), ("n_complete", n_complete),
                       ("n_pruned", counts[TrialState.PRUNED]), ("n_fail", n_fail),
                       ("n_running", counts[TrialState.RUNNING]),
                       ("n_waiting", counts[TrialState.WAITING])):
        out.set(key, value)
    none_finished = "no finished trial yet"
    out.set("completion_rate", n_complete / (n_complete + n_fail) if n_complete + n_fail else None,
            "every finished trial was pruned" if n else none_finished)
    out.set("failure_rate", n_fail / n if n else None, none_finished)
    out.set("prune_rate", counts[TrialState.PRUNED] / n if n else None, none_finished)
    causes: dict[str, int] = {}
    for t in finished:
        if t.state == TrialState.FAIL:
            cause = failure_cause(t)
            causes[cause] = causes.get(cause, 0) + 1
    out.set("failure_causes", {
        c: {"count": k, "rate": k / n}
        for c, k in sorted(causes.items(), key=lambda item: (-item[1], item[0]))
    })
    complete_steps = [max(t.intermediate_values) for t in finished
                      if t.state == TrialState.COMPLETE and t.intermediate_values]
    saved = None
    if complete_steps:
        full = max(complete_steps)
        saved = sum(max(0, full - max(t.intermediate_values)) for t in finished
                    if t.state == TrialState.PRUNED and t.intermediate_values)
    out.set("steps_saved_by_pruning", saved,
            "no COMPLETE trial reported intermediate values")
    durations = sorted(d for d in (trial_duration(t) for t in finished) if d is not None)
    no_times = "no finished trial has start and completion times"
    out.set("duration_median_s", statistics.median(durations) if durations else None, no_times)
    out.set("duration_p95_s", _percentile(durations, 0.95) if durations else None, no_times)
    starts = [t.datetime_start for t in trials if t.datetime_start is not None]
    first_start = min(starts) if starts else None
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.values]
    directions = list(study.directions)
    if len(directions) == 1:
        _single_objective(out, complete, finished, directions[0], first_start, th)
    else:
        _multi_objective(out, complete, directions, first_start, reference_point, th)
    fin_starts = [t.datetime_start for t in finished if t.datetime_start is not None]
    ends = [t.datetime_complete for t in finished if t.datetime_complete is not None]
    span = (max(ends) - min(fin_starts)).total_seconds() if fin_starts and ends else 0.0
    out.set("throughput_per_hour", n / span * 3600.0 if span > 0 else None,
            "finished trials span no time" if n else none_finished)
    costs = [float(t.user_attrs["cost"]) for t in finished
             if isinstance(t.user_attrs.get("cost"), (int, float))
             and not isinstance(t.user_attrs.get("cost"), bool)]
    no_cost = "no trial records user_attrs['cost']"
    out.set("total_cost", sum(costs) if costs else None, no_cost)
    out.set("cost_per_trial", sum(costs) / len(costs) if costs else None, no_cost)
    out.set("storage_latency_ms", _storage_latency_ms(study))
    stop = study._storage.get_study_system_attrs(study._study_id).get(STOP_REASON_KEY)
    out.set("stop_reason", stop.get("reason") if isinstance(stop, dict) else None,
            "no budget or breaker stopped the study")
    return out


def _checks(figures: dict[str, Any], th: HealthThresholds, reports: bool) -> list[HealthCheck]:
    checks = []
    completion = figures.get("completion_rate")
    if completion is None:
        why = "every finished trial was pruned" if figures["n_finished"] else "no finished trials"
        checks.append(HealthCheck("completion", "N/A", why))
    else:
        status = ("FAIL" if completion < th.fail_completion_rate
                  else "WARN" if completion < th.min_completion_rate else "OK")
        checks.append(HealthCheck(
            "completion", status,
            f"completion rate {completion:.1%} of the trials not pruned (WARN below "
            f"{th.min_completion_rate:.0%}, FAIL below {th.fail_completion_rate:.0%})"))
    causes = figures["failure_causes"]
    failure = figures.get("failure_rate", 0.0)
    if not causes:
        checks.append(HealthCheck("failures", "OK", "no failed trials"))
    for cause, info in causes.items():
        status = "OK" if info["rate"] < th.max_failure_rate_per_cause else "WARN"
        if failure >= th.fail_failure_rate:
            status = "FAIL"
        checks.append(HealthCheck(
            f"failures:{cause}", status,
            f"{info['count']} trials failed with {cause} ({info['rate']:.1%}; WARN at "
            f"{th.max_failure_rate_per_cause:.0%} per cause, FAIL at "
            f"{th.fail_failure_rate:.0%} for all causes, now {failure:.1%})"))
    prune = figures.get("prune_rate")
    if prune is None or not reports:
        checks.append(HealthCheck("pruning", "N/A", "no trial reported intermediate values"))
    else:
        status = ("FAIL" if prune >= th.fail_prune_rate
                  else "OK" if th.min_prune_rate <= prune <= th.max_prune_rate else "WARN")
        saved = figures.get("steps_saved_by_pruning")
        checks.append(HealthCheck(
            "pruning", status,
            f"prune rate {prune:.1%} (OK {th.min_prune_rate:.0%}..{th.max_prune_rate:.0%}, "
            f"FAIL at {th.fail_prune_rate:.0%}), steps saved "
            f"{'not measured' if saved is None else saved}"))
    return checks


def study_health(
    study: Study,
    thresholds: HealthThresholds | Mapping[str, float] | None = None,
    *,
    reference_point: Sequence[float] | None = None,
) -> HealthReport:
    """Compute the health figures of ``study`` and check them.

    Args:
        study: the study (``load_study(...)`` for a study in a persistent storage).
        thresholds: a ``HealthThresholds`` or a dict overriding some of its fields, e.g.
            ``{"min_completion_rate": 0.8}``.
        reference_point: for a multi-objective study, the point the hypervolume is measured
            against, one value per objective in the objective's own direction (worse than every
            trial you want counted). Default: derived from the trials (see the module docstring).

    Raises:
        ValueError: unknown threshold names, a threshold outside [0, 1], or a reference point
            whose length differs from the number of objectives.
    """
    th = _resolve_thresholds(thresholds)
    if reference_point is not None:
        reference_point = [float(v) for v in reference_point]
        if len(reference_point) != len(study.directions):
            raise ValueError(
                f"The 'reference_point' argument of study_health needs one value per objective "
                f"({len(study.directions)}). Got {len(reference_point)}: {reference_point}."
            )
    trials = study.get_trials(deepcopy=False)
    out = _figures(study, trials, th, reference_point)
    reports = any(t.intermediate_values for t in trials)
    return HealthReport(study.study_name, out.values, _checks(out.values, th, reports),
                        out.missing, th)

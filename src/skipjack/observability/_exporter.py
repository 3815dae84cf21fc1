"""The study exporter: Prometheus figures for every study of a storage, read from the storage.

``skipjack metrics --storage URL --port 9464`` serves them; no worker code changes. Each scrape
syncs the trials that changed since the previous scrape (``get_trials_since``), so a scrape of a
large study does not reload its whole history when the storage supports incremental reads.

Metrics (label ``study``; trial numbers never appear in labels):

- ``skipjack_study_trials{state}`` (gauge): trials by state.
- ``skipjack_study_trials_finished_total`` (counter): COMPLETE + PRUNED + FAIL trials.
- ``skipjack_study_trials_finished_per_second`` (gauge): finished in the last ``window`` seconds
  divided by ``window``.
- ``skipjack_study_running_trials``, ``skipjack_study_waiting_trials`` (gauges).
- ``skipjack_study_stale_trials_failed_total`` (counter): trials failed because their heartbeat
  stopped.
- ``skipjack_study_best_value`` (gauge, single-objective studies with a COMPLETE trial).
- ``skipjack_study_trials_since_improvement`` (gauge): finished trials numbered after the trial
  that last improved the best value.
- ``skipjack_study_trial_duration_seconds`` (histogram): durations of finished trials.
- ``skipjack_exporter_scrape_duration_seconds`` (gauge): how long the last scrape took.
"""

from __future__ import annotations

import datetime
import threading
import time
from bisect import bisect_left
from typing import Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.observability._histogram import DURATION_BUCKETS
from skipjack.storages import BaseStorage

__all__ = ["StudyExporter", "serve_exporter", "STALE_REASON_PREFIX"]

# The fail_reason written by ``fail_stale_trials`` (skipjack.storages._heartbeat).
STALE_REASON_PREFIX = "Trial failed: its heartbeat stopped"
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class _StudyCache:
    __slots__ = ("watermark", "trials")

    def __init__(self) -> None:
        self.watermark: Any = None
        self.trials: dict[int, FrozenTrial] = {}


class StudyExporter:
    """A ``prometheus_client`` collector reporting every study of ``storage``.

    Args:
        storage: any storage (or URL accepted by ``get_storage``).
        window: seconds over which ``trials_finished_per_second`` is computed.
        now: the clock (returns a naive local ``datetime``, like the storages); injectable for
            tests.
    """

    def __init__(
        self,
        storage: BaseStorage | str,
        window: float = 60.0,
        now: Any = datetime.datetime.now,
    ) -> None:
        from skipjack.storages import get_storage

        if not window > 0:
            raise ValueError(f"The 'window' argument of StudyExporter must be > 0. Got {window!r}.")
        self._storage = get_storage(storage)
        self._window = float(window)
        self._now = now
        self._caches: dict[int, _StudyCache] = {}
        self._lock = threading.Lock()

    def _sync(self, study_id: int) -> list[FrozenTrial]:
        cache = self._caches.get(study_id)
        if cache is None:
            cache = self._caches[study_id] = _StudyCache()
        changed, cache.watermark = self._storage.get_trials_since(study_id, cache.watermark)
        for t in changed:
            cache.trials[t._trial_id] = t
        return sorted(cache.trials.values(), key=lambda t: t.number)

    def describe(self) -> list[Any]:
        """Nothing up front: the families are built per scrape."""
        return []

    def collect(self) -> list[Any]:
        """Read the storage and return the metric families (called by each scrape)."""
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        start = time.perf_counter()
        by_state = GaugeMetricFamily("skipjack_study_trials", "Trials by state.",
                                     labels=["study", "state"])
        finished = CounterMetricFamily("skipjack_study_trials_finished",
                                       "Trials finished (COMPLETE, PRUNED or FAIL).",
                                       labels=["study"])
        rate = GaugeMetricFamily(
            "skipjack_study_trials_finished_per_second",
            f"Trials finished per second over the last {self._window:g} s.", labels=["study"])
        running = GaugeMetricFamily("skipjack_study_running_trials", "RUNNING trials.",
                                    labels=["study"])
        waiting = GaugeMetricFamily("skipjack_study_waiting_trials", "WAITING (enqueued) trials.",
                                    labels=["study"])
        stale = CounterMetricFamily("skipjack_study_stale_trials_failed",
                                    "Trials failed because their heartbeat stopped.",
                                    labels=["study"])
        best = GaugeMetricFamily("skipjack_study_best_value",
                                 "Best objective value (single-objective studies).",
                                 labels=["study"])
        since = GaugeMetricFamily(
            "skipjack_study_trials_since_improvement",
            "Finished trials numbered after the last trial that improved the best value.",
            labels=["study"])
        durations = HistogramMetricFamily("skipjack_study_trial_duration_seconds",
                                          "Durations of finished trials.", labels=["study"])
        with self._lock:
            studies = self._storage.get_all_studies()
            alive = {s._study_id for s in studies}
            for gone in set(self._caches) - alive:
                del self._caches[gone]
            now = self._now()
            for summary in studies:
                name = summary.study_name
                try:
                    trials = self._sync(summary._study_id)
                except KeyError:  # deleted between the listing and the read
                    continue
                counts = {s: 0 for s in TrialState}
                for t in trials:
                    counts[t.state] += 1
                for state in TrialState:
                    by_state.add_metric([name, state.name], counts[state])
                done = [t for t in trials if t.state in _FINISHED]
                finished.add_metric([name], len(done))
                horizon = now - datetime.timedelta(seconds=self._window)
                recent = sum(1 for t in done
                             if t.datetime_complete is not None and t.datetime_complete > horizon)
                rate.add_metric([name], recent / self._window)
                running.add_metric([name], counts[TrialState.RUNNING])
                waiting.add_metric([name], counts[TrialState.WAITING])
                stale.add_metric([name], sum(
                    1 for t in done if t.state == TrialState.FAIL
                    and str(t.system_attrs.get("fail_reason", "")).startswith(STALE_REASON_PREFIX)
                ))
                directions = list(summary.directions)
                if len(directions) == 1:
                    improvement = last_improvement(trials, directions[0])
                    if improvement is not None:
                        best.add_metric([name], improvement[1])
                        since.add_metric([name], sum(1 for t in done
                                                     if t.number > improvement[0]))
                buckets, total = _duration_buckets(done)
                durations.add_metric([name], buckets, total)
        scrape = GaugeMetricFamily("skipjack_exporter_scrape_duration_seconds",
                                   "Time the exporter took to read the storage.")
        scrape.add_metric([], time.perf_counter() - start)
        return [by_state, finished, rate, running, waiting, stale, best, since, durations, scrape]


def last_improvement(
    trials: list[FrozenTrial], direction: StudyDirection
) -> tuple[int, float] | None:
    """Return ``(number, value)`` of the COMPLETE trial that last improved the best, or None."""
    best: tuple[int, float] | None = None
    maximize = direction == StudyDirection.MAXIMIZE
    for t in sorted(trials, key=lambda t: t.number):
        if t.state != TrialState.COMPLETE or not t.values:
            continue
        v = t.values[0]
        if best is None or (v > best[1] if maximize else v < best[1]):
            best = (t.number, v)
    return best


def _duration_buckets(trials: list[FrozenTrial]) -> tuple[list[tuple[str, float]], float]:
    counts = [0] * (len(DURATION_BUCKETS) + 1)
    total = 0.0
    for t in trials:
        if t.datetime_start is None or t.datetime_complete is None:
            continue
        d = (t.datetime_complete - t.datetime_start).total_seconds()
        counts[bisect_left(DURATION_BUCKETS, d)] += 1
        total += d
    buckets: list[tuple[str, float]] = []
    cumulative = 0
    for bound, n in zip(DURATION_BUCKETS, counts):
        cumulative += n
        buckets.append((repr(float(bound)), cumulative))
    buckets.append(("+Inf", cumulative + counts[-1]))
    return buckets, total


def serve_exporter(
    storage: BaseStorage | str, port: int = 9464, addr: str = "0.0.0.0", window: float = 60.0
) -> Any:
    """Serve ``StudyExporter(storage)`` at ``http://addr:port/metrics`` from a daemon thread.

    Returns:
        The ``(server, thread)`` pair of ``prometheus_client.start_http_server``.
    """
    from skipjack.observability._switches import _require_prometheus

    prometheus_client = _require_prometheus()
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(StudyExporter(storage, window=window))
    return prometheus_client.start_http_server(port, addr=addr, registry=registry)

"""A small, fast histogram family, exposed to Prometheus through a custom collector.

Design note: ``prometheus_client.Histogram.observe`` costs about a microsecond and a half (a lock
per bucket); the worker observes a few values per trial. Here ``observe`` is ``deque.append`` (a C
call, atomic under the GIL, so safe from many threads without a lock); the values are folded into
bucket counts when Prometheus scrapes, or when more than ``FOLD_AT`` are pending (bounded memory).
The exposition is the standard histogram (``_bucket``/``_sum``/``_count``).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["HistogramFamily", "LATENCY_BUCKETS", "DURATION_BUCKETS", "FOLD_AT"]

FOLD_AT = 50_000

# Seconds: sampler/storage latencies (100 us .. 10 s) and objective durations (10 ms .. 6 h).
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                   0.5, 1.0, 2.5, 5.0, 10.0)
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0,
                    3600.0, 7200.0, 21600.0)


class _Child:
    __slots__ = ("_bounds", "counts", "total", "lock", "pending", "observe")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0
        self.lock = threading.Lock()
        self.pending: deque[float] = deque()
        self.observe = self.pending.append  # observe(value): record one value

    def fold(self) -> None:
        """Move the pending values into the bucket counts."""
        pending, bounds, counts = self.pending, self._bounds, self.counts
        with self.lock:
            total = 0.0
            while True:
                try:
                    value = pending.popleft()
                except IndexError:
                    break
                counts[bisect_left(bounds, value)] += 1
                total += value
            self.total += total


class HistogramFamily:
    """Histograms of one metric, one child per label-value tuple.

    Args:
        name: the metric name (ending in the unit, e.g. ``_seconds``).
        documentation: the HELP text.
        labelnames: label names; keep their values bounded (a study name, never a trial number).
        buckets: upper bounds, increasing.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._bounds = tuple(float(b) for b in buckets)
        self._children: dict[tuple[str, ...], _Child] = {}
        self._lock = threading.Lock()

    def labels(self, *values: str) -> _Child:
        """Return the child for ``values`` (created on first use)."""
        child = self._children.get(values)
        if child is None:
            if len(values) != len(self.labelnames):
                raise ValueError(
                    f"{self.name} takes labels {self.labelnames}; got values {values!r}."
                )
            with self._lock:
                child = self._children.setdefault(values, _Child(self._bounds))
        return child

    def family(self) -> Any:
        """Return a ``prometheus_client`` ``HistogramMetricFamily`` with the current counts."""
        from prometheus_client.core import HistogramMetricFamily

        fam = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in list(self._children.items()):
            child.fold()
            with child.lock:
                counts = list(child.counts)
                total = child.total
            buckets = []
            cumulative = 0
            for bound, n in zip(self._bounds, counts):
                cumulative += n
                buckets.append((_fmt_bound(bound), cumulative))
            buckets.append(("+Inf", cumulative + counts[-1]))
            fam.add_metric(list(values), buckets, total)
        return fam

    @property
    def bounds(self) -> tuple[float, ...]:
        """The buckets' upper bounds (a last, unbounded bucket follows)."""
        return self._bounds

    def bucket_counts(self) -> Iterator[tuple[tuple[str, ...], list[int], float]]:
        """Yield ``(label values, count per bucket (not cumulative; one more than bounds),
        sum)`` per child (for quantile estimates, e.g. the dashboard's on-call view)."""
        for values, child in list(self._children.items()):
            child.fold()
            with child.lock:
                yield values, list(child.counts), child.total

    def samples(self) -> Iterator[tuple[tuple[str, ...], int, float]]:
        """Yield ``(label values, count, sum)`` per child (for reports and tests)."""
        for values, child in list(self._children.items()):
            child.fold()
            with child.lock:
                yield values, sum(child.counts), child.total


def _fmt_bound(bound: float) -> str:
    return repr(float(bound))

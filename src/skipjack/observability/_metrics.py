"""In-process (worker) Prometheus metrics: what only the process running trials can see.

Metrics (all labelled by ``study``, except the storage one, labelled by ``operation``):

- ``skipjack_ask_duration_seconds``: creating the trial and the sampler's relative sampling.
- ``skipjack_tell_duration_seconds``: finishing the trial in the storage (``after_trial`` included).
- ``skipjack_objective_duration_seconds`` (also ``state``): the objective call, including the
  independent sampling done inside ``suggest_*``.
- ``skipjack_storage_operation_duration_seconds``: each storage call of the process.
- ``skipjack_worker_trials_total`` (also ``state``): trials this process finished.

Expose them with ``start_metrics_server(port)`` or add ``worker_collector()`` to your own
``prometheus_client`` registry (``registry.register(worker_collector())``).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from skipjack.observability._histogram import DURATION_BUCKETS, LATENCY_BUCKETS, HistogramFamily
from skipjack.study._hooks import TrialObserver

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial, TrialState
    from skipjack.study import Study
    from skipjack.trial import Trial

__all__ = ["WorkerMetrics", "MetricsObserver", "worker_metrics", "worker_collector"]


class WorkerMetrics:
    """The metric families of this process (one instance: ``worker_metrics()``)."""

    def __init__(self) -> None:
        self.ask = HistogramFamily(
            "skipjack_ask_duration_seconds",
            "Time to start a trial: storage insert plus the sampler's relative sampling.",
            ["study"], LATENCY_BUCKETS,
        )
        self.tell = HistogramFamily(
            "skipjack_tell_duration_seconds",
            "Time to finish a trial in the storage (sampler after_trial included).",
            ["study"], LATENCY_BUCKETS,
        )
        self.objective = HistogramFamily(
            "skipjack_objective_duration_seconds",
            "Duration of the objective function, by the trial's resulting state.",
            ["study", "state"], DURATION_BUCKETS,
        )
        self.storage = HistogramFamily(
            "skipjack_storage_operation_duration_seconds",
            "Latency of storage calls made by this process, by storage method.",
            ["operation"], LATENCY_BUCKETS,
        )
        self._finished: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def count_finished(self, study: str, state: str) -> None:
        """Add one finished trial of ``study`` in ``state``."""
        key = (study, state)
        with self._lock:
            self._finished[key] = self._finished.get(key, 0) + 1

    def collect(self) -> list[Any]:
        """Return the metric families (the ``prometheus_client`` collector protocol)."""
        from prometheus_client.core import CounterMetricFamily

        families = [h.family() for h in (self.ask, self.tell, self.objective, self.storage)]
        counter = CounterMetricFamily(
            "skipjack_worker_trials", "Trials finished by this process, by state.",
            labels=["study", "state"],
        )
        with self._lock:
            items = sorted(self._finished.items())
        for (study, state), n in items:
            counter.add_metric([study, state], n)
        families.append(counter)
        return families

    def describe(self) -> list[Any]:
        """Nothing to describe up front (the families are built at scrape time)."""
        return []


_metrics: WorkerMetrics | None = None
_metrics_lock = threading.Lock()


def worker_metrics() -> WorkerMetrics:
    """Return this process's ``WorkerMetrics`` (created on first use)."""
    global _metrics
    if _metrics is None:
        with _metrics_lock:
            if _metrics is None:
                _metrics = WorkerMetrics()
    return _metrics


def worker_collector() -> WorkerMetrics:
    """The collector to register in a ``prometheus_client`` registry."""
    return worker_metrics()


class MetricsObserver(TrialObserver):
    """Times one trial's ask, objective and tell into ``WorkerMetrics``."""

    __slots__ = ("_m", "_study", "_t")

    def __init__(self, metrics: WorkerMetrics, study: Study) -> None:
        self._m = metrics
        self._study = study.study_name
        self._t = time.perf_counter()

    def after_ask(self, trial: Trial) -> None:
        """Run relative sampling now (as Optuna does at trial start) and time the ask."""
        if trial.relative_search_space:
            trial.relative_params  # noqa: B018 - computed and cached by the property
        now = time.perf_counter()
        self._m.ask.labels(self._study).observe(now - self._t)
        self._t = now

    def objective_start(self) -> None:
        """Start the objective's clock."""
        self._t = time.perf_counter()

    def objective_end(self, state: TrialState | None, error: BaseException | None) -> None:
        """Time the objective."""
        now = time.perf_counter()
        name = "COMPLETE" if state is None else state.name
        self._m.objective.labels(self._study, name).observe(now - self._t)
        self._t = now

    def trial_end(self, frozen: FrozenTrial | None) -> None:
        """Time the tell and count the finished trial."""
        self._m.tell.labels(self._study).observe(time.perf_counter() - self._t)
        if frozen is not None:
            self._m.count_finished(self._study, frozen.state.name)

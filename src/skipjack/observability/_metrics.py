"""In-process (worker) Prometheus metrics: what only the process running trials can see.

Metrics (all labelled by ``study``, except the storage one, labelled by ``operation``):

- ``skipjack_ask_duration_seconds``: creating the trial and the sampler's relative sampling.
- ``skipjack_tell_duration_seconds``: finishing the trial in the storage (``after_trial`` included).
- ``skipjack_objective_duration_seconds`` (also ``state``): the objective call, including the
  independent sampling done inside ``suggest_*``.
- ``skipjack_storage_operation_duration_seconds``: each storage call of the process.
- ``skipjack_worker_trials_total`` (also ``state``): trials this process finished.
- ``skipjack_worker_lost_tells_total``: trials whose result this process could not record
  because another worker had finished them (failed after a missed heartbeat).

Expose them with ``start_metrics_server(port)`` or add ``worker_collector()`` to your own
``prometheus_client`` registry (``registry.register(worker_collector())``).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from skipjack.observability._histogram import (
    DURATION_BUCKETS,
    FOLD_AT,
    LATENCY_BUCKETS,
    HistogramFamily,
)
from skipjack.study._hooks import TrialObserver
from skipjack.study._optimize import lost_tells

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial, TrialState
    from skipjack.study import Study
    from skipjack.trial import Trial

__all__ = ["WorkerMetrics", "StudyMetrics", "MetricsObserver", "worker_metrics",
           "worker_collector"]


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

    def collect(self) -> list[Any]:
        """Return the metric families (the ``prometheus_client`` collector protocol)."""
        from prometheus_client.core import CounterMetricFamily

        families = [h.family() for h in (self.ask, self.tell, self.objective, self.storage)]
        counter = CounterMetricFamily(
            "skipjack_worker_trials", "Trials finished by this process, by state.",
            labels=["study", "state"],
        )
        for (study, state), n, _ in sorted(self.objective.samples()):
            counter.add_metric([study, state], n)
        families.append(counter)
        lost = CounterMetricFamily(
            "skipjack_worker_lost_tells",
            "Trials whose result this process could not record: another worker had finished "
            "them (failed after a missed heartbeat, e.g. during an outage).",
            labels=["study"],
        )
        for study, n in sorted(lost_tells().items()):
            lost.add_metric([study], n)
        families.append(lost)
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


class StudyMetrics:
    """The histogram children of one study, resolved once (no label lookups per trial)."""

    __slots__ = ("metrics", "study", "ask", "tell", "objective")

    def __init__(self, metrics: WorkerMetrics, study: str) -> None:
        self.metrics = metrics
        self.study = study
        self.ask = metrics.ask.labels(study)
        self.tell = metrics.tell.labels(study)
        self.objective: dict[Any, Any] = {}

    def objective_child(self, state: Any) -> Any:
        """The objective-duration child of a final ``TrialState`` (created on first use)."""
        child = self.objective.get(state)
        if child is None:
            child = self.objective[state] = self.metrics.objective.labels(self.study, state.name)
        return child

    def fold_if_large(self) -> None:
        """Fold pending observations once many piled up between scrapes (bounded memory)."""
        if len(self.tell.pending) > FOLD_AT:
            self.ask.fold()
            self.tell.fold()
            for child in list(self.objective.values()):
                child.fold()


class MetricsObserver(TrialObserver):
    """Times one trial's ask, objective and tell into ``WorkerMetrics``.

    The objective duration is recorded at the end, under the trial's final state (a value the
    study rejects turns COMPLETE into FAIL).
    """

    __slots__ = ("_s", "_t", "_objective")

    def __init__(self, study_metrics: StudyMetrics) -> None:
        self._s = study_metrics
        self._t = time.perf_counter()

    def after_ask(self, trial: Trial) -> None:
        """Run relative sampling now (as Optuna does at trial start) and time the ask."""
        if trial.relative_search_space:
            trial.relative_params  # noqa: B018 - computed and cached by the property
        self._s.ask.observe(time.perf_counter() - self._t)

    def objective_start(self) -> None:
        """Start the objective's clock."""
        self._t = time.perf_counter()

    def objective_end(self, state: TrialState | None, error: BaseException | None) -> None:
        """Stop the objective's clock."""
        now = time.perf_counter()
        self._objective = now - self._t
        self._t = now

    def trial_end(self, frozen: FrozenTrial | None) -> None:
        """Record the tell and objective durations."""
        s = self._s
        s.tell.observe(time.perf_counter() - self._t)
        if frozen is not None:
            s.objective_child(frozen.state).observe(self._objective)
            s.fold_if_large()

"""The hooks object skipjack.observability attaches to studies, and the switches that fill it.

One ``ObservabilityHooks`` instance per process holds what is on (metrics, tracing). Turning any of
them on installs it as the global hooks (``skipjack.study._hooks.set_global_hooks``), so every study
created afterwards is instrumented; ``instrument(study)`` attaches it to a study that exists
already. With both metrics and tracing on, each trial gets a small fan-out observer.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from skipjack.observability._metrics import MetricsObserver, StudyMetrics, worker_metrics
from skipjack.observability._timed_storage import TimedStorage, timed_storage
from skipjack.storages import InMemoryStorage
from skipjack.study._hooks import StudyHooks, TrialObserver, set_global_hooks

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial, TrialState
    from skipjack.study import Study
    from skipjack.trial import Trial

__all__ = ["ObservabilityHooks", "hub"]


class _FanOut(TrialObserver):
    __slots__ = ("_observers",)

    def __init__(self, observers: list[TrialObserver]) -> None:
        self._observers = observers

    def after_ask(self, trial: Trial) -> None:
        for o in self._observers:
            o.after_ask(trial)

    def objective_start(self) -> None:
        for o in self._observers:
            o.objective_start()

    def report(self, step: int, value: float) -> None:
        for o in self._observers:
            o.report(step, value)

    def should_prune(self, decision: bool) -> None:
        for o in self._observers:
            o.should_prune(decision)

    def objective_end(self, state: TrialState | None, error: BaseException | None) -> None:
        for o in reversed(self._observers):
            o.objective_end(state, error)

    def tell_start(self) -> None:
        for o in self._observers:
            o.tell_start()

    def trial_end(self, frozen: FrozenTrial | None) -> None:
        for o in reversed(self._observers):
            o.trial_end(frozen)


class ObservabilityHooks(StudyHooks):
    """Metrics and/or tracing for the optimize loop (see ``skipjack.observability``)."""

    def __init__(self) -> None:
        self.metrics = False
        self.time_storage: bool | None = None  # None: time every storage but InMemoryStorage
        self.tracer: Any = None
        self.trace_detail = "full"
        self._lock = threading.Lock()
        self._study_metrics: dict[str, StudyMetrics] = {}

    def _metrics_of(self, study: Study) -> StudyMetrics:
        sm = self._study_metrics.get(study.study_name)
        if sm is None:
            with self._lock:
                sm = self._study_metrics.setdefault(
                    study.study_name, StudyMetrics(worker_metrics(), study.study_name)
                )
        return sm

    @property
    def active(self) -> bool:
        """True when metrics or tracing is on."""
        return self.metrics or self.tracer is not None

    def bind(self, study: Study) -> StudyHooks | None:
        """Attach to ``study``; with metrics on, wrap its storage to time each call."""
        if not self.active:
            return None
        if self.metrics:
            storage = study._storage
            wrap = self.time_storage
            if wrap is None:
                wrap = not isinstance(storage, InMemoryStorage)
            if wrap and not isinstance(storage, TimedStorage):
                study._storage = timed_storage(storage, worker_metrics().storage)
        return self

    def trial_begin(self, study: Study) -> TrialObserver:
        """Return the observer of a new trial."""
        if self.tracer is not None:
            from skipjack.observability._tracing import TraceObserver

            trace = TraceObserver(self.tracer, study, self.trace_detail)
            if self.metrics:
                return _FanOut([MetricsObserver(self._metrics_of(study)), trace])
            return trace
        if self.metrics:
            return MetricsObserver(self._metrics_of(study))
        return TrialObserver()

    def refresh(self) -> None:
        """Install (or remove) these hooks as the global hooks after a switch changed."""
        set_global_hooks(self if self.active else None)


_hub = ObservabilityHooks()


def hub() -> ObservabilityHooks:
    """The process's ``ObservabilityHooks``."""
    return _hub

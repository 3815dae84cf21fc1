"""OpenTelemetry traces of the optimize loop (``opentelemetry-api`` is optional).

One span per trial (``skipjack.trial``) with children ``skipjack.sample`` (ask and the sampler's
relative sampling), ``skipjack.objective`` (the objective call; it is the current span while the
objective runs, so spans the user opens inside nest under the trial), one
``skipjack.report``/``skipjack.should_prune`` span per call, and ``skipjack.tell``.

Attributes: ``skipjack.study`` and ``skipjack.trial.number`` on every span; on the trial span
also ``skipjack.trial.state``, ``skipjack.trial.values`` and ``skipjack.param.<name>`` per
parameter; ``skipjack.step``/``skipjack.value`` on report spans and ``skipjack.prune`` on
should_prune spans. A failing objective records the exception and sets an ERROR status.

With ``detail="trial"`` only the trial span is recorded: it is the current span while the
objective runs (user spans still nest under it), and reports and pruning decisions become span
events. A span of the Python SDK costs tens of microseconds, so this mode is for studies with very
short trials; see docs/operations.md for the measured costs.

Without ``opentelemetry-api`` installed, ``enable_tracing`` raises ImportError with the install
hint, and the environment variable ``SKIPJACK_TRACING=1`` only logs a warning: tracing stays off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skipjack.study._hooks import TrialObserver
from skipjack.version import __version__

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial, TrialState
    from skipjack.study import Study
    from skipjack.trial import Trial

__all__ = ["TraceObserver", "make_tracer"]

_INSTALL_HINT = (
    "Tracing needs the OpenTelemetry API: pip install 'skipjack[tracing]' (or "
    "opentelemetry-api, plus opentelemetry-sdk and an exporter to record spans)."
)


class _Otel:
    """The OpenTelemetry API functions the observers call, looked up once (not per trial)."""

    def __init__(self) -> None:
        from opentelemetry import context, trace
        from opentelemetry.trace import Status, StatusCode

        self.trace = trace
        self.set_span_in_context = trace.set_span_in_context
        self.attach = context.attach
        self.detach = context.detach
        self.Status = Status
        self.ERROR = StatusCode.ERROR


_otel: _Otel | None = None


def make_tracer(tracer_provider: Any = None) -> Any:
    """Return an OpenTelemetry tracer named ``skipjack`` (from ``tracer_provider`` if given).

    Raises:
        ImportError: ``opentelemetry-api`` is not installed (the message says what to install).
    """
    global _otel
    try:
        if _otel is None:
            _otel = _Otel()
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return _otel.trace.get_tracer("skipjack", __version__, tracer_provider=tracer_provider)


_PLAIN = (bool, int, float, str)


def _attr_value(value: Any) -> Any:
    return value if type(value) in _PLAIN or isinstance(value, _PLAIN) else str(value)


class TraceObserver(TrialObserver):
    """Opens and closes the spans of one trial."""

    __slots__ = ("_otel", "_tracer", "_study", "_trial_span", "_trial_ctx", "_span", "_token",
                 "_obj_ctx", "_number", "_full")

    def __init__(self, tracer: Any, study: Study, detail: str = "full") -> None:
        assert _otel is not None, "make_tracer() creates the tracer an observer is given"
        self._otel = _otel
        self._tracer = tracer
        self._study = study.study_name
        self._trial_span = tracer.start_span(
            "skipjack.trial", attributes={"skipjack.study": self._study}
        )
        # A trial span the sampler dropped gets no children: they would be dropped too.
        self._full = detail == "full" and self._trial_span.is_recording()
        self._trial_ctx = _otel.set_span_in_context(self._trial_span)
        self._span = tracer.start_span(
            "skipjack.sample", context=self._trial_ctx, attributes={"skipjack.study": self._study}
        ) if self._full else None
        self._token: Any = None
        self._obj_ctx: Any = None
        self._number = -1

    def after_ask(self, trial: Trial) -> None:
        """Relative sampling happens here; closes the sample span."""
        if trial.relative_search_space:
            trial.relative_params  # noqa: B018 - computed and cached by the property
        self._number = trial.number
        if self._span is not None:
            self._span.set_attribute("skipjack.trial.number", trial.number)
            self._span.end()

    def objective_start(self) -> None:
        """Open the objective span and make it current (user spans nest under it)."""
        if not self._full:
            self._obj_ctx = self._trial_ctx
            self._token = self._otel.attach(self._trial_ctx)
            return
        self._span = self._tracer.start_span(
            "skipjack.objective",
            context=self._trial_ctx,
            attributes={"skipjack.study": self._study, "skipjack.trial.number": self._number},
        )
        self._obj_ctx = self._otel.set_span_in_context(self._span)
        self._token = self._otel.attach(self._obj_ctx)

    def _event_span(self, name: str, attributes: dict[str, Any]) -> None:
        if not self._full:
            self._trial_span.add_event(name, attributes)
            return
        attributes["skipjack.study"] = self._study
        attributes["skipjack.trial.number"] = self._number
        self._tracer.start_span(name, context=self._obj_ctx, attributes=attributes).end()

    def report(self, step: int, value: float) -> None:
        """One span per report."""
        self._event_span("skipjack.report", {"skipjack.step": step, "skipjack.value": value})

    def should_prune(self, decision: bool) -> None:
        """One span per pruning decision."""
        self._event_span("skipjack.should_prune", {"skipjack.prune": decision})

    def objective_end(self, state: TrialState | None, error: BaseException | None) -> None:
        """Close the objective span (with the exception when it failed)."""
        if self._token is not None:
            self._otel.detach(self._token)
            self._token = None
        span = self._span if self._full else self._trial_span
        assert span is not None  # in full detail, the sample span is opened in __init__
        if error is not None and state is not None and state.name == "FAIL":
            span.record_exception(error)
            span.set_status(self._otel.Status(self._otel.ERROR,
                                              f"{type(error).__name__}: {error}"))
        if self._full:
            span.end()

    def tell_start(self) -> None:
        """Open the tell span."""
        if not self._full:
            return
        self._span = self._tracer.start_span(
            "skipjack.tell",
            context=self._trial_ctx,
            attributes={"skipjack.study": self._study, "skipjack.trial.number": self._number},
        )

    def trial_end(self, frozen: FrozenTrial | None) -> None:
        """Close the tell and trial spans, with the trial's state, values and parameters."""
        if self._full and self._span is not None:
            self._span.end()
        span = self._trial_span
        if frozen is None:
            if self._number >= 0:
                span.set_attribute("skipjack.trial.number", self._number)
        elif span.is_recording():
            # One set_attributes call: each SDK call takes a lock and validates what it is given.
            attributes: dict[str, Any] = {
                f"skipjack.param.{name}": _attr_value(value)
                for name, value in frozen.params.items()
            }
            attributes["skipjack.trial.number"] = self._number
            attributes["skipjack.trial.state"] = frozen.state.name
            if frozen.values is not None:
                attributes["skipjack.trial.values"] = [float(v) for v in frozen.values]
            span.set_attributes(attributes)
            if frozen.state.name == "FAIL":
                span.set_status(self._otel.Status(self._otel.ERROR, str(
                    frozen.system_attrs.get("fail_reason", "trial failed"))))
        span.end()

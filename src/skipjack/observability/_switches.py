"""The public switches: metrics, tracing, JSON logs, and attaching them to a study."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from skipjack.logging import _set_json_format, get_logger
from skipjack.observability._hub import hub
from skipjack.observability._metrics import worker_collector

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = [
    "enable_metrics",
    "disable_metrics",
    "start_metrics_server",
    "register_metrics",
    "enable_tracing",
    "disable_tracing",
    "enable_json_logs",
    "disable_json_logs",
    "instrument",
    "apply_environment",
]

_logger = get_logger(__name__)

_METRICS_HINT = (
    "Prometheus metrics need prometheus-client: pip install 'skipjack[metrics]' (or "
    "prometheus-client)."
)


def _require_prometheus() -> Any:
    try:
        import prometheus_client
    except ImportError as e:
        raise ImportError(_METRICS_HINT) from e
    return prometheus_client


def enable_metrics(*, time_storage: bool | None = None) -> None:
    """Record worker metrics for every study created from now on (see ``instrument``).

    Args:
        time_storage: wrap each study's storage to time its calls; None (default) times every
            storage except ``InMemoryStorage``, whose calls are plain dictionary operations.
    """
    h = hub()
    h.metrics = True
    h.time_storage = time_storage
    h.refresh()


def disable_metrics() -> None:
    """Stop recording worker metrics for new studies (collected values are kept)."""
    h = hub()
    h.metrics = False
    h.refresh()


def register_metrics(registry: Any) -> None:
    """Turn metrics on and add the worker collector to a ``prometheus_client`` registry."""
    _require_prometheus()
    enable_metrics(time_storage=hub().time_storage)
    registry.register(worker_collector())


def start_metrics_server(port: int = 9464, addr: str = "0.0.0.0") -> Any:
    """Turn metrics on and serve them at ``http://addr:port/metrics`` from a daemon thread.

    Returns:
        The ``(server, thread)`` pair of ``prometheus_client.start_http_server``; the bound port is
        ``server.server_port`` (pass ``port=0`` for any free port).

    Raises:
        ImportError: prometheus-client is not installed.
        ValueError: ``port`` is not an int in [0, 65535].
    """
    prometheus_client = _require_prometheus()
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(
            f"The 'port' argument of start_metrics_server must be an int in [0, 65535]. "
            f"Got {port!r}."
        )
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(worker_collector())
    enable_metrics(time_storage=hub().time_storage)
    return prometheus_client.start_http_server(port, addr=addr, registry=registry)


def enable_tracing(tracer_provider: Any = None, *, detail: str = "full") -> None:
    """Trace every study created from now on with OpenTelemetry (see ``instrument``).

    Args:
        tracer_provider: the provider to take the tracer from; None uses the global one
            (``opentelemetry.trace.set_tracer_provider``).
        detail: ``"full"``: a trial span with child spans (sample, objective, report,
            should_prune, tell); ``"trial"``: the trial span only, reports and pruning decisions
            as its events (cheaper, for very short trials).

    Raises:
        ImportError: opentelemetry-api is not installed.
        ValueError: ``detail`` is not "full" or "trial".
    """
    from skipjack.observability._tracing import make_tracer

    if detail not in ("full", "trial"):
        raise ValueError(
            f"The 'detail' argument of enable_tracing must be 'full' or 'trial'. Got {detail!r}."
        )
    h = hub()
    h.tracer = make_tracer(tracer_provider)
    h.trace_detail = detail
    h.refresh()


def disable_tracing() -> None:
    """Stop tracing new studies."""
    h = hub()
    h.tracer = None
    h.refresh()


def enable_json_logs() -> None:
    """Write skipjack's log records as JSON lines (study, trial, event, values, ...)."""
    _set_json_format(True)


def disable_json_logs() -> None:
    """Go back to the text log format."""
    _set_json_format(False)


def instrument(study: Study) -> Study:
    """Attach the metrics/tracing that are on to ``study`` (created before they were turned on).

    Returns:
        ``study``, for chaining.
    """
    study._hooks = hub().bind(study)
    return study


def apply_environment() -> None:
    """Apply ``SKIPJACK_METRICS_PORT``, ``SKIPJACK_TRACING`` and ``SKIPJACK_LOG_FORMAT``.

    Called once, when the first study is created with one of them set. A missing optional
    package is logged as a warning instead of failing the study.
    """
    if os.environ.get("SKIPJACK_LOG_FORMAT", "").lower() == "json":
        enable_json_logs()
    port = os.environ.get("SKIPJACK_METRICS_PORT")
    if port:
        try:
            start_metrics_server(int(port))
        except (ImportError, ValueError, OSError) as e:
            _logger.warning(f"SKIPJACK_METRICS_PORT={port!r} ignored: {e}")
    tracing = os.environ.get("SKIPJACK_TRACING", "").lower()
    if tracing not in ("", "0", "false", "no"):
        try:
            enable_tracing(detail="trial" if tracing == "trial" else "full")
        except ImportError as e:
            _logger.warning(f"SKIPJACK_TRACING ignored: {e}")

"""Operations: Prometheus metrics, OpenTelemetry traces and JSON logs of studies.

- Worker metrics (``start_metrics_server(port)``, ``register_metrics(registry)``): ask, tell,
  objective and storage-call latencies of this process.
- The exporter (``skipjack metrics --storage URL``, ``StudyExporter``): per-study figures read
  from any storage, so no worker code changes.
- Traces (``enable_tracing()`` or ``SKIPJACK_TRACING=1``): a span per trial with children.
- JSON logs (``enable_json_logs()`` or ``SKIPJACK_LOG_FORMAT=json``).

Guide: ``docs/operations.md``. prometheus-client and opentelemetry-api are optional
(``pip install 'skipjack[metrics,tracing]'``).
"""

from skipjack.observability._exporter import StudyExporter, serve_exporter
from skipjack.observability._metrics import WorkerMetrics, worker_collector
from skipjack.observability._switches import (
    disable_json_logs,
    disable_metrics,
    disable_tracing,
    enable_json_logs,
    enable_metrics,
    enable_tracing,
    instrument,
    register_metrics,
    start_metrics_server,
)
from skipjack.observability._timed_storage import TimedStorage

__all__ = [
    "StudyExporter",
    "TimedStorage",
    "WorkerMetrics",
    "disable_json_logs",
    "disable_metrics",
    "disable_tracing",
    "enable_json_logs",
    "enable_metrics",
    "enable_tracing",
    "instrument",
    "register_metrics",
    "serve_exporter",
    "start_metrics_server",
    "worker_collector",
]

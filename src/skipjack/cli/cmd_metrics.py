"""``skipjack metrics``: serve Prometheus figures of every study of a storage.

``skipjack metrics --storage URL --port 9464`` serves ``/metrics`` until interrupted;
``--once`` prints one scrape to stdout and exits (for cron jobs and checks). The metrics are
listed in ``skipjack.observability._exporter``.
"""

from __future__ import annotations

import argparse

from skipjack.cli._common import (
    add_storage_argument,
    serve_until_interrupted,
    storage_from_args,
)
from skipjack.exceptions import CLIUsageError

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    try:
        import prometheus_client
    except ImportError:
        raise CLIUsageError(
            "skipjack metrics needs prometheus-client: pip install 'skipjack[metrics]'."
        ) from None
    from skipjack.observability import StudyExporter, serve_exporter

    storage = storage_from_args(args)
    if args.window <= 0:
        raise CLIUsageError(f"--window must be > 0 seconds; got {args.window}.")
    if args.once:
        registry = prometheus_client.CollectorRegistry(auto_describe=False)
        registry.register(StudyExporter(storage, window=args.window))
        print(prometheus_client.generate_latest(registry).decode(), end="")
        return 0
    server, _ = serve_exporter(storage, port=args.port, addr=args.addr, window=args.window)
    banner = f"skipjack metrics: serving http://{args.addr}:{server.server_port}/metrics"
    return serve_until_interrupted(server, banner)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``metrics`` command."""
    parser = subparsers.add_parser(
        "metrics", help="serve Prometheus metrics of every study of a storage"
    )
    add_storage_argument(parser)
    parser.add_argument("--port", type=int, default=9464, help="port to listen on (9464)")
    parser.add_argument("--addr", default="0.0.0.0", help="address to bind (0.0.0.0)")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which trials finished per second is computed (60)")
    parser.add_argument("--once", action="store_true",
                        help="print one scrape to stdout and exit")
    parser.set_defaults(func=_run)

"""``skipjack metrics``: serve Prometheus figures of every study of a storage.

``skipjack metrics --storage URL [--host 127.0.0.1] [--port 9464]`` serves ``/metrics`` until
interrupted (on this machine only unless ``--host`` names another address, e.g. ``0.0.0.0`` for
a scraper on another host); ``--once`` prints one scrape to stdout and exits (for cron jobs and
checks). The metrics are listed in ``skipjack.observability._exporter``.
"""

from __future__ import annotations

import argparse

from skipjack.cli._common import (
    add_command,
    add_host_port,
    listen_error,
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

    if args.window <= 0:
        raise CLIUsageError(f"--window must be > 0 seconds; got {args.window}.")
    storage = storage_from_args(args)
    if args.once:
        registry = prometheus_client.CollectorRegistry(auto_describe=False)
        registry.register(StudyExporter(storage, window=args.window))
        print(prometheus_client.generate_latest(registry).decode(), end="")
        return 0
    try:
        server, _ = serve_exporter(storage, port=args.port, addr=args.host, window=args.window)
    except OSError as e:
        raise listen_error(args.host, args.port, e) from None
    banner = f"skipjack metrics: serving http://{args.host}:{server.server_port}/metrics"
    return serve_until_interrupted(server, banner)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``metrics`` command."""
    parser = add_command(subparsers, "metrics",
                         "serve Prometheus metrics of every study of a storage", _run)
    add_host_port(parser, 9464, host_help="address to bind (default 127.0.0.1, this machine "
                  "only; 0.0.0.0 for a scraper on another host)")
    parser.add_argument("--addr", dest="host", help=argparse.SUPPRESS)
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which trials finished per second is computed (60)")
    parser.add_argument("--once", action="store_true",
                        help="print one scrape to stdout and exit")

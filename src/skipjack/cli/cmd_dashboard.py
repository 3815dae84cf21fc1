"""``skipjack dashboard``: a read-only web view of every study of a storage.

``skipjack dashboard --storage URL [--host 127.0.0.1] [--port 8080]`` serves it until
interrupted; ``--export DIR`` writes the pages as static files instead and exits. See
``skipjack.dashboard``.
"""

from __future__ import annotations

import argparse

from skipjack.cli._common import (
    add_storage_argument,
    serve_until_interrupted,
    storage_from_args,
)

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from skipjack.dashboard import export_dashboard, serve_dashboard

    storage = storage_from_args(args)
    if args.export:
        written = export_dashboard(storage, args.export)
        print(f"skipjack dashboard: wrote {len(written)} files to {args.export}", flush=True)
        return 0
    server, _ = serve_dashboard(storage, host=args.host, port=args.port)
    banner = f"skipjack dashboard: serving http://{args.host}:{server.server_port}/"
    return serve_until_interrupted(server, banner)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dashboard`` command."""
    parser = subparsers.add_parser("dashboard", help="serve a read-only web dashboard of a storage")
    add_storage_argument(parser)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (127.0.0.1; the dashboard has no authentication)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    parser.add_argument("--export", metavar="DIR", default=None,
                        help="write the pages as static files into DIR and exit")
    parser.set_defaults(func=_run)

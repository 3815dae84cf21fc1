"""``skipjack dashboard``: a live web view of every study of a storage.

``skipjack dashboard --storage URL [--host 127.0.0.1] [--port 8080] [--token T] [--read-only]
[--artifacts DIR]`` serves it until interrupted; ``--export DIR`` writes static pages instead and
exits. See ``skipjack.dashboard`` and ``docs/dashboard.md``. On an address other than loopback a
token is required: ``--token``, ``SKIPJACK_DASHBOARD_TOKEN``, or one generated and printed at start.
"""

from __future__ import annotations

import argparse
import os
import secrets

from skipjack.cli._common import (
    add_command,
    add_host_port,
    listen_error,
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
    from skipjack.dashboard._server import is_loopback

    token = args.token or os.environ.get("SKIPJACK_DASHBOARD_TOKEN") or None
    generated = token is None and not is_loopback(args.host)
    if generated:
        token = secrets.token_urlsafe(24)
    store = None
    if args.artifacts:
        from skipjack.artifacts import FileSystemArtifactStore

        store = FileSystemArtifactStore(args.artifacts)
    try:
        server = serve_dashboard(storage, host=args.host, port=args.port, token=token,
                                 read_only=args.read_only, artifact_store=store)
    except OSError as e:
        raise listen_error(args.host, args.port, e) from None
    url = f"http://{args.host}:{server.server_port}/"
    banner = f"skipjack dashboard: serving {url}"
    if generated:
        banner += f" (open {url}?token={token} ; generated token, as {args.host} is not loopback)"
    elif token is not None:
        banner += " (token required)"
    if args.read_only:
        banner += " [read-only]"
    return serve_until_interrupted(server, banner)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dashboard`` command."""
    parser = add_command(subparsers, "dashboard", "serve a web dashboard of a storage", _run)
    add_host_port(parser, 8080, host_help="address to bind (default 127.0.0.1, this machine "
                  "only); another address requires a token")
    parser.add_argument("--token", default=None,
                        help="token every request must carry (default: SKIPJACK_DASHBOARD_TOKEN; "
                             "generated and printed when --host is not loopback)")
    parser.add_argument("--read-only", action="store_true",
                        help="refuse every write (notes, telling a trial, the pruning pause)")
    parser.add_argument("--artifacts", metavar="DIR", default=None,
                        help="artifact store directory, to list and download trial artifacts")
    parser.add_argument("--export", metavar="DIR", default=None,
                        help="write the pages as static files into DIR and exit")

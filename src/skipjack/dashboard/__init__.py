"""The web dashboard: every study of a storage, live, in a browser.

``skipjack dashboard --storage URL`` (or ``serve_dashboard(storage)``; ``create_app(storage)`` for
any ASGI server) serves a single-page front-end (shipped in the package, plotly.js from the
plotly wheel) over a JSON API described at ``/openapi.json``: studies, a server-side paged and
filtered trials table, a page per trial, plots aggregated on the server, live updates by
server-sent events from the storage's incremental read, on-call / health / pruning / comparison
views, and notes and tell (refused with ``read_only=True``). Needs
``pip install 'skipjack[dashboard]'`` (FastAPI, uvicorn). Guide: ``docs/dashboard.md``.

``export_dashboard(storage, directory)`` writes static HTML pages instead (e.g. a CI artifact).
"""

from __future__ import annotations

from typing import Any

from skipjack.dashboard._export import export_dashboard
from skipjack.dashboard._server import serve_dashboard

__all__ = ["create_app", "export_dashboard", "serve_dashboard"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """See ``skipjack.dashboard._app.create_app`` (imports FastAPI on first use)."""
    from skipjack.dashboard._app import create_app as factory

    return factory(*args, **kwargs)

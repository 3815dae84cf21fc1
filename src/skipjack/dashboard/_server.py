"""The dashboard's HTTP server (standard library ``http.server``, one thread per request)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from skipjack.dashboard._pages import Dashboard, plotly_js_path
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.storages import BaseStorage

__all__ = ["serve_dashboard"]

_logger = get_logger(__name__)


def serve_dashboard(
    storage: BaseStorage | str, host: str = "127.0.0.1", port: int = 8080
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve the dashboard of ``storage`` (a storage or its URL) in a background thread.

    Returns the server (``server.server_port`` is the port, useful with ``port=0``) and its
    thread; ``server.shutdown()`` stops it. Binds to 127.0.0.1 by default: the dashboard has no
    authentication, so expose it beyond the host only behind a proxy that has.
    """
    if isinstance(storage, str):
        from skipjack.storages import get_storage

        storage = get_storage(storage)
    dashboard = Dashboard(storage)

    class Handler(_Handler):
        dash = dashboard

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="skipjack-dashboard", daemon=True)
    thread.start()
    return server, thread


class _Handler(BaseHTTPRequestHandler):
    dash: Dashboard

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        query = urllib.parse.parse_qs(url.query)
        try:
            self._route(parts, query)
        except KeyError as error:
            self._send(404, "text/plain; charset=utf-8", str(error.args[0]).encode())
        except ValueError as error:
            self._send(400, "text/plain; charset=utf-8", str(error).encode())
        except Exception as error:  # noqa: BLE001 - report, keep serving
            _logger.warning(f"Dashboard: {self.path} failed: {error!r}")
            self._send(500, "text/plain; charset=utf-8", f"Internal error: {error!r}".encode())

    def _route(self, parts: list[str], query: dict[str, list[str]]) -> None:
        dash = self.dash
        if not parts:
            self._html(dash.index_page())
        elif parts[0] == "study" and len(parts) == 2:
            self._html(dash.study_page(parts[1]))
        elif parts == ["static", "plotly.min.js"]:
            path = plotly_js_path()
            if path is None:
                raise KeyError("plotly is not installed: pip install 'skipjack[visualization]'.")
            with open(path, "rb") as f:
                self._send(200, "application/javascript", f.read(), cache=True)
        elif parts == ["api", "studies"]:
            self._json(dash.summaries())
        elif parts[:2] == ["api", "studies"] and len(parts) == 3:
            study = dash.study(parts[2])
            self._json({"summary": dash.summary(study), "health": dash.health(study)})
        elif parts[:2] == ["api", "studies"] and len(parts) == 4 and parts[3] == "trials":
            since_text = query.get("since", ["0"])[-1]
            try:
                since = int(since_text)
            except ValueError:
                raise ValueError(f"'since' must be a trial number; got {since_text!r}.") from None
            self._json(dash.trials(dash.study(parts[2]), since))
        else:
            raise KeyError(f"No page {self.path!r}. Pages: /, /study/<name>, /api/studies, "
                           "/api/studies/<name>, /api/studies/<name>/trials?since=N.")

    def _html(self, text: str) -> None:
        self._send(200, "text/html; charset=utf-8", text.encode())

    def _json(self, value: Any) -> None:
        self._send(200, "application/json", json.dumps(value).encode())

    def _send(self, status: int, kind: str, body: bytes, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=86400" if cache else "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib signature
        _logger.debug("dashboard: " + format % args)

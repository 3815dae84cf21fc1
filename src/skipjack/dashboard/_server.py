"""The dashboard's HTTP server (standard library ``http.server``, one thread per request)."""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import socket
import threading
import urllib.parse
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from skipjack.dashboard._pages import Dashboard, plotly_js_path
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.storages import BaseStorage

__all__ = ["serve_dashboard", "is_loopback"]

_logger = get_logger(__name__)

_COOKIE = "skipjack_dashboard_token"


def is_loopback(host: str) -> bool:
    """True if ``host`` names only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def serve_dashboard(
    storage: BaseStorage | str,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    token: str | None = None,
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve the dashboard of ``storage`` (a storage or its URL) in a background thread.

    Returns the server (``server.server_port`` is the port, useful with ``port=0``) and its
    thread; ``server.shutdown()`` stops it.

    Args:
        token: if given, every request must carry it: ``Authorization: Bearer <token>``, or the
            cookie the dashboard sets when a browser first opens ``/?token=<token>``. Required
            when ``host`` is not a loopback address, so the studies are never served to the
            network without authentication. Use HTTPS in front (a reverse proxy) when the
            network is not trusted: the token travels in clear over plain HTTP.

    Raises:
        ValueError: ``host`` is not loopback and no token is given, or the token is too short.
    """
    if token is not None and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,}", token):
        raise ValueError(
            "The dashboard token must be at least 16 characters long, of letters, digits and "
            "._~+/=- only (it goes into a cookie); generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe())'."
        )
    if token is None and not is_loopback(host):
        raise ValueError(
            f"Serving the dashboard on {host!r} exposes every study to the network: pass "
            "token=... (CLI: --token or SKIPJACK_DASHBOARD_TOKEN), or bind to 127.0.0.1."
        )
    if isinstance(storage, str):
        from skipjack.storages import get_storage

        storage = get_storage(storage)
    dashboard = Dashboard(storage)

    class Handler(_Handler):
        dash = dashboard
        secret = token

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="skipjack-dashboard", daemon=True)
    thread.start()
    return server, thread


class _Handler(BaseHTTPRequestHandler):
    dash: Dashboard
    secret: str | None = None

    def _authorized(self, url: urllib.parse.SplitResult, query: dict[str, list[str]]) -> bool:
        """Check the token; a correct ``?token=`` sets the cookie and redirects without it."""
        secret = self.secret
        if secret is None:
            return True
        expected = secret.encode()
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), expected):
            return True
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        morsel = cookie.get(_COOKIE)
        if morsel is not None and hmac.compare_digest(morsel.value.encode(), expected):
            return True
        given = query.get("token", [""])[-1]
        if given and hmac.compare_digest(given.encode(), expected):
            rest = urllib.parse.urlencode(
                [(k, v) for k, vs in query.items() if k != "token" for v in vs])
            self.send_response(303)
            self.send_header("Location", url.path + (f"?{rest}" if rest else ""))
            self.send_header("Set-Cookie",
                             f"{_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        self._send(401, "text/plain; charset=utf-8", (
            "This dashboard needs its token: open /?token=<token> in a browser once, or send "
            "the header 'Authorization: Bearer <token>'.").encode())
        return False

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        query = urllib.parse.parse_qs(url.query)
        if not self._authorized(url, query):
            return
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

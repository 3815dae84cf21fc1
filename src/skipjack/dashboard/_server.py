"""Serving the dashboard: uvicorn in a background thread (``serve_dashboard``).

uvicorn's access log is off: request lines would carry ``?token=`` when a browser first opens the
dashboard, and the token must never reach a log.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skipjack.artifacts import ArtifactStore
    from skipjack.storages import BaseStorage

__all__ = ["serve_dashboard", "is_loopback", "DashboardServer", "check_token"]

_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")


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


def check_token(host: str, token: str | None) -> None:
    """Raise ValueError for a malformed token, or for no token on a non-loopback ``host``."""
    if token is not None and not _TOKEN.fullmatch(token):
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


class DashboardServer:
    """A running dashboard: ``server_port``, ``url`` and ``shutdown()``."""

    def __init__(self, server: Any, thread: threading.Thread, host: str) -> None:
        self._server = server
        self.thread = thread
        self.host = host

    @property
    def server_port(self) -> int:
        for s in self._server.servers:
            for sock in s.sockets:
                return int(sock.getsockname()[1])
        raise RuntimeError("The dashboard server is not listening.")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.server_port}/"

    def shutdown(self) -> None:
        self._server.should_exit = True
        self.thread.join(timeout=10)


def serve_dashboard(
    storage: BaseStorage | str,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    token: str | None = None,
    read_only: bool = False,
    artifact_store: ArtifactStore | None = None,
) -> DashboardServer:
    """Serve the dashboard of ``storage`` (a storage or its URL) from a background thread.

    Returns the running server (``server.server_port`` is the port, useful with ``port=0``);
    ``server.shutdown()`` stops it. Needs ``pip install 'skipjack[dashboard]'``.

    Args:
        token: if given, every request must carry it: ``Authorization: Bearer <token>``, or the
            cookie the dashboard sets when a browser first opens ``/?token=<token>``. Required
            when ``host`` is not a loopback address, so the studies are never served to the
            network without authentication. Use HTTPS in front (a reverse proxy) when the
            network is not trusted: the token travels in clear over plain HTTP.
        read_only: refuse every write (notes, telling a trial, the pruning pause switch).
        artifact_store: the store of the trials' artifacts, to list and download them.

    Raises:
        ValueError: ``host`` is not loopback and no token is given, or the token is malformed.
        ImportError: the ``dashboard`` extra is not installed.
    """
    check_token(host, token)
    try:
        import uvicorn
    except ImportError:
        raise ImportError("The dashboard needs FastAPI and uvicorn: "
                          "pip install 'skipjack[dashboard]'.") from None
    from skipjack.dashboard._app import create_app

    app = create_app(storage, artifact_store=artifact_store, read_only=read_only, token=token,
                     prewarm=True)
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                            lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="skipjack-dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise OSError(f"The dashboard could not listen on {host}:{port} (see the log above; "
                          "is the port in use? try another --port).")
        if time.monotonic() > deadline:
            raise TimeoutError("The dashboard server did not start within 30 s.")
        time.sleep(0.01)
    return DashboardServer(server, thread, host)

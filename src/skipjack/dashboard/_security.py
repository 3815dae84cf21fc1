"""The dashboard's guard: security headers, the access token, CSRF on writes (one ASGI middleware).

- **Headers on every response**: a Content-Security-Policy that allows only the dashboard's own
  scripts (no inline script, no other origin), ``X-Frame-Options: DENY``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``; API answers are
  ``Cache-Control: no-store``.
- **Token** (when one is set): every request carries it as ``Authorization: Bearer <token>`` or in
  the HttpOnly cookie set when a browser first opens ``/?token=<token>`` (answered by a redirect
  to the same page without the token, so it leaves the address bar and the history).
- **CSRF**: a write (any method but GET/HEAD/OPTIONS) from a browser must carry the header
  ``X-Skipjack-CSRF`` equal to the ``skipjack_csrf`` cookie (double submit; the cookie is
  SameSite=Strict), and its ``Origin``, when sent, must be this server. A request authenticated
  by the ``Authorization`` header is not a browser's ambient credential and needs no CSRF token.
"""

from __future__ import annotations

import hmac
import json
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

__all__ = ["Guard", "TOKEN_COOKIE", "CSRF_COOKIE", "CSRF_HEADER", "SECURITY_HEADERS"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "skipjack_dashboard_token"
CSRF_COOKIE = "skipjack_csrf"
CSRF_HEADER = "x-skipjack-csrf"
_SAFE = {"GET", "HEAD", "OPTIONS"}

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
     b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header counts as no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """ASGI middleware: headers on every response, token check, CSRF check on writes."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        api = path.startswith("/api/") or path == "/openapi.json"
        new_csrf: str | None = None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if api and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if new_csrf is not None:
                    headers.append((b"set-cookie", (f"{CSRF_COOKIE}={new_csrf}; SameSite=Strict;"
                                                    " Path=/").encode()))
                message["headers"] = headers
            await send(message)

        headers = _headers(scope)
        cookies = _cookies(headers)
        bearer = False
        if self.token is not None:
            auth = headers.get("authorization", "")
            bearer = auth.startswith("Bearer ") and _same(auth[7:], self.token)
            if not bearer and not _same(cookies.get(TOKEN_COOKIE, ""), self.token):
                query = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"))
                given = [v for k, v in query if k == "token"]
                if given and _same(given[-1], self.token) and scope["method"] in _SAFE:
                    rest = urllib.parse.urlencode([(k, v) for k, v in query if k != "token"])
                    location = path + (f"?{rest}" if rest else "")
                    await _reply(send_with_headers, 303, b"", [
                        (b"location", location.encode("latin-1")),
                        (b"set-cookie", (f"{TOKEN_COOKIE}={self.token}; HttpOnly; "
                                         "SameSite=Strict; Path=/").encode())])
                    return
                await _json(send_with_headers, 401, {"detail": (
                    "This dashboard needs its token: open /?token=<token> in a browser once, or "
                    "send the header 'Authorization: Bearer <token>'.")})
                return
        if scope["method"] not in _SAFE and not bearer:
            problem = _csrf_problem(headers, cookies)
            if problem is not None:
                await _json(send_with_headers, 403, {"detail": problem})
                return
        if scope["method"] in _SAFE and CSRF_COOKIE not in cookies:
            new_csrf = secrets.token_urlsafe(24)
        await self.app(scope, receive, send_with_headers)


def _csrf_problem(headers: dict[str, str], cookies: dict[str, str]) -> str | None:
    origin = headers.get("origin")
    host = headers.get("host", "")
    if origin is not None and origin != "null":
        if urllib.parse.urlsplit(origin).netloc != host:
            return "Cross-origin write refused: the request's Origin is not this dashboard."
    cookie = cookies.get(CSRF_COOKIE, "")
    given = headers.get(CSRF_HEADER, "")
    if not cookie or not given or not _same(cookie, given):
        return ("Write refused: missing or wrong CSRF token. Send the header X-Skipjack-CSRF with "
                "the value of the skipjack_csrf cookie (the dashboard's pages do), or authenticate "
                "with 'Authorization: Bearer <token>'.")
    return None


async def _reply(send: Send, status: int, body: bytes,
                 headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, value: Any) -> None:
    await _reply(send, status, json.dumps(value).encode(),
                 [(b"content-type", b"application/json")])

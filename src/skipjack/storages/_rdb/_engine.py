"""Connections: URL handling, engine set-up per backend, transactions, retries and clear errors.

Every connection runs in driver-level autocommit; a single statement is its own transaction (one
round trip), and multi-statement transactions are opened explicitly with ``BEGIN`` (``BEGIN
IMMEDIATE`` for SQLite writes, so that a writer takes the database lock before it reads and never
fails with a stale snapshot). MySQL sessions use READ COMMITTED, which avoids the gap locks that
make concurrent inserts deadlock under REPEATABLE READ.

Transient errors (lock timeouts, deadlocks, serialization failures, a dropped connection) are
retried with exponential backoff; after the last attempt a ``StorageInternalError`` says what
failed. A server that cannot be reached at all raises a ``StorageInternalError`` naming the host
and port, with the password masked.

A reply that never comes (a black hole: a NAT or firewall that forgets the connection without a
reset, a proxy that swallows the bytes) is bounded by ``reply_timeout()``
(``$SKIPJACK_REPLY_TIMEOUT``, default 60 s): PyMySQL gets it as its read and write timeouts;
psycopg has no read timeout, so a watchdog thread (``_ReplyWatch``) shuts down the socket of a
call that has waited longer, and libpq's TCP keepalives and ``tcp_user_timeout`` catch a dead
peer at the TCP level. Either way the call sees a lost connection, which is retried on a new one.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from skipjack.exceptions import StorageInternalError
from skipjack.logging import get_logger
from skipjack.storages._url import (
    CONNECT_TIMEOUT_VAR,
    connect_timeout,
    env_seconds,
    mask_password,
)

__all__ = [
    "Database",
    "normalize_url",
    "create_engine",
    "transaction",
    "with_retries",
    "describe_server",
    "is_transient",
    "is_permanent",
    "permanent_error",
    "unreachable_error",
    "RETRY_ATTEMPTS",
    "cached",
    "reply_timeout",
    "REPLY_TIMEOUT_VAR",
]

_logger = get_logger(__name__)

_ENGINE_LOCKS: weakref.WeakKeyDictionary[Engine, Any] = weakref.WeakKeyDictionary()
_NO_LOCK = contextlib.nullcontext()

T = TypeVar("T")

RETRY_ATTEMPTS = 12  # for locks, deadlocks and conflicts; connections wait connect_timeout()
_BACKOFF_BASE = 0.02
_BACKOFF_MAX = 2.0
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Markers of errors worth retrying: lock waits, deadlocks, serialization failures, lost connections.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "08000", "08003",
                        "08006", "08001", "08004"}
# MySQL/MariaDB: 1205 lock wait timeout, 1213 deadlock, 1020 record changed, 1412 table definition
# changed, 1467 failed to read auto-increment value (MariaDB, under concurrent inserts), 1180/1181
# commit/rollback failed, 1614 XA branch rolled back, 1637 too many transactions, 1040 too many
# connections, 1053 shutdown in progress, 1158-1161 network read/write errors and timeouts, 1927
# connection killed, 2002/2003 cannot connect, 2006 gone away, 2013 lost connection, 4031
# disconnected for inactivity.
_TRANSIENT_MYSQL_CODES = {1020, 1040, 1053, 1158, 1159, 1160, 1161, 1180, 1181, 1205, 1213, 1412,
                          1467, 1614, 1637, 1927, 2002, 2003, 2006, 2013, 4031}
# Connection-level errors that waiting cannot cure: they fail at once with a clear message.
_PERMANENT_SQLSTATES = {"28000", "28P01", "3D000", "42501"}
_PERMANENT_MYSQL_CODES = {1044, 1045, 1049, 1698, 2005}
_PERMANENT_TEXT = ("password authentication failed", "access denied", "unknown database",
                   "unable to open database file", "file is not a database",
                   "name or service not known", "could not translate host",
                   "nodename nor servname", "unknown mysql server host", "no such host",
                   "authentication failed", 'role "', "database disk image is malformed")
# A host name that does not resolve (not "temporary failure in name resolution": a DNS outage).
_UNKNOWN_HOST_TEXT = ("name or service not known", "nodename nor servname", "no such host",
                      "could not translate host name", "unknown mysql server host",
                      "no address associated with hostname")
_TRANSIENT_TEXT = ("database is locked", "database table is locked", "deadlock",
                   "failed to read auto-increment value",
                   "lock wait timeout", "could not serialize", "server closed the connection",
                   "connection refused", "lost connection", "gone away", "connection reset",
                   "terminating connection", "the database system is starting up",
                   "the database system is shutting down", "consuming input failed")


_POOL_SIZING = ("pool_size", "max_overflow", "pool_timeout", "pool_use_lifo")

REPLY_TIMEOUT_VAR = "SKIPJACK_REPLY_TIMEOUT"
DEFAULT_REPLY_TIMEOUT = 60.0
PG_CONNECT_TIMEOUT = 10  # seconds libpq waits for one new connection (PyMySQL's default is 10 too)
_PG_DRIVERS = ("psycopg", "psycopg2")
_MYSQL_DRIVERS = ("pymysql", "mysqldb")


def reply_timeout() -> float | None:
    """Seconds a call waits for the database server's reply before its connection is taken as
    lost and the call is retried on a new one (``$SKIPJACK_REPLY_TIMEOUT``, default 60; 0 turns
    the limit off). Not for SQLite (a local file: its lock waits have their own busy timeout).

    Raises:
        ValueError: the variable is set but is not a number >= 0.
    """
    value = env_seconds(REPLY_TIMEOUT_VAR, DEFAULT_REPLY_TIMEOUT, "e.g. 60; 0 turns the limit off",
                        finite=True)
    return value or None


def _reply_connect_args(driver: str, connect_args: dict[str, Any], limit: float | None) -> None:
    """Default connect arguments that bound a wait for the server (the user's own win)."""
    if driver in _PG_DRIVERS:
        connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT)
        if limit is not None:
            # libpq: a peer that stops acknowledging (data unacknowledged for the limit) or
            # answering keepalive probes (after ~2/3 of the limit idle) ends the connection.
            connect_args.setdefault("keepalives", 1)
            connect_args.setdefault("keepalives_idle", max(1, int(limit // 3)))
            connect_args.setdefault("keepalives_interval", max(1, int(limit // 9)))
            connect_args.setdefault("keepalives_count", 3)
            if _libpq_version(driver) >= 120000:  # libpq 12 added tcp_user_timeout
                connect_args.setdefault("tcp_user_timeout", int(limit * 1000))
    elif driver in _MYSQL_DRIVERS and limit is not None:
        connect_args.setdefault("read_timeout", max(1, int(round(limit))))
        connect_args.setdefault("write_timeout", max(1, int(round(limit))))


def _libpq_version(driver: str) -> int:
    try:
        if driver == "psycopg":
            import psycopg

            return int(psycopg.pq.version())
        import psycopg2.extensions  # type: ignore[import-not-found,import-untyped,unused-ignore]

        return int(psycopg2.extensions.libpq_version())
    except Exception:  # noqa: BLE001 - driver missing: the engine's own ImportError says so
        return 0


class _ReplyWatch:
    """Ends the PostgreSQL connections whose call has waited too long for a reply.

    psycopg waits for a reply without a limit. A call registers its DBAPI connection with a
    deadline (``begin``) and unregisters when it returns (``end``); a daemon thread, started with
    the first call, shuts down (``shutdown(2)``, both directions) the socket of a call still
    registered past its deadline. The driver then sees a closed connection, SQLAlchemy
    invalidates it, and ``with_retries`` retries the call on a new connection, as after a server
    restart. The cost per call is one lock and one dictionary entry.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """A fresh state (also in a forked child: the parent's thread and lock are not its own)."""
        self._lock = threading.Lock()
        self._calls: dict[int, tuple[float, float, Any, str]] = {}
        self._next = 0
        self._tick = 1.0
        self._thread: threading.Thread | None = None

    def begin(self, dbapi_connection: Any, limit: float, where: str) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            self._calls[token] = (time.monotonic() + limit, limit, dbapi_connection, where)
            if limit / 4 < self._tick:
                self._tick = max(0.05, limit / 4)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="skipjack-reply-watch")
                self._thread.start()
        return token

    def end(self, token: int) -> None:
        with self._lock:
            self._calls.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(self._tick)
            now = time.monotonic()
            with self._lock:
                expired = [(t, call) for t, call in self._calls.items() if call[0] <= now]
                for token, (_, limit, connection, where) in expired:
                    del self._calls[token]
                    if _shut_down(connection):
                        _logger.warning(
                            f"No reply from the {where} for {limit:g} s: closing the connection "
                            f"and retrying on a new one (${REPLY_TIMEOUT_VAR} sets the limit)."
                        )


def _shut_down(dbapi_connection: Any) -> bool:
    try:
        fd = dbapi_connection.fileno()
        sock = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)  # a duplicate of the fd
    except Exception:  # noqa: BLE001 - closed meanwhile: nothing to end
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
        return True
    except OSError:
        return False
    finally:
        sock.close()


_REPLY_WATCH = _ReplyWatch()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_REPLY_WATCH._reset)
_REPLY_LIMITS: weakref.WeakKeyDictionary[Engine, tuple[float, str]] = weakref.WeakKeyDictionary()


def _watch_pings(engine: Engine, limit: float, where: str) -> None:
    """Bound the pool's pre-ping (a ``SELECT 1`` on checkout) by the reply limit too."""
    original = engine.dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        token = _REPLY_WATCH.begin(dbapi_connection, limit, where)
        try:
            return bool(original(dbapi_connection))
        finally:
            _REPLY_WATCH.end(token)

    setattr(engine.dialect, "do_ping", do_ping)  # noqa: B010 - this engine's own dialect


def normalize_url(url: str) -> str:
    """Return ``url`` with the driver skipjack uses for its backend.

    ``postgresql://`` and ``postgres://`` map to psycopg 3, ``mysql://`` and ``mariadb://`` to PyMySQL;
    an explicit driver (``postgresql+psycopg2://``) is kept.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(
            f"The 'url' argument of RDBStorage must look like sqlite:///file.db or "
            f"postgresql://user@host/db. Got {mask_password(url)!r}."
        )
    base = scheme.split("+", 1)[0].lower()
    if "+" in scheme:
        return url
    if base in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if base in ("mysql", "mariadb"):
        return f"mysql+pymysql://{rest}"
    return url


def describe_server(url: sa.engine.URL) -> str:
    """A short, password-free description of where ``url`` points ("host:port/db")."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    default_port = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(
        url.get_backend_name()
    )
    port = url.port or default_port
    return f"{url.get_backend_name()} server at host {url.host or 'localhost'} port {port}, " \
           f"database {url.database!r}"


def create_engine(url: str, engine_kwargs: dict[str, Any] | None) -> Engine:
    """Create the engine for ``url`` with skipjack's settings for its backend."""
    kwargs = dict(engine_kwargs or {})
    kwargs.setdefault("isolation_level", "AUTOCOMMIT")
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    memory = False
    limit: float | None = None
    if backend == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", {}) or {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        kwargs["connect_args"] = connect_args
        if parsed.database in (None, "", ":memory:"):
            kwargs.setdefault("poolclass", sa.pool.StaticPool)
            memory = True
            if kwargs["poolclass"] is sa.pool.StaticPool:
                # One connection serves every thread (each new connection would be a new, empty
                # database): pool sizing does not apply. Optuna accepts these for SQLite in
                # memory, so they are accepted and ignored here too.
                for name in _POOL_SIZING:
                    kwargs.pop(name, None)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 4)
        kwargs.setdefault("max_overflow", 16)
        limit = reply_timeout()
        connect_args = dict(kwargs.pop("connect_args", {}) or {})
        _reply_connect_args(parsed.get_driver_name(), connect_args, limit)
        kwargs["connect_args"] = connect_args
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ImportError as error:
        extra = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}.get(backend)
        hint = f" (pip install 'skipjack[{extra}]')" if extra else ""
        raise ImportError(
            "Failed to import DB access module for the specified storage URL. Please install "
            f"appropriate one{hint}: {error}"
        ) from error
    # An in-memory SQLite database is one connection shared by every thread: serialize its use.
    _ENGINE_LOCKS[engine] = threading.RLock() if memory else contextlib.nullcontext()
    if backend != "sqlite" and limit is not None and parsed.get_driver_name() in _PG_DRIVERS:
        where = describe_server(parsed)
        _REPLY_LIMITS[engine] = (limit, where)
        _watch_pings(engine, limit, where)
    if backend == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

    elif backend in ("mysql", "mariadb"):

        @event.listens_for(engine, "connect")
        def _mysql_connect(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cursor.close()

    return engine


@contextlib.contextmanager
def transaction(conn: Connection, write: bool = True) -> Iterator[Connection]:
    """Run the block in one explicit transaction on ``conn`` (committed unless it raises)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    else:
        conn.exec_driver_sql("BEGIN")
    try:
        yield conn
    except BaseException:
        try:
            conn.exec_driver_sql("ROLLBACK")
        except Exception:  # the connection may be gone; the server rolls back on its own
            conn.invalidate()
        raise
    conn.exec_driver_sql("COMMIT")


def cached(cache: dict[Any, Any], key: Any, build: Callable[[], Any]) -> Any:
    """A statement built once per storage (bound parameters; no per-call expression building)."""
    stmt = cache.get(key)
    if stmt is None:
        stmt = cache[key] = build()
    return stmt


def is_transient(error: BaseException) -> bool:
    """True for errors that a retry may cure (locks, deadlocks, serialization, lost connections)."""
    if isinstance(error, IntegrityError):
        return False
    if is_permanent(error):
        return False
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    code = _mysql_code(orig)
    if code is not None and code in _TRANSIENT_MYSQL_CODES:
        return True
    if isinstance(error, (OperationalError, DBAPIError)):
        text = str(orig if orig is not None else error).lower()
        return any(marker in text for marker in _TRANSIENT_TEXT)
    return False


def _mysql_code(orig: Any) -> int | None:
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return int(args[0])
    return None


def is_permanent(error: BaseException) -> bool:
    """True for connection errors no wait can cure: bad credentials, unknown database or host, a
    SQLite file that cannot be opened or is not a database."""
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _PERMANENT_SQLSTATES:
        return True
    code = _mysql_code(orig)
    text = str(orig if orig is not None else error).lower()
    if any(marker in text for marker in _UNKNOWN_HOST_TEXT):
        return True  # MySQL's 2003 "can't connect" is an outage, unless the name does not exist
    if code is not None:
        if code in _PERMANENT_MYSQL_CODES:
            return True
        if code in _TRANSIENT_MYSQL_CODES:
            return False
    if "connection refused" in text or "could not connect" in text:
        # "connection refused ... database X does not exist" never happens; a refused
        # connection is an outage (the server restarts)
        return False
    if "database" in text and "does not exist" in text and "relation" not in text:
        return True
    return any(marker in text for marker in _PERMANENT_TEXT) and (
        "relation" not in text and "column" not in text and "table" not in text)


def permanent_error(url: sa.engine.URL, error: BaseException) -> StorageInternalError:
    """The clear error for a connection that cannot succeed (see ``is_permanent``)."""
    detail = _first_line(url, error)
    if url.get_backend_name() == "sqlite":
        path = url.database or ":memory:"
        if "not a database" in detail or "malformed" in detail:
            hint = "The file exists but is not a SQLite database (or is damaged): check the path."
        else:
            hint = ("Check that the folder exists and is writable, and that the path is right "
                    "(sqlite:///relative/path.db, sqlite:////absolute/path.db).")
        return StorageInternalError(f"Cannot open the SQLite file {path!r}: {detail}. {hint}")
    return StorageInternalError(
        f"Cannot connect to the {describe_server(url)} "
        f"(URL {url.render_as_string(hide_password=True)}): {detail}. This is not an outage "
        "(retrying will not help): check the user name, password, database name and host."
    )


def _first_line(url: sa.engine.URL, error: BaseException) -> str:
    text = str(getattr(error, "orig", error)).strip()
    detail = text.splitlines()[0] if text else type(error).__name__
    detail = mask_password(detail)
    if url.password:
        detail = detail.replace(str(url.password), "***")
    return detail


def unreachable_error(url: sa.engine.URL, error: BaseException) -> StorageInternalError:
    """The error raised when the database cannot be reached at all."""
    detail = str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error) else ""
    detail = mask_password(detail)
    if url.password:
        detail = detail.replace(str(url.password), "***")
    return StorageInternalError(
        f"Cannot connect to the {describe_server(url)} "
        f"(URL {url.render_as_string(hide_password=True)}): {detail}. Waited "
        f"{connect_timeout():g} s (${CONNECT_TIMEOUT_VAR} sets how long). Check that the server "
        "is running and reachable from this host."
    )


def corrupt_file_error(url: sa.engine.URL, error: BaseException) -> StorageInternalError | None:
    """The clear error for a damaged SQLite file (instead of SQLAlchemy's dump of the SQL), or
    None for any other error."""
    text = str(getattr(error, "orig", error)).strip()
    if url.get_backend_name() != "sqlite":
        return None
    path = url.database or ":memory:"
    if "database or disk is full" in text:
        return StorageInternalError(
            f"The disk holding the SQLite file {path} is full ({text}): this write was not "
            "made; the writes that returned before it are kept. Free space (or move the file) "
            "and run again."
        )
    if not any(
        marker in text for marker in ("database disk image is malformed", "file is not a database")
    ):
        return None
    return StorageInternalError(
        f"The SQLite file {path} is damaged ({text}): skipjack cannot read it. Restore it from "
        f"a backup, or recover what is readable with `sqlite3 {path} .recover | sqlite3 "
        "recovered.db` and open recovered.db."
    )


def with_retries(engine: Engine, what: str, fn: Callable[[Connection], T]) -> T:
    """Run ``fn(conn)`` on a pooled connection, retrying transient errors with backoff.

    A refused or lost connection is retried until ``connect_timeout()`` seconds
    (``$SKIPJACK_CONNECT_TIMEOUT``, default 30) after the first failure, so an outage shorter than
    that (a server restart) is ridden out; other transient errors (locks, deadlocks,
    serialization failures, MariaDB's auto-increment read failure 1467) ``RETRY_ATTEMPTS`` times.
    An error no retry can cure (wrong password, unknown database, an unopenable SQLite file)
    fails at once.

    Raises:
        StorageInternalError: the error persisted, or cannot be cured by waiting; the message
            names the server (never the password) and what to check.
    """
    delay = _BACKOFF_BASE
    attempt = 0
    deadline: float | None = None
    watched = _REPLY_LIMITS.get(engine)
    while True:
        try:
            with _ENGINE_LOCKS.get(engine, _NO_LOCK), engine.connect() as conn:
                if watched is None:
                    return fn(conn)
                token = _REPLY_WATCH.begin(conn.connection.dbapi_connection, *watched)
                try:
                    return fn(conn)
                finally:
                    _REPLY_WATCH.end(token)
        except DBAPIError as error:
            if is_permanent(error) and _is_connection_error(error):
                raise permanent_error(engine.url, error) from error
            if not is_transient(error):
                corrupt = corrupt_file_error(engine.url, error)
                if corrupt is not None:
                    raise corrupt from None
                raise
            attempt += 1
            now = time.monotonic()
            if _is_connection_error(error):
                if deadline is None:
                    deadline = now + connect_timeout()
                if now >= deadline:
                    raise unreachable_error(engine.url, error) from error
                pause = min(delay, max(0.0, deadline - now))
            else:
                if attempt >= RETRY_ATTEMPTS:
                    raise StorageInternalError(
                        f"{what} failed on the {describe_server(engine.url)} after "
                        f"{RETRY_ATTEMPTS} attempts (transient error: "
                        f"{mask_password(str(getattr(error, 'orig', error)).strip())}). The "
                        "database is overloaded; retry later or lower the number of workers."
                    ) from error
                pause = delay
            _logger.debug(f"Retrying {what} after a transient error: {error}")
            time.sleep(pause * (0.5 + random.random()))
            delay = min(delay * 2, _BACKOFF_MAX)


def _is_connection_error(error: BaseException) -> bool:
    """A refused, dropped or otherwise failed connection (not a lock or a conflict)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    code = _mysql_code(getattr(error, "orig", None))
    if code in (1040, 1053, 1158, 1159, 1160, 1161, 1927, 2002, 2003, 2006, 2013, 4031,
                1044, 1045, 1049, 1698, 2005):
        return True
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate is not None and (str(sqlstate).startswith("08") or str(sqlstate).startswith("57P")
                                 or str(sqlstate).startswith("28") or sqlstate == "3D000"):
        return True
    return _is_connect_error(error) or is_permanent(error) or any(
        m in str(orig if orig is not None else error).lower()
        for m in ("server closed the connection", "lost connection", "gone away",
                  "connection reset", "terminating connection", "consuming input failed",
                  "the database system is starting up", "the database system is shutting down"))


def _is_connect_error(error: BaseException) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    return any(m in text for m in ("connection refused", "could not connect", "can't connect",
                                   "name or service not known", "could not translate host",
                                   "timeout expired", "no route to host"))


class Database:
    """One database as the storage parts see it: the engine, retries, and built statements.

    Owns the engine and the per-storage cache of built statements (built once, bound per call).
    ``probe`` learns, on the first connection, what the server offers (``RETURNING``; skipjack's
    unique ``(study_id, number)`` index). Thread safe: the statement cache and the probe results
    are only ever added to, under ``_lock``.
    """

    def __init__(self, url: str, engine_kwargs: dict[str, Any] | None) -> None:
        self.url = url
        self.engine = create_engine(url, engine_kwargs)
        self.dialect: str = self.engine.dialect.name
        self.returning: bool | None = None  # known after the first connection
        self.number_index: bool | None = None  # unique (study_id, number) index present?
        self._statements: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def run(self, what: str, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` on a pooled connection, retrying transient errors (``with_retries``)."""
        return with_retries(self.engine, what, fn)

    def statement(self, key: Any, build: Callable[[], Any]) -> Any:
        """The statement cached under ``key``, built by ``build()`` the first time."""
        stmt = self._statements.get(key)
        if stmt is None:
            with self._lock:
                stmt = self._statements.get(key)
                if stmt is None:
                    stmt = self._statements[key] = build()
        return stmt

    def probe(self, conn: Connection) -> None:
        """Learn what the server offers (once per storage; on the caller's connection)."""
        if self.returning is not None:
            return
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("trials")}
        self.number_index = "ix_skipjack_trials_study_number" in names
        self.returning = bool(conn.dialect.insert_returning)

    def dispose(self) -> None:
        """Close pooled connections (e.g. after a fork)."""
        self.engine.dispose()

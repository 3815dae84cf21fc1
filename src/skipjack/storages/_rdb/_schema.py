"""Creating, checking and upgrading the schema.

A new database gets Optuna's version-12 tables (plus skipjack's two extra indexes), a
``version_info`` row (schema 12, skipjack's version) and the Alembic revision Optuna expects
(``v3.2.0.a``) in ``alembic_version``, all in one go, so Optuna sees an up-to-date database.
Opening a database checks the revision; a mismatch raises an error telling to run
``skipjack storage upgrade URL``, which applies skipjack's Alembic migrations
(``skipjack/storages/_rdb/alembic``).

Several processes may open a fresh database at the same time: table creation tolerates losing the
race (another process created the tables first).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from skipjack.exceptions import StorageInternalError
from skipjack.logging import get_logger
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import describe_server, unreachable_error
from skipjack.storages._url import connect_timeout
from skipjack.version import __version__

__all__ = [
    "ensure_schema",
    "ensure_extra_indexes",
    "current_revision",
    "upgrade",
    "alembic_version",
    "SchemaMismatchError",
]

_logger = get_logger(__name__)

alembic_version = sa.Table(
    "alembic_version",
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


class SchemaMismatchError(StorageInternalError, RuntimeError):
    """The database's schema revision is not the one this version of skipjack uses."""


def current_revision(conn: Connection) -> str | None:
    """The Alembic revision stored in the database (None when there is none).

    A database of Optuna's oldest schema has no ``alembic_version`` table: it is ``v0.9.0.a``.
    """
    if not sa.inspect(conn).has_table("alembic_version"):
        from skipjack.storages._rdb._legacy import legacy_revision

        return legacy_revision(conn)
    return conn.execute(sa.select(alembic_version.c.version_num)).scalar()


def _create(engine: Engine) -> None:
    with engine.connect() as conn, _schema_lock(conn):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        try:
            if _complete(conn) or _legacy(conn):
                # Up to date (another process created it), or an older Optuna schema that only
                # `upgrade` may touch: the check below reports it.
                conn.exec_driver_sql("ROLLBACK")
                return
            m.metadata.create_all(conn, checkfirst=True)
            alembic_version.create(conn, checkfirst=True)
            if conn.execute(sa.select(sa.func.count()).select_from(m.version_info)).scalar() == 0:
                conn.execute(
                    m.version_info.insert().values(
                        version_info_id=1, schema_version=m.SCHEMA_VERSION,
                        library_version=__version__,
                    )
                )
            if conn.execute(sa.select(alembic_version.c.version_num)).scalar() is None:
                conn.execute(alembic_version.insert().values(version_num=m.ALEMBIC_HEAD))
        except BaseException:
            try:
                conn.exec_driver_sql("ROLLBACK")
            except Exception:  # noqa: BLE001 - the connection is gone (a server restart): the
                pass  # server rolls back on its own; the original error decides the retry
            raise
        conn.exec_driver_sql("COMMIT")


# Design note: schema creation is serialized between processes. On MySQL/MariaDB every CREATE TABLE
# commits on its own, so without a lock a process could see the tables of another one that has
# not yet written the version rows, and report a schema mismatch. PostgreSQL gets a transaction
# advisory lock (concurrent CREATE TYPE otherwise fails), MySQL a named lock, SQLite its database
# lock (BEGIN IMMEDIATE).
_LOCK_KEY = 0x736B69706A61636B  # "skipjack"
_LOCK_SECONDS = 120


@contextlib.contextmanager
def _schema_lock(conn: Connection) -> Iterator[None]:
    if conn.dialect.name not in ("mysql", "mariadb"):
        yield
        return
    name = f"skipjack_schema_{conn.engine.url.database}"[:64]
    got = conn.execute(sa.text("SELECT GET_LOCK(:n, :t)"),
                       {"n": name, "t": _LOCK_SECONDS}).scalar()
    if got != 1:
        raise StorageInternalError(
            f"Waited {_LOCK_SECONDS} s for another process to finish creating the skipjack tables "
            f"on the {describe_server(conn.engine.url)}. If no such process runs, retry."
        )
    try:
        yield
    finally:
        try:
            conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})
        except Exception:  # noqa: BLE001 - the connection is gone (a server restart): the
            pass  # server released the lock with the session; the original error decides the retry


def _legacy(conn: Connection) -> bool:
    from skipjack.storages._rdb._legacy import legacy_revision

    return legacy_revision(conn) is not None


def _complete(conn: Connection) -> bool:
    """True when the tables and both version rows exist (another process created them)."""
    inspector = sa.inspect(conn)
    if not (inspector.has_table("version_info") and inspector.has_table("alembic_version")):
        return False
    if conn.execute(sa.select(alembic_version.c.version_num)).scalar() is None:
        return False
    rows = conn.execute(sa.select(sa.func.count()).select_from(m.version_info)).scalar()
    return rows is not None and rows > 0


def ensure_schema(engine: Engine, create: bool, check: bool) -> None:
    """Create the tables if needed (``create``) and check the schema revision (``check``).

    Raises:
        SchemaMismatchError: the database has another schema revision; run
            ``skipjack storage upgrade URL``.
        StorageInternalError: the server cannot be reached (host and port named, no password).
    """
    from skipjack.storages._rdb._engine import (
        _is_connection_error,
        is_permanent,
        is_transient,
        permanent_error,
    )

    last: DBAPIError | None = None
    races = 0
    deadline: float | None = None
    delay = 0.05
    while True:
        try:
            if create:
                _create(engine)
            if check:
                with engine.connect() as conn:
                    _check(conn, engine)
            return
        except SchemaMismatchError:
            raise
        except DBAPIError as error:
            last = error
            if is_permanent(error):
                raise permanent_error(engine.url, error) from error
            now = time.monotonic()
            if _is_connection_error(error) and is_transient(error):
                # An outage (the server restarts): wait, with backoff, up to connect_timeout().
                if deadline is None:
                    deadline = now + connect_timeout()
                if now >= deadline:
                    raise unreachable_error(engine.url, error) from error
                time.sleep(min(delay, max(0.0, deadline - now)) * (0.5 + random.random()))
                delay = min(delay * 2, 2.0)
                continue
            if not (is_transient(error) or _creation_race(error)):
                raise StorageInternalError(
                    f"Could not create or check the skipjack tables on the "
                    f"{describe_server(engine.url)}: {error.orig}"
                ) from error
            # Lost a creation race (a table or type created by another process at the same
            # time), or a lock: look again after a pause.
            races += 1
            if races >= 10:
                break
            time.sleep(min(0.05 * (2**races), 1.0))
    assert last is not None
    raise StorageInternalError(
        f"Could not create or check the skipjack tables on the {describe_server(engine.url)}: "
        f"{last.orig}"
    ) from last


def _creation_race(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        return True
    text = str(error.orig).lower()
    return "already exists" in text or "duplicate" in text


def _check(conn: Connection, engine: Engine) -> None:
    revision = current_revision(conn)
    url = engine.url.render_as_string(hide_password=True)
    if revision == m.ALEMBIC_HEAD:
        return
    if revision is None:
        raise SchemaMismatchError(
            f"The database {url} has no skipjack/Optuna tables (no alembic_version row). Run "
            f"`skipjack storage upgrade {url}` to create them, or open it with "
            "skip_table_creation=False."
        )
    raise SchemaMismatchError(
        f"The database {url} has schema revision {revision!r}; this version of skipjack uses "
        f"{m.ALEMBIC_HEAD!r} (Optuna's schema version {m.SCHEMA_VERSION}). Run "
        f"`skipjack storage upgrade {url}` to migrate it."
    )


def upgrade(engine: Engine) -> tuple[str | None, str, list[str]]:
    """Bring the database to the current revision with Alembic and add skipjack's indexes.

    Returns:
        (revision before, revision after, names of the indexes created).

    Raises:
        SchemaMismatchError: the database's revision is unknown to skipjack (e.g. newer), or it
            is an Optuna schema older than ``v3.2.0.a`` outside SQLite (see ``_legacy``).
    """
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import skipjack.storages._rdb.alembic as alembic_pkg

    config = Config()
    config.set_main_option("script_location", alembic_pkg.__path__[0])
    from skipjack.storages._rdb._legacy import LEGACY_REVISIONS, migrate_legacy

    with engine.connect() as conn:
        before = current_revision(conn)
    if before in LEGACY_REVISIONS:
        migrate_legacy(engine)
        created = ensure_extra_indexes(engine)
        return before, m.ALEMBIC_HEAD, created
    script = ScriptDirectory.from_config(config)
    known = {rev.revision for rev in script.walk_revisions()}
    if before is not None and before not in known:
        raise SchemaMismatchError(
            f"The database has schema revision {before!r}, which skipjack does not know (it knows "
            f"{sorted(known | set(LEGACY_REVISIONS))}). A newer revision needs a newer skipjack."
        )
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    created = ensure_extra_indexes(engine)
    with engine.connect() as conn:
        after = current_revision(conn)
    assert after is not None
    return before, after, created


def ensure_extra_indexes(engine: Engine) -> list[str]:
    """Create skipjack's extra indexes where missing; return the names created.

    An index that cannot be created (e.g. duplicate trial numbers written by an old Optuna race)
    is skipped with a warning: it only speeds things up.
    """
    created = []
    for index in m.EXTRA_INDEXES:
        with engine.connect() as conn:
            existing = {ix["name"] for ix in sa.inspect(conn).get_indexes("trials")}
            if index.name in existing:
                continue
            try:
                index.create(conn)
                created.append(str(index.name))
            except DBAPIError as error:
                _logger.warning(f"Index {index.name} not created: {error.orig}")
    return created

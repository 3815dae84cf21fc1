"""Database URLs of the RDB tests and a helper that empties a test database.

The tests use their own databases (``skipjack_rdb_test_<pid>``) on the shared PostgreSQL and
MariaDB servers: one per test session, created on first use and dropped at exit, so that several
test runs at once (other engineers run ``tests/storages`` too) never see each other's tables.
"""

from __future__ import annotations

import atexit
import os

from tests._servers import server_unreachable

__all__ = ["PG_URL", "MYSQL_URL", "reset_database", "empty_database", "server_url"]

DB_NAME = f"skipjack_rdb_test_{os.getpid()}"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MYSQL_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
MYSQL_URL = f"mysql+pymysql://root@127.0.0.1:3306/{DB_NAME}"

_ready: dict[str, str | None] = {}


def _ensure_database(admin_url: str, name: str) -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
                if not exists:
                    conn.exec_driver_sql(f"CREATE DATABASE {name}")
            else:
                conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {name}")
        engine.dispose()
        atexit.register(_drop_database, admin_url, name, os.getpid())
        return None
    except Exception as e:  # noqa: BLE001
        return str(e)


def _drop_database(admin_url: str, name: str, owner_pid: int) -> None:
    if os.getpid() != owner_pid:  # a forked worker inherited the hook
        return
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        engine.dispose()
    except Exception:  # noqa: BLE001 - best effort at exit
        pass


def server_url(kind: str, name: str = DB_NAME) -> str:
    """The URL of database ``name`` on the server ``kind`` ("postgresql" or "mysql"); skips the
    test when the server is not reachable (fails it under ``CI=true``)."""
    admin = PG_ADMIN if kind == "postgresql" else MYSQL_ADMIN
    key = f"{kind}/{name}"
    if key not in _ready:
        _ready[key] = _ensure_database(admin, name)
    if _ready[key] is not None:
        server_unreachable("PostgreSQL" if kind == "postgresql" else "MariaDB", _ready[key])
    base = admin.rsplit("/", 1)[0]
    return f"{base}/{name}"


def reset_database(url: str) -> None:
    """Drop skipjack's (Optuna's) tables and types from the database at ``url``."""
    import sqlalchemy as sa

    from skipjack.storages._rdb import models
    from skipjack.storages._rdb._schema import alembic_version

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # end sessions a killed test left behind, so DROP does not wait on their locks
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        models.metadata.drop_all(conn)
        alembic_version.drop(conn, checkfirst=True)
        if engine.dialect.name == "postgresql":
            for enum in ("trialstate", "studydirection", "trialvaluetype",
                         "trialintermediatevaluetype"):
                conn.exec_driver_sql(f"DROP TYPE IF EXISTS {enum}")
    engine.dispose()


def empty_database(url: str) -> None:
    """Delete every row of skipjack's tables (fast); drop them (the next storage creates them)
    if they are missing or are not skipjack's own schema.

    A test session's database is shared by its tests one after another: a test may leave the
    tables Optuna created (no ``ix_skipjack_trials_study_number``, so skipjack writes through
    its slower path) or drop an index; the next test must not inherit that schema.
    """
    import sqlalchemy as sa

    from skipjack.storages._rdb import models

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table("version_info"):
                raise LookupError
            for table in models.metadata.sorted_tables:
                declared = {ix.name for ix in table.indexes}
                if declared and not declared <= {ix["name"] for ix in
                                                 inspector.get_indexes(table.name)}:
                    raise LookupError
            for table in reversed(models.metadata.sorted_tables):
                if table.name != "version_info":
                    conn.execute(table.delete())
    except LookupError:
        reset_database(url)
    finally:
        engine.dispose()

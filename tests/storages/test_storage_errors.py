"""Opening a storage: errors no wait can cure fail at once and say what to fix; an outage is
waited out, with backoff, up to ``$SKIPJACK_CONNECT_TIMEOUT``; transient errors are recognised."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pymysql
import pytest
import sqlalchemy as sa

import skipjack
from skipjack.exceptions import StorageInternalError
from skipjack.storages import RDBStorage
from skipjack.storages._factory import connect_timeout
from skipjack.storages._rdb._engine import is_permanent, is_transient
from tests.storages._proxy import TcpProxy
from tests.storages._rdb_servers import server_url


def _mysql_error(code: int, text: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT ...", {}, pymysql.err.OperationalError(code, text))


@pytest.mark.parametrize(("code", "text"), [
    (1467, "Failed to read auto-increment value from storage engine"),
    (1213, "Deadlock found when trying to get lock; try restarting transaction"),
    (1205, "Lock wait timeout exceeded; try restarting transaction"),
    (1020, "Record has changed since last read in table 'trials'"),
    (2013, "Lost connection to MySQL server during query"),
])
def test_mariadb_transient_codes(code, text):
    error = _mysql_error(code, text)
    assert is_transient(error) and not is_permanent(error)


@pytest.mark.parametrize(("code", "text"), [
    (1045, "Access denied for user 'root'@'localhost' (using password: YES)"),
    (1049, "Unknown database 'nope'"),
])
def test_mariadb_permanent_codes(code, text):
    error = _mysql_error(code, text)
    assert is_permanent(error) and not is_transient(error)


def _fails_fast(url: str, match: str) -> float:
    start = time.monotonic()
    with pytest.raises(StorageInternalError, match=match):
        RDBStorage(url)
    return time.monotonic() - start


def test_sqlite_missing_folder_and_not_a_database(tmp_path: Path):
    assert _fails_fast(f"sqlite:///{tmp_path}/no/such/dir/x.db", "folder exists") < 1.0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database " * 200)
    assert _fails_fast(f"sqlite:///{junk}", "not a SQLite database") < 1.0


@pytest.mark.parametrize("case", ["unknown-user", "unknown-database"])
def test_postgresql_permanent_errors_fail_at_once(case):
    base = server_url("postgresql").rsplit("/", 1)[0]
    if case == "unknown-user":
        url = base.replace("postgres@", "skipjack_no_such_user@") + "/test"
    else:
        url = base + "/skipjack_no_such_database"
    assert _fails_fast(url, "not an outage") < 1.0


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "unknown-database"])
def test_mariadb_permanent_errors_fail_at_once(case):
    base = server_url("mysql").rsplit("/", 1)[0]
    url = {"wrong-password": base.replace("root@", "root:wrong@") + "/test",
           "unknown-user": base.replace("root@", "skipjack_nobody@") + "/test",
           "unknown-database": base + "/skipjack_no_such_database"}[case]
    elapsed = _fails_fast(url, "not an outage")
    assert elapsed < 1.0


def test_password_is_never_in_the_message():
    base = server_url("mysql").rsplit("/", 1)[0]
    with pytest.raises(StorageInternalError) as info:
        RDBStorage(base.replace("root@", "root:s3cret-pw@") + "/test")
    assert "s3cret-pw" not in str(info.value)


def test_unreachable_server_fails_after_the_connect_timeout(monkeypatch):
    monkeypatch.setenv("SKIPJACK_CONNECT_TIMEOUT", "1.5")
    assert connect_timeout() == 1.5
    proxy = TcpProxy(5432)
    proxy.down()
    try:
        start = time.monotonic()
        with pytest.raises(StorageInternalError, match="SKIPJACK_CONNECT_TIMEOUT"):
            RDBStorage(f"postgresql://postgres@127.0.0.1:{proxy.port}/test")
        assert 1.4 < time.monotonic() - start < 6.0
    finally:
        proxy.close()


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_open_during_an_outage_waits_for_the_server(monkeypatch, kind):
    monkeypatch.setenv("SKIPJACK_CONNECT_TIMEOUT", "20")
    url = sa.engine.make_url(server_url(kind))
    proxy = TcpProxy(url.port or (5432 if kind == "postgresql" else 3306))
    proxy.down()
    threading.Timer(3.0, proxy.up).start()  # the server "restarts" for 3 s
    try:
        start = time.monotonic()
        storage = RDBStorage(url.set(port=proxy.port).render_as_string(hide_password=False))
        assert time.monotonic() - start >= 2.5
        study = skipjack.create_study(storage=storage)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        assert len(study.trials) == 2
    finally:
        proxy.close()


def test_bad_connect_timeout_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SKIPJACK_CONNECT_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="SKIPJACK_CONNECT_TIMEOUT"):
        connect_timeout()


def test_unreachable_redis_fails_within_the_limit(monkeypatch):
    monkeypatch.setenv("SKIPJACK_CONNECT_TIMEOUT", "1")
    proxy = TcpProxy(6379)
    proxy.down()
    try:
        start = time.monotonic()
        with pytest.raises(ConnectionError, match="retried for 1 s"):
            skipjack.create_study(storage=f"redis://127.0.0.1:{proxy.port}")
        assert time.monotonic() - start < 1 + 5 + 1
    finally:
        proxy.close()

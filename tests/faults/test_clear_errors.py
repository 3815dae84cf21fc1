"""Errors that no wait can cure fail at once (< 1 s) with a clear message, on every backend: a
missing SQLite folder, a file that is not a database, an unknown user, a wrong password, an
unknown database, a host name that does not resolve. A refused connection is not among them: it
is what a server restart looks like, and is retried for ``$SKIPJACK_CONNECT_TIMEOUT`` seconds
(tests/storages/test_storage_errors.py). Real servers; the wrong-password cases use a PostgreSQL
and a Redis of the test's own that ask for a password (the shared ones trust every client).
Each case prints one ``clear-error`` line with its time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis  # noqa: F401 - imported before the clocks start: the times are the errors' own

import skipjack
from skipjack.exceptions import StorageInternalError
from skipjack.storages import RDBStorage
from skipjack.storages.journal import JournalRedisBackend, JournalStorage
from tests.faults._own_servers import OwnPostgres, OwnRedis
from tests.storages._rdb_servers import server_url

LIMIT = 1.0


@pytest.fixture(scope="module")
def own_pg() -> Iterator[OwnPostgres]:
    server = OwnPostgres(password="right-pw")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis(password="right-pw")
    yield server
    server.stop()


def _base(kind: str) -> str:
    return server_url(kind).rsplit("/", 1)[0]


def _redis_study(url: str) -> Any:
    return skipjack.create_study(storage=JournalStorage(JournalRedisBackend(url)))


def _cases(tmp: Path, own_pg: OwnPostgres, own_redis: OwnRedis) -> dict[str, tuple[
        Callable[[], Any], type[BaseException], list[str]]]:
    junk = tmp / "junk.db"
    junk.write_bytes(b"this is not a database " * 200)
    pg, my = _base("postgresql"), _base("mysql")
    return {
        "sqlite-missing-folder": (lambda: RDBStorage(f"sqlite:///{tmp}/no/such/x.db"),
                                  StorageInternalError, ["no/such/x.db", "folder exists"]),
        "sqlite-not-a-database": (lambda: RDBStorage(f"sqlite:///{junk}"),
                                  StorageInternalError, ["junk.db", "not a SQLite database"]),
        "pg-unknown-user": (lambda: RDBStorage(pg.replace("postgres@", "skipjack_nobody@") + "/test"),
                            StorageInternalError, ["skipjack_nobody", "not an outage"]),
        "pg-wrong-password": (lambda: RDBStorage(own_pg.url.replace("right-pw", "wrong-pw")),
                              StorageInternalError, ["password", "not an outage"]),
        "pg-unknown-database": (lambda: RDBStorage(pg + "/skipjack_no_such_db"),
                                StorageInternalError, ["skipjack_no_such_db", "not an outage"]),
        "pg-unknown-host": (lambda: RDBStorage("postgresql://postgres@no-such-host.invalid/test"),
                            StorageInternalError, ["no-such-host.invalid", "not an outage"]),
        "mariadb-wrong-password": (lambda: RDBStorage(my.replace("root@", "root:wrong@") + "/test"),
                                   StorageInternalError, ["Access denied", "not an outage"]),
        "mariadb-unknown-user": (lambda: RDBStorage(my.replace("root@", "skipjack_nobody@") + "/test"),
                                 StorageInternalError, ["skipjack_nobody", "not an outage"]),
        "mariadb-unknown-database": (lambda: RDBStorage(my + "/skipjack_no_such_db"),
                                     StorageInternalError, ["skipjack_no_such_db", "not an outage"]),
        "mariadb-unknown-host": (lambda: RDBStorage("mysql://root@no-such-host.invalid/test"),
                                 StorageInternalError, ["no-such-host.invalid", "not an outage"]),
        "redis-wrong-password": (lambda: _redis_study(own_redis.url.replace("right-pw", "wrong")),
                                 ConnectionError, ["password", "not an outage"]),
        "redis-no-password": (lambda: _redis_study(own_redis.url.replace(":right-pw@", "")),
                              ConnectionError, ["authenticated", "not an outage"]),
        "redis-unknown-host": (lambda: _redis_study("redis://no-such-host.invalid:6379"),
                               ConnectionError, ["no-such-host.invalid", "not an outage"]),
        "redis-database-out-of-range": (lambda: _redis_study("redis://127.0.0.1:6379/99"),
                                        ValueError, ["redis://127.0.0.1:6379/99", "0..15"]),
    }


CASES = ["sqlite-missing-folder", "sqlite-not-a-database", "pg-unknown-user", "pg-wrong-password",
         "pg-unknown-database", "pg-unknown-host", "mariadb-wrong-password",
         "mariadb-unknown-user", "mariadb-unknown-database", "mariadb-unknown-host",
         "redis-wrong-password", "redis-no-password", "redis-unknown-host",
         "redis-database-out-of-range"]


@pytest.mark.parametrize("case", CASES)
def test_an_error_no_wait_can_cure_is_clear_within_a_second(case, tmp_path, own_pg, own_redis):
    call, kind, words = _cases(tmp_path, own_pg, own_redis)[case]
    start = time.monotonic()
    with pytest.raises(kind) as info:
        call()
    took = time.monotonic() - start
    message = str(info.value)
    print(f"\nclear-error {case}: {took:.3f} s: {type(info.value).__name__}: {message[:160]}")
    assert "\n" not in message.strip() and "Traceback" not in message
    for word in words:
        assert word in message, message
    assert "right-pw" not in message and "wrong-pw" not in message
    assert took < LIMIT, f"{case}: the clear error took {took:.2f} s"

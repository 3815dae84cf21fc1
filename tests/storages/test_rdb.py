"""RDBStorage: the storage conformance suite on SQLite, PostgreSQL and MariaDB (real servers)."""

from __future__ import annotations

import functools

import pytest

from skipjack.storages import RDBStorage
from skipjack.testing.storage_suite import StorageConformance
from tests.storages._rdb_servers import empty_database, server_url


class TestRDBSQLite(StorageConformance):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'study.db'}"

    @pytest.fixture
    def storage(self, url):
        return RDBStorage(url)

    @pytest.fixture
    def storage_factory(self, url):
        return functools.partial(RDBStorage, url)


class _ServerConformance(StorageConformance):
    """The suite on a real server's test database (emptied before each test)."""

    server = ""

    @pytest.fixture
    def url(self):
        url = server_url(self.server)
        empty_database(url)
        return url

    @pytest.fixture
    def storage(self, url):
        storage = RDBStorage(url)
        yield storage
        storage.remove_session()

    @pytest.fixture
    def storage_factory(self, url):
        return functools.partial(RDBStorage, url)


class TestRDBPostgreSQL(_ServerConformance):
    server = "postgresql"


class TestRDBMariaDB(_ServerConformance):
    server = "mysql"

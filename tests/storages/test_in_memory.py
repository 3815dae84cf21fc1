import pytest

from skipjack.storages import InMemoryStorage
from skipjack.testing.storage_suite import StorageConformance


class TestInMemoryStorage(StorageConformance):
    @pytest.fixture
    def storage(self):
        return InMemoryStorage()

"""JournalRedisBackend(use_cluster=True) on a real three-node Redis Cluster (started per module).

Cluster mode cannot append atomically (the keys live on different nodes); these tests check that
the log still has no holes, that a lagging ``log_number`` hint loses nothing, and that an append
whose reply was lost is not written twice.
"""

from __future__ import annotations

import functools
import uuid

import pytest

from skipjack._records import StudyDirection, TrialState
from skipjack.storages.journal import JournalRedisBackend, JournalStorage
from skipjack.testing.storage_suite import StorageConformance

from tests._servers import server_unreachable
from tests.storages._journal_helpers import open_redis_cluster_storage, run_four_workers
from tests.storages._redis_cluster import RedisCluster

redis = pytest.importorskip("redis")

MIN = [StudyDirection.MINIMIZE]


@pytest.fixture(scope="module")
def cluster():
    try:
        nodes = RedisCluster()
    except FileNotFoundError as e:
        server_unreachable("Redis Cluster", e)
    yield nodes
    nodes.stop()


@pytest.fixture
def prefix():
    return f"skipjack-cluster-{uuid.uuid4().hex}"


@pytest.fixture
def client(cluster):
    c = redis.RedisCluster.from_url(cluster.url)
    yield c
    c.close()


class TestJournalRedisCluster(StorageConformance):
    @pytest.fixture
    def storage(self, cluster, prefix):
        return open_redis_cluster_storage(cluster.url, prefix)

    @pytest.fixture
    def storage_factory(self, cluster, prefix):
        return functools.partial(open_redis_cluster_storage, cluster.url, prefix)


def _ops(client, prefix):
    """The keys of the log, in number order, and the log_number hint."""
    numbers = sorted(int(k.decode().rsplit(":", 1)[1])
                     for k in client.scan_iter(f"{prefix}:log:*", target_nodes="all"))
    return numbers, int(client.get(f"{prefix}:log_number"))


def test_four_processes_share_one_study_without_holes(cluster, prefix, client):
    factory = functools.partial(open_redis_cluster_storage, cluster.url, prefix)
    run_four_workers(factory, "mp", 60)
    storage = factory()
    trials = storage.get_all_trials(storage.get_study_id_from_name("mp"), deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(240))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    numbers, hint = _ops(client, prefix)
    assert numbers == list(range(len(numbers)))  # no hole, no number used twice
    assert hint == numbers[-1]


def test_a_lagging_hint_loses_nothing_and_is_never_overwritten(cluster, prefix, client):
    storage = open_redis_cluster_storage(cluster.url, prefix)
    study_id = storage.create_new_study(MIN, "s")
    first = storage.create_new_trial(study_id)
    # As after a writer died between writing its operation and raising the hint:
    client.set(f"{prefix}:log_number", 0)
    fresh = open_redis_cluster_storage(cluster.url, prefix)
    assert [t.trial_id for t in fresh.get_all_trials(study_id)] == [first]
    second = fresh.create_new_trial(study_id)  # written after the last operation, not over it
    assert second != first
    again = open_redis_cluster_storage(cluster.url, prefix)
    assert [t.trial_id for t in again.get_all_trials(study_id)] == [first, second]
    numbers, hint = _ops(client, prefix)
    assert numbers == [0, 1, 2] and hint == 2


class _LosesOneSetReply(JournalRedisBackend):
    """Writes an operation for real, then loses the reply of that SET once."""

    lost = 0

    @property
    def redis(self):  # type: ignore[override]
        client = super().redis
        backend = self

        class Client:
            def __getattr__(self, name):  # type: ignore[no-untyped-def]
                return getattr(client, name)

            def set(self, key, value, nx=False):  # type: ignore[no-untyped-def]
                done = client.set(key, value, nx=nx)
                if nx and backend.lost == 0:
                    backend.lost += 1
                    raise redis.exceptions.ConnectionError("reply lost")
                return done

        return Client()


def test_an_append_whose_reply_was_lost_is_written_once(cluster, prefix, client):
    backend = _LosesOneSetReply(cluster.url, use_cluster=True, prefix=prefix)
    storage = JournalStorage(backend)
    study_id = storage.create_new_study(MIN, "s")  # the reply of this append is lost
    storage.create_new_trial(study_id)
    assert backend.lost == 1
    fresh = open_redis_cluster_storage(cluster.url, prefix)
    assert [s.study_name for s in fresh.get_all_studies()] == ["s"]
    assert len(fresh.get_all_trials(study_id)) == 1
    assert _ops(client, prefix) == ([0, 1], 1)  # one create-study, one create-trial

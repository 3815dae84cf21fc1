"""JournalStorage on the file backend (both locks) and on Redis (a real server at 127.0.0.1)."""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import signal
import time
import uuid

import pytest

import skipjack
from skipjack._records import StudyDirection, TrialState, create_trial
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from skipjack.storages import get_storage
from skipjack.storages.journal import (
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
    JournalRedisBackend,
    JournalStorage,
)
from skipjack.testing.storage_suite import StorageConformance

from tests._servers import server_unreachable
from tests.storages._journal_helpers import (
    REDIS_URL,
    hanging_worker,
    open_file_storage,
    open_redis_storage,
    run_four_workers,
)

MIN = [StudyDirection.MINIMIZE]


def _redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        server_unreachable("Redis at 127.0.0.1:6379", "PING failed")
    return client


@pytest.fixture
def redis_prefix():
    client = _redis_client()
    prefix = f"skipjack-test-{uuid.uuid4().hex}"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}*", count=10_000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i : i + 1000])


# --- conformance ----------------------------------------------------------------------------------


class TestJournalFileSymlinkLock(StorageConformance):
    """Symlink lock (fsync off to keep the suite fast; test_durable_appends covers it)."""

    @pytest.fixture
    def path(self, tmp_path):
        return str(tmp_path / "journal.log")

    @pytest.fixture
    def storage(self, path):
        return open_file_storage(path, "symlink")

    @pytest.fixture
    def storage_factory(self, path):
        return functools.partial(open_file_storage, path, "symlink")


class TestJournalFileOpenLock(TestJournalFileSymlinkLock):
    """The O_EXCL lock, without fsync."""

    @pytest.fixture
    def storage(self, path):
        return open_file_storage(path, "open")

    @pytest.fixture
    def storage_factory(self, path):
        return functools.partial(open_file_storage, path, "open")


class TestJournalRedis(StorageConformance):
    @pytest.fixture
    def storage(self, redis_prefix):
        return open_redis_storage(redis_prefix)

    @pytest.fixture
    def storage_factory(self, redis_prefix):
        return functools.partial(open_redis_storage, redis_prefix)


def test_durable_appends_by_default(tmp_path):
    path = str(tmp_path / "j.log")
    backend = JournalFileBackend(path)
    assert backend._fsync  # Optuna's durability unless fsync=False
    study = skipjack.create_study(storage=JournalStorage(backend), study_name="d")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    reread = open_file_storage(path).get_all_trials(0)
    assert [t.state for t in reread] == [TrialState.COMPLETE] * 5
    assert [t.params for t in reread] == [t.params for t in study.trials]


# --- many workers ---------------------------------------------------------------------------------


def _factories(tmp_path, redis_prefix):
    return {
        "file": functools.partial(open_file_storage, str(tmp_path / "mp.log")),
        "redis": functools.partial(open_redis_storage, redis_prefix),
    }


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_four_processes_optimize_250_trials_each(backend, tmp_path, redis_prefix):
    factory = _factories(tmp_path, redis_prefix)[backend]
    # every worker creates the study with load_if_exists=True: exactly one study results
    run_four_workers(factory, "mp", 250)
    storage = factory()
    assert [s.study_name for s in storage.get_all_studies()] == ["mp"]
    trials = storage.get_all_trials(storage.get_study_id_from_name("mp"), deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(1000))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.value == pytest.approx(t.params["x"] ** 2) for t in trials)
    assert len({t.trial_id for t in trials}) == 1000


# --- heartbeats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_killed_worker_trial_fails_and_is_retried(backend, tmp_path, redis_prefix):
    callbacks = pytest.importorskip("skipjack.storages._callbacks")
    beat = {"heartbeat_interval": 1, "grace_period": 2}
    factory = functools.partial(_factories(tmp_path, redis_prefix)[backend].func,
                                *_factories(tmp_path, redis_prefix)[backend].args, **beat)
    storage = factory()
    skipjack.create_study(storage=storage, study_name="hb")
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=hanging_worker, args=(factory, "hb", 2))
    proc.start()
    study_id = storage.get_study_id_from_name("hb")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = [t for t in storage.get_all_trials(study_id, states=(TrialState.RUNNING,))
                   if t.number == 2 and t.params]  # the trial the worker hangs in
        if running and storage._backend.get_heartbeat_ages([running[0]._trial_id]):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the worker never started its third trial")
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    hanging = running[0]
    assert storage.get_stale_trial_ids(study_id) == []  # within the grace period
    time.sleep(beat["grace_period"] + 0.5)

    retrying = factory(failed_trial_callback=callbacks.RetryFailedTrialCallback(max_retry=2))
    study = skipjack.load_study(storage=retrying, study_name="hb")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)

    trials = study.get_trials(deepcopy=False)
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == 5
    assert states.count(TrialState.RUNNING) == 0
    failed = trials[hanging.number]
    assert failed.state == TrialState.FAIL
    assert "heartbeat" in failed.system_attrs["fail_reason"]
    retried = [t for t in trials if t.system_attrs.get("failed_trial") == hanging.number]
    assert len(retried) == 1 and retried[0].state == TrialState.COMPLETE
    assert retried[0].params == hanging.params != {}  # re-run with the same parameters


def test_heartbeat_arguments_are_validated(tmp_path):
    backend = JournalFileBackend(str(tmp_path / "j.log"))
    with pytest.raises(ValueError, match="heartbeat_interval"):
        JournalStorage(backend, heartbeat_interval=0)
    with pytest.raises(ValueError, match="needs heartbeat_interval"):
        JournalStorage(backend, grace_period=3)
    storage = JournalStorage(backend, heartbeat_interval=5)
    assert storage.grace_period == 10 and storage.get_heartbeat_interval() == 5


# --- snapshots ------------------------------------------------------------------------------------


def _fill(storage, study_id, n, offset=0):
    dx, dc = FloatDistribution(0, 1), CategoricalDistribution(["a", "b", None])
    for i in range(n):
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "x", (i % 97) / 97, dx)
        storage.set_trial_param(trial_id, "c", float(i % 3), dc)
        storage.set_trial_intermediate_value(trial_id, 1, float(i))
        if i % 10 == 0:
            storage.set_trial_user_attr(trial_id, "u", {"i": i + offset})
        state = (TrialState.COMPLETE, TrialState.FAIL, TrialState.RUNNING)[i % 3]
        if state != TrialState.RUNNING:
            storage.set_trial_state_values(
                trial_id, state, [float(i)] if state == TrialState.COMPLETE else None
            )


def _state(storage):
    studies = storage.get_all_studies()
    return studies, {s.study_id: storage.get_all_trials(s.study_id) for s in studies}


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_snapshot_gives_the_same_state_as_a_full_replay(backend, tmp_path, redis_prefix):
    factory = _factories(tmp_path, redis_prefix)[backend]
    writer = factory(snapshot_interval=1000)
    gone = writer.create_new_study(MIN, "deleted")
    _fill(writer, gone, 20)
    writer.delete_study(gone)
    study_id = writer.create_new_study(MIN + MIN[:0], "big")
    writer.set_study_user_attr(study_id, "k", [1, "two"])
    _fill(writer, study_id, 1500)
    waiting = writer.create_new_trial(
        study_id, template_trial=create_trial(state=TrialState.WAITING, user_attrs={"w": 1})
    )
    assert writer._snapshot_base > 0  # a snapshot was written
    backend_obj = writer._backend
    assert backend_obj.snapshot_log_number() == writer._snapshot_base

    _fill(writer, study_id, 30, offset=10_000)  # a tail after the snapshot
    from_snapshot = factory()
    assert from_snapshot._snapshot_base > 0  # opened from the snapshot
    full = factory(snapshot_interval=None)
    assert full._snapshot_base == 0
    assert _state(writer) == _state(from_snapshot) == _state(full)
    assert from_snapshot._replay.running == full._replay.running
    # ids keep being assigned alike after a snapshot
    assert from_snapshot.pop_waiting_trial_id(study_id) == waiting
    new_id = from_snapshot.create_new_trial(study_id)
    assert full.get_trial(new_id) == from_snapshot.get_trial(new_id)
    assert full.get_trial(new_id).number == 1531


def test_snapshot_of_another_log_is_ignored(tmp_path):
    path = str(tmp_path / "j.log")
    writer = open_file_storage(path, snapshot_interval=100)
    _fill(writer, writer.create_new_study(MIN, "a"), 60)
    assert os.path.exists(path + ".snapshot")
    os.unlink(path)  # the log is started anew; the snapshot no longer matches it
    fresh = open_file_storage(path)
    assert fresh.get_all_studies() == []
    study_id = fresh.create_new_study(MIN, "b")
    assert [s.study_name for s in open_file_storage(path).get_all_studies()] == ["b"]
    assert study_id == 0


# --- log semantics --------------------------------------------------------------------------------


def test_first_operation_in_the_log_wins(tmp_path):
    path = str(tmp_path / "j.log")
    a, b = open_file_storage(path), open_file_storage(path)
    study_id = a.create_new_study(MIN, "s")
    trial_id = a.create_new_trial(study_id)
    # b has not synced yet, so it sees the trial RUNNING and appends; a finished it first
    b.get_trial(trial_id)
    a.set_trial_state_values(trial_id, TrialState.FAIL)
    with pytest.raises(UpdateFinishedTrialError):
        b.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    assert b.get_trial(trial_id).state == TrialState.FAIL
    # two writers racing to create one name: the second is told so
    b.get_all_studies()
    a.create_new_study(MIN, "twice")
    with pytest.raises(DuplicatedStudyError):
        b.create_new_study(MIN, "twice")


REJECTED_OPS = [
    {"op_code": 0, "worker_id": "w", "study_name": "a", "directions": [1]},
    {"op_code": 0, "worker_id": "w", "study_name": "a", "directions": [1]},
    {"op_code": 0, "worker_id": "w", "study_name": "b", "directions": [2]},
    {"op_code": 4, "worker_id": "w", "study_id": 1, "datetime_start": "2026-01-01T00:00:00"},
    {"op_code": 1, "worker_id": "w", "study_id": 1},
    {"op_code": 4, "worker_id": "w", "study_id": 1, "datetime_start": "2026-01-01T00:00:00"},
    {"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_start": "2026-01-01T00:00:00"},
    {"op_code": 4, "worker_id": "w", "study_id": 0, "state": 4, "datetime_start": None},
    {"op_code": 6, "worker_id": "x", "trial_id": 2, "state": 0, "values": None,
     "datetime_start": "2026-01-01T00:00:02"},
    {"op_code": 6, "worker_id": "y", "trial_id": 2, "state": 0, "values": None,
     "datetime_start": "2026-01-01T00:00:03"},
    {"op_code": 0, "worker_id": "w", "study_name": "c", "directions": [1]},
]


def test_rejected_operations_consume_no_ids(tmp_path):
    """Ids follow accepted operations only (test_journal_optuna checks Optuna agrees)."""
    path = tmp_path / "j.log"
    ops = REJECTED_OPS
    path.write_text("".join(json.dumps(o) + "\n" for o in ops) + '{"op_code": 0, "wor')
    storage = open_file_storage(str(path))
    assert [(s.study_id, s.study_name) for s in storage.get_all_studies()] == [(0, "a"), (2, "c")]
    trials = storage.get_all_trials(0)
    assert [(t.trial_id, t.number, t.state) for t in trials] == [
        (1, 0, TrialState.RUNNING),
        (2, 1, TrialState.RUNNING),
    ]
    assert str(trials[1].datetime_start) == "2026-01-01 00:00:02"  # the first taker won
    # the torn last line is completed by the next writer and skipped by every reader
    storage.create_new_study(MIN, "d")
    reread = open_file_storage(str(path))
    assert [s.study_name for s in reread.get_all_studies()] == ["a", "c", "d"]


def test_attribute_values_must_be_json(tmp_path):
    storage = open_file_storage(str(tmp_path / "j.log"))
    study_id = storage.create_new_study(MIN)
    trial_id = storage.create_new_trial(study_id)
    with pytest.raises(TypeError, match="'k'.*JSON"):
        storage.set_trial_user_attr(trial_id, "k", object())
    with pytest.raises(TypeError, match="JSON"):
        storage.set_study_user_attr(study_id, "k", {1, 2})


def test_redis_url_goes_through_get_storage(redis_prefix):
    storage = get_storage("redis://127.0.0.1:6379")
    assert isinstance(storage, JournalStorage)
    assert isinstance(storage._backend, JournalRedisBackend)


def test_unreachable_redis_names_host_without_password():
    storage_backend = JournalRedisBackend(
        "redis://user:secret@127.0.0.1:1/0", prefix="x", retry_timeout=0.3
    )
    with pytest.raises(ConnectionError) as info:
        JournalStorage(storage_backend)
    assert "127.0.0.1:1" in str(info.value) and "secret" not in str(info.value)


def test_redis_connection_killed_by_the_server_is_retried(redis_prefix):
    admin = _redis_client()
    storage = open_redis_storage(redis_prefix)
    study_id = storage.create_new_study(MIN, "s")
    name = f"sj-{uuid.uuid4().hex[:12]}"
    storage._backend.redis.client_setname(name)
    [conn] = [c for c in admin.client_list() if c.get("name") == name]
    admin.client_kill_filter(_id=conn["id"])
    trial_id = storage.create_new_trial(study_id)  # the dead connection is replaced
    assert [t.trial_id for t in storage.get_all_trials(study_id)] == [trial_id]


class _LostReplyBackend(JournalRedisBackend):
    """Appends for real, then loses the reply once (as a dropped connection would)."""

    lose = 1

    def _read(self, log_number_from, append):
        import redis

        result = super()._read(log_number_from, append)
        if append and self.lose:
            self.lose -= 1
            raise redis.exceptions.ConnectionError("reply lost")
        return result


def test_redis_append_whose_reply_was_lost_is_not_appended_twice(redis_prefix):
    storage = JournalStorage(_LostReplyBackend(REDIS_URL, prefix=redis_prefix))
    study_id = storage.create_new_study(MIN, "s")  # its reply is lost, then found in the log
    storage.create_new_trial(study_id)
    fresh = open_redis_storage(redis_prefix)
    assert [s.study_name for s in fresh.get_all_studies()] == ["s"]
    assert len(fresh.get_all_trials(study_id)) == 1
    assert fresh._replay.n_ops == 2  # one create-study, one create-trial: nothing twice


# --- locks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lock_cls", [JournalFileSymlinkLock, JournalFileOpenLock])
def test_stale_lock_is_broken_and_held_lock_times_out(lock_cls, tmp_path):
    path = str(tmp_path / "j.log")
    holder = lock_cls(path, grace_period=1)
    assert holder.acquire()
    waiter = lock_cls(path, grace_period=None, timeout=0.3)
    with pytest.raises(TimeoutError, match="j.log.lock"):
        waiter.acquire()
    # the holder "dies": its lock file ages past the grace period and is broken
    old = time.time() - 5
    os.utime(holder.lock_file, (old, old), follow_symlinks=False)
    breaker = lock_cls(path, grace_period=1, timeout=5)
    assert breaker.acquire()
    assert os.path.lexists(breaker.lock_file)
    breaker.release()
    assert not os.path.lexists(breaker.lock_file)
    assert sorted(os.listdir(tmp_path)) == []  # nothing left behind


def test_lock_arguments_are_validated(tmp_path):
    with pytest.raises(ValueError, match="grace_period"):
        JournalFileSymlinkLock(str(tmp_path / "j.log"), grace_period=0)
    with pytest.raises(ValueError, match="timeout"):
        JournalFileOpenLock(str(tmp_path / "j.log"), timeout=-1)


_ = (IntDistribution,)

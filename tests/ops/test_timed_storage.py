"""``TimedStorage`` keeps the wrapped storage's fast paths: its own trial session (in-memory) and
the RDB storage's one durable commit per trial, while every session call is still timed under
the storage operation of the same meaning (real storages: in-memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

import skipjack
from skipjack import observability
from skipjack.distributions import FloatDistribution
from skipjack.observability import TimedStorage
from skipjack.observability._metrics import worker_metrics
from skipjack.observability._timed_storage import SESSION_OPERATIONS, timed_storage
from skipjack.storages import InMemoryStorage, RDBStorage
from skipjack.storages._base import TrialSession
from skipjack.testing.storage_suite import StorageConformance
from skipjack.trial import TrialState
from tests.storages._rdb_servers import empty_database, server_url
from tests.storages.test_rdb_one_commit import _Commits


def _make(kind, tmp_path):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    if kind == "memory":
        return InMemoryStorage()
    if kind == "sqlite":
        return RDBStorage(f"sqlite:///{tmp_path / 'timed.db'}")
    url = server_url(kind)
    empty_database(url)
    return RDBStorage(url)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def storage(request, tmp_path):
    return _make(request.param, tmp_path)


def _counts():
    return {labels[0]: count for labels, count, _ in worker_metrics().storage.samples()}


def _objective(trial):
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    trial.report(x, 0)
    trial.report(y, 1)
    trial.set_user_attr("u", 1)
    return x + y


def test_the_session_underneath_is_the_backends_own(storage):
    observability.enable_metrics(time_storage=True)
    study = skipjack.create_study(storage=storage)
    assert isinstance(study._storage, TimedStorage) and study._storage.inner is storage
    trial = study.ask()
    session = trial._session
    assert session.storage is study._storage  # writes are seen by the wrapper
    plain = storage.open_trial(trial._trial_id)
    assert type(session.inner) is type(plain)  # the backend's class, e.g. the in-memory one's
    if isinstance(storage, InMemoryStorage):
        assert type(plain) is not TrialSession
    assert session.trial_id == trial._trial_id and session.record.state == TrialState.RUNNING
    trial.suggest_float("x", 0, 1)
    study.tell(trial, 0.5)
    assert storage.get_trial(trial._trial_id).params.keys() == {"x"}
    opened = study._storage.open_trial(trial._trial_id)
    assert type(opened.inner) is type(storage.open_trial(trial._trial_id))


def test_metrics_count_every_session_call_under_the_storage_operation(storage):
    observability.enable_metrics(time_storage=True)
    study = skipjack.create_study(storage=storage, sampler=skipjack.samplers.RandomSampler(0))
    before = _counts()
    study.optimize(_objective, n_trials=7)
    after = _counts()

    def added(op):
        return after.get(op, 0) - before.get(op, 0)

    assert added("start_trial") == 7
    assert added("set_trial_param") == 14
    assert added("set_trial_intermediate_value") == 14
    assert added("set_trial_user_attr") == 7
    assert added("set_trial_state_values") == 7
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 7
    assert all(t.intermediate_values.keys() == {0, 1} for t in study.trials)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_rdb_loop_keeps_one_commit_per_trial_with_metrics_on(kind, tmp_path):
    storage = _make(kind, tmp_path)
    observability.enable_metrics()  # RDB storages are timed by default
    study = skipjack.create_study(storage=storage, sampler=skipjack.samplers.RandomSampler(0))
    assert isinstance(study._storage, TimedStorage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
                   n_trials=2)  # warm the caches
    before = _counts()
    with _Commits(storage) as loop:
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
                       n_trials=21)
    # as without metrics (tests/storages/test_rdb_one_commit.py): the first trial's ask commits
    # once, the 20 after it ride in the previous trial's finish; 2 parameters each
    assert loop.count == 21 * 3 + 1, loop.count
    after = _counts()
    assert after["start_trial"] - before.get("start_trial", 0) == 21
    assert after["set_trial_state_values"] - before["set_trial_state_values"] == 21
    assert after.get("create_new_trial", 0) - before.get("create_new_trial", 0) == 0
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 23
    assert [t.number for t in study.trials] == list(range(23))


def test_an_error_puts_back_the_started_trial_through_the_wrapper(tmp_path):
    storage = _make("sqlite", tmp_path)
    observability.enable_metrics()
    study = skipjack.create_study(storage=storage)

    def objective(trial):
        if trial.number == 2:
            raise KeyError("stop")
        return trial.suggest_float("x", 0, 1)

    with pytest.raises(KeyError):
        study.optimize(objective, n_trials=5)
    states = [t.state for t in storage.get_all_trials(study._study_id)]
    assert TrialState.RUNNING not in states[:2] and states[2] == TrialState.FAIL
    assert TrialState.RUNNING not in states  # nothing left started for a turn that did not come


def test_every_session_call_has_an_operation():
    names = {n for n in dir(TrialSession) if not n.startswith("_")
             and callable(getattr(TrialSession, n))}
    assert set(SESSION_OPERATIONS) == names
    assert set(SESSION_OPERATIONS.values()) <= set(observability._timed_storage.TIMED_OPERATIONS)


def test_a_failing_session_call_is_timed_and_raises(tmp_path):
    observability.enable_metrics()
    wrapper = timed_storage(InMemoryStorage(), worker_metrics().storage)
    study_id = wrapper.create_new_study([skipjack.study.StudyDirection.MINIMIZE])
    session = wrapper.start_trial(study_id)
    session.finish(TrialState.COMPLETE, [1.0])
    before = _counts()["set_trial_param"]
    with pytest.raises(skipjack.exceptions.UpdateFinishedTrialError):
        session.set_param("x", 0.5, 0.5, FloatDistribution(0, 1))
    assert _counts()["set_trial_param"] == before + 1


class TestTimedInMemoryConformance(StorageConformance):
    @pytest.fixture
    def storage(self):
        return timed_storage(InMemoryStorage(), worker_metrics().storage)


class TestTimedSQLiteConformance(StorageConformance):
    @pytest.fixture
    def storage(self, tmp_path):
        return timed_storage(RDBStorage(f"sqlite:///{tmp_path / 'c.db'}"),
                             worker_metrics().storage)

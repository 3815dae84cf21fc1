"""One durable commit per trial on the RDB storage: ``optimize`` starts each next trial inside the
previous trial's finishing transaction (docs/storage.md, "One commit per trial").

Counts commits with SQLAlchemy statement events (no timing), and checks that the loop's visible
behaviour is unchanged: exactly ``n_trials`` trials, nothing left RUNNING or WAITING after a stop,
an error or a timeout, enqueued trials first and in order, threads sharing one study.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from sqlalchemy import event

import skipjack
from skipjack.storages import RDBStorage
from skipjack.trial import TrialState
from tests.storages._rdb_servers import empty_database, server_url


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def storage(request, tmp_path):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    if request.param == "sqlite":
        return RDBStorage(f"sqlite:///{tmp_path / 'one.db'}")
    url = server_url(request.param)
    empty_database(url)
    return RDBStorage(url)


def _objective(trial):
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


class _Commits:
    """Durable commits seen: explicit COMMITs, and writes autocommitted outside a transaction."""

    def __init__(self, storage):
        self.storage = storage
        self.count = 0
        self._in_tx = threading.local()

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        # a multi-statement query (PostgreSQL's finish-and-start) counts statement by statement
        for part in statement.split("; "):
            word = part.lstrip().split(None, 1)[0].upper()
            in_tx = getattr(self._in_tx, "on", False)
            if word == "BEGIN":
                self._in_tx.on = True
            elif word in ("COMMIT", "ROLLBACK"):
                self._in_tx.on = False
                self.count += word == "COMMIT"
            elif word in ("INSERT", "UPDATE", "DELETE") and not in_tx:
                self.count += 1

    def __enter__(self):
        event.listen(self.storage._engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        event.remove(self.storage._engine, "before_cursor_execute", self._before)


def _states(study):
    return [t.state for t in study.get_trials(deepcopy=False)]


def test_the_loop_commits_once_per_trial_plus_once_per_parameter(storage):
    study = skipjack.create_study(storage=storage, sampler=skipjack.samplers.RandomSampler(0))
    study.optimize(_objective, n_trials=2)  # warm the caches
    with _Commits(storage) as loop:
        study.optimize(_objective, n_trials=21)
    # the first trial of a loop is created by its ask (1 commit); the 20 after it ride in the
    # previous trial's tell: 2 parameters + 1 finish-and-start each
    assert loop.count == 21 * 3 + 1, loop.count
    with _Commits(storage) as with_callbacks:
        study.optimize(_objective, n_trials=20, callbacks=[lambda s, t: None])
    assert with_callbacks.count == 20 * 4, with_callbacks.count  # ask + 2 parameters + tell
    assert _states(study) == [TrialState.COMPLETE] * 43
    assert [t.number for t in study.trials] == list(range(43))


def test_ask_and_tell_are_unchanged(storage):
    study = skipjack.create_study(storage=storage)
    with _Commits(storage) as commits:
        for _ in range(5):
            trial = study.ask()
            study.tell(trial, _objective(trial))
    assert commits.count == 5 * 4
    assert _states(study) == [TrialState.COMPLETE] * 5


def test_stop_error_and_timeout_leave_no_started_trial(storage):
    study = skipjack.create_study(storage=storage)

    def stops(trial):
        if trial.number == 2:
            study.stop()
        return _objective(trial)

    study.optimize(stops, n_trials=10)
    assert _states(study) == [TrialState.COMPLETE] * 3

    def fails(trial):
        if trial.number == 5:
            raise RuntimeError("boom")
        return _objective(trial)

    with pytest.raises(RuntimeError, match="boom"):
        study.optimize(fails, n_trials=10)
    assert _states(study) == [TrialState.COMPLETE] * 5 + [TrialState.FAIL]

    def caught(trial):
        if trial.number == 7:
            raise ValueError("caught")
        return _objective(trial)

    study.optimize(caught, n_trials=3, catch=(ValueError,))
    assert _states(study) == [TrialState.COMPLETE] * 5 + [TrialState.FAIL] + [
        TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    study.optimize(_objective, timeout=0.5)
    states = _states(study)
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    assert [t.number for t in study.trials] == list(range(len(states)))


def test_enqueued_trials_are_taken_first_in_order_once(storage):
    study = skipjack.create_study(storage=storage)
    study.enqueue_trial({"x": 0.25})

    def enqueues(trial):
        if trial.number == 1:  # enqueued while the loop runs: the next finish takes them
            study.enqueue_trial({"x": 0.5})
            study.enqueue_trial({"x": 0.75})
        return _objective(trial)

    study.optimize(enqueues, n_trials=6)
    xs = [round(t.params["x"], 2) for t in study.trials]
    assert xs[0] == 0.25 and xs[2:4] == [0.5, 0.75], xs
    assert _states(study) == [TrialState.COMPLETE] * 6
    assert [t.number for t in study.trials] == list(range(6))


def test_threads_share_a_study_without_leftovers(storage):
    study = skipjack.create_study(storage=storage)
    study.optimize(_objective, n_trials=24, n_jobs=3)
    assert _states(study) == [TrialState.COMPLETE] * 24
    assert [t.number for t in study.trials] == list(range(24))


def test_a_started_trial_that_is_not_taken_goes_back_to_waiting(storage):
    study = skipjack.create_study(storage=storage)
    first = study.ask()
    storage.prepare_next_trial(study._study_id, first._trial_id)
    study.tell(first, 1.0)
    assert _states(study) == [TrialState.COMPLETE, TrialState.RUNNING]
    storage.prepare_next_trial(study._study_id, None)  # the loop ended after all
    assert _states(study) == [TrialState.COMPLETE, TrialState.WAITING]
    again = study.ask()  # any worker's next ask takes it, with its number
    assert again.number == 1 and again.params == {}
    study.tell(again, 2.0)
    assert _states(study) == [TrialState.COMPLETE] * 2


def test_the_started_trial_has_a_heartbeat_so_a_killed_worker_is_noticed(tmp_path):
    storage = RDBStorage(f"sqlite:///{tmp_path / 'hb.db'}", heartbeat_interval=1, grace_period=1)
    study = skipjack.create_study(storage=storage)
    first = study.ask()
    storage.prepare_next_trial(study._study_id, first._trial_id)
    study.tell(first, 1.0)
    (started,) = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    import time

    time.sleep(2.2)  # the worker "died" before its next ask: no beat since the tell
    assert storage._get_stale_trial_ids(study._study_id) == [started._trial_id]


def test_a_started_trial_near_its_grace_period_is_restarted_not_handed_over(tmp_path):
    storage = RDBStorage(f"sqlite:///{tmp_path / 'old.db'}", heartbeat_interval=1, grace_period=1)
    study = skipjack.create_study(storage=storage)
    first = study.ask()
    storage.prepare_next_trial(study._study_id, first._trial_id)
    study.tell(first, 1.0)
    (started,) = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    import time

    time.sleep(0.6)  # past half the grace period: another worker might soon fail it as stale
    again = study.ask()  # put back as WAITING and taken again, with a fresh start
    assert again.number == started.number
    assert storage._get_stale_trial_ids(study._study_id) == []
    study.tell(again, 2.0)
    assert _states(study) == [TrialState.COMPLETE] * 2


def test_workers_whose_next_trials_start_at_the_same_instant_get_their_own(storage):
    # Two workers' finishing transactions start their next trials at the same microsecond (the
    # clocks of different hosts or processes do meet): each must be handed the trial its own
    # transaction started, never the other's, or one trial runs twice and a number is lost.
    other = RDBStorage(storage.url)
    study = skipjack.create_study(storage=storage)
    sid = study._study_id
    mine, theirs = storage.create_new_trial(sid), other.create_new_trial(sid)
    instant = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901)
    for s in (storage, other):
        s._writer._now = lambda: instant  # the clock only; the database is real
    storage.prepare_next_trial(sid, mine)
    other.prepare_next_trial(sid, theirs)
    storage.set_trial_state_values(mine, TrialState.COMPLETE, [1.0])
    other.set_trial_state_values(theirs, TrialState.COMPLETE, [2.0])
    a, b = storage.start_trial(sid), other.start_trial(sid)
    assert {a.trial_id, b.trial_id} == {
        t._trial_id for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    assert a.trial_id != b.trial_id
    assert sorted(t.number for t in study.get_trials(deepcopy=False)) == [0, 1, 2, 3]


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_adding_a_trial_does_not_hold_up_a_worker_finishing_one(backend):
    # A trial added from a template (add_trial, enqueue_trial, the retry of a failed trial) and
    # a worker's next trial started in its finishing transaction take numbers of one study at
    # the same moment. Neither waits for the other's transaction: had the addition held the
    # study row while the finish's insert checked its foreign key on that row, each would wait
    # for the other (a deadlock, broken only by the server after its deadlock timeout).
    url = server_url(backend)
    empty_database(url)
    adder, worker = RDBStorage(url), RDBStorage(url)
    study = skipjack.create_study(storage=adder)
    sid = study._study_id
    running = worker.create_new_trial(sid)
    finished = threading.Event()

    def finish():  # the plan for the next trial belongs to the thread that finishes
        worker.prepare_next_trial(sid, running)
        worker.set_trial_state_values(running, TrialState.COMPLETE, [1.0])
        finished.set()

    waited: list[bool] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not waited and statement.lstrip().upper().startswith("INSERT INTO TRIALS"):
            thread = threading.Thread(target=finish)
            thread.start()
            waited.append(finished.wait(5.0))  # the addition's transaction is open meanwhile

    event.listen(adder._engine, "before_cursor_execute", before)
    try:
        study.add_trial(skipjack.trial.create_trial(value=3.0, params={"x": 0.5},
                        distributions={"x": skipjack.distributions.FloatDistribution(0, 1)}))
    finally:
        event.remove(adder._engine, "before_cursor_execute", before)
    assert waited == [True]
    trials = study.get_trials(deepcopy=False)
    assert sorted(t.number for t in trials) == [0, 1, 2]
    assert [t.state for t in sorted(trials, key=lambda t: t.number)] == [
        TrialState.COMPLETE, TrialState.RUNNING, TrialState.COMPLETE]
    added = [t for t in trials if t.value == 3.0]
    assert len(added) == 1 and added[0].params == {"x": 0.5}

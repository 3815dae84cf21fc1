"""What the dashboard needs from a storage at scale, on real storages: the RDB incremental read
proportional to what changed, the study overview from SQL aggregates, trials read by number,
heartbeat ages (RDB, journal, in-memory), and pages answered while a study's first read runs."""

from __future__ import annotations

import datetime
import math
import time
import uuid

import pytest
import sqlalchemy as sa

import skipjack
from skipjack.samplers import RandomSampler
from skipjack.storages import InMemoryStorage, JournalStorage, RDBStorage
from skipjack.storages.journal import JournalFileBackend
from skipjack.trial import TrialState
from tests.storages._rdb_servers import server_url


def _objective(trial):  # type: ignore[no-untyped-def]
    x = trial.suggest_float("x", -2, 2)
    trial.set_user_attr("tag", trial.number % 3)
    if trial.number % 5 == 4:
        raise skipjack.TrialPruned()
    if trial.number % 7 == 6:
        raise ValueError("boom")
    return x * x


def _fill(storage, n, name=None):  # type: ignore[no-untyped-def]
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(study_name=name or f"scale-{uuid.uuid4().hex[:8]}",
                                  storage=storage, sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=n, catch=(ValueError,))
    return study


def _bulk(url: str, n: int) -> int:
    """A study of ``n`` COMPLETE trials written in one transaction (fast); its id."""
    storage = RDBStorage(url)
    study_id = storage.create_new_study([skipjack.study.StudyDirection.MINIMIZE],
                                        f"bulk-{uuid.uuid4().hex[:8]}")
    from skipjack.storages._rdb import models as m

    start = datetime.datetime(2026, 1, 1)
    with storage.engine.begin() as conn:
        first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(m.trials.c.trial_id), 0))
                             ).scalar()
        conn.execute(m.trials.insert(), [
            {"trial_id": first + 1 + i, "number": i, "study_id": study_id, "state": "COMPLETE",
             "datetime_start": start, "datetime_complete": start} for i in range(n)])
        conn.execute(m.trial_values.insert(), [
            {"trial_id": first + 1 + i, "objective": 0, "value": float(i), "value_type": "FINITE"}
            for i in range(n)])
    storage.engine.dispose()
    return study_id


def _vm_steps(storage: RDBStorage, fn):  # type: ignore[no-untyped-def]
    """SQLite virtual-machine steps (in thousands) spent by ``fn()``: a measure of work done."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def install(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.connection.dbapi_connection.set_progress_handler(count, 1000)

    sa.event.listen(storage.engine, "before_cursor_execute", install)
    try:
        fn()
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", install)
    return steps[0]


def test_rdb_incremental_read_costs_what_changed_not_the_study(tmp_path):
    costs = {}
    for n in (500, 20_000):
        url = f"sqlite:///{tmp_path / f'{n}.db'}"
        study_id = _bulk(url, n)
        storage = RDBStorage(url)
        trials, mark = storage.get_trials_since(study_id, None)
        assert len(trials) == n
        costs[n] = _vm_steps(storage, lambda: storage.get_trials_since(study_id, mark))
        changed, _ = storage.get_trials_since(study_id, mark)
        assert changed == []
    # 40 times the trials: the empty incremental read must not cost 40 times the work (it was
    # a walk over every trial of the study, six times; now two index range reads).
    assert costs[500] > 0 and costs[20_000] <= 2 * costs[500] + 5, costs


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql"])
def test_rdb_overview_and_trials_by_number_agree_with_a_recount(tmp_path, backend):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'o.db'}"
    else:
        url = server_url(backend)
    storage = RDBStorage(url)
    study = _fill(storage, 40)
    sid = study._study_id
    running = study.ask()  # one RUNNING trial (no value, latest start)
    trials = study.get_trials()
    overview = storage.get_study_overview(sid)
    counts = {s.name: sum(t.state == s for t in trials) for s in TrialState}
    assert overview["states"] == counts and overview["n_trials"] == len(trials)
    assert overview["max_number"] == running.number
    assert overview["best"][0] == study.best_trial.number
    assert math.isclose(overview["best"][1], study.best_value)
    assert overview["first_start"] == trials[0].datetime_start
    assert overview["last_activity"] == max(t.datetime_complete or t.datetime_start
                                            for t in trials)
    picked = storage.get_trials_by_number(sid, [39, 3, 0, 3, 999])
    assert picked == [trials[0], trials[3], trials[39]]
    assert storage.get_trials_by_number(sid, []) == []
    study.tell(running, 1.0)
    skipjack.delete_study(study_name=study.study_name, storage=storage)


def test_rdb_overview_best_of_a_maximized_study_with_infinities(tmp_path):
    storage = RDBStorage(f"sqlite:///{tmp_path / 'inf.db'}")
    study = skipjack.create_study(storage=storage, direction="maximize")
    for v in (1.0, float("inf"), 3.0):
        study.add_trial(skipjack.trial.create_trial(value=v))
    assert storage.get_study_overview(study._study_id)["best"] == (1, float("inf"))
    mo = skipjack.create_study(storage=storage, directions=["minimize", "maximize"])
    assert storage.get_study_overview(mo._study_id)["best"] is None


def _heartbeat_storages(tmp_path):  # type: ignore[no-untyped-def]
    yield "rdb", RDBStorage(f"sqlite:///{tmp_path / 'hb.db'}", heartbeat_interval=60)
    yield "journal", JournalStorage(JournalFileBackend(str(tmp_path / "hb.log")),
                                    heartbeat_interval=60)


def test_heartbeat_ages_of_running_trials(tmp_path):
    for kind, storage in _heartbeat_storages(tmp_path):
        study = skipjack.create_study(storage=storage)
        running, quiet, done = study.ask(), study.ask(), study.ask()
        storage.record_heartbeat(running._trial_id)
        storage.record_heartbeat(done._trial_id)
        study.tell(done, 1.0)
        ages = storage.get_heartbeat_ages(study._study_id)
        assert set(ages) == {running._trial_id}, kind  # only RUNNING trials with a beat
        assert 0.0 <= ages[running._trial_id] < 30.0, kind
        assert quiet._trial_id not in ages
    memory = InMemoryStorage()
    study = skipjack.create_study(storage=memory)
    study.ask()
    assert memory.get_heartbeat_ages(study._study_id) == {}  # no heartbeats in memory


class SlowFirstRead(RDBStorage):
    """A real SQLite storage whose first full read of a study takes ``delay`` more seconds (a
    large study on a busy server), to test the pages answered meanwhile."""

    delay = 3.0

    def get_trials_since(self, study_id, watermark):  # type: ignore[no-untyped-def]
        if watermark is None:
            time.sleep(self.delay)
        return super().get_trials_since(study_id, watermark)


def test_pages_are_answered_from_aggregates_while_the_first_read_runs(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from skipjack.dashboard import create_app

    url = f"sqlite:///{tmp_path / 'cold.db'}"
    study = _fill(url, 30, name="cold")
    sid = study._study_id
    trials = study.get_trials()
    with TestClient(create_app(SlowFirstRead(url), min_interval=0.0)) as client:
        t0 = time.monotonic()
        cold = client.get(f"/api/studies/{sid}").json()
        page = client.get(f"/api/studies/{sid}/trials",
                          params={"sort": "number", "order": "desc", "limit": 7}).json()
        listed = client.get("/api/studies").json()["studies"]
        assert time.monotonic() - t0 < SlowFirstRead.delay  # none waited for the first read
        assert cold["loading"] is True and cold["n_trials"] == 30
        assert cold["param_names"] == ["x"] and cold["attr_names"] == ["tag"]
        assert page["total"] == 30 and [t["number"] for t in page["trials"]] == list(
            range(29, 22, -1))
        assert listed[0]["n_trials"] == 30
        deadline = time.monotonic() + 60
        while client.get(f"/api/studies/{sid}").json().get("loading"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        warm = client.get(f"/api/studies/{sid}").json()
        for key in ("n_trials", "states", "best_value", "best_trial", "datetime_start",
                    "last_activity"):
            assert warm[key] == cold[key], key  # the aggregates agree with the full read
        assert warm["best_trial"] == study.best_trial.number
        assert client.get(f"/api/studies/{sid}/trials", params={
            "sort": "number", "order": "desc", "limit": 7}).json()["trials"] == page["trials"]
        assert len(trials) == 30

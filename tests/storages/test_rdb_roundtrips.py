"""Statements per trial of RDBStorage: few, and independent of the study's size.

Counts the statements sent to the database (SQLAlchemy ``before_cursor_execute`` events), which is
what the round-trip budget in docs/storage.md promises; no timing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

import skipjack
from skipjack.storages import RDBStorage
from tests.storages._rdb_servers import empty_database, server_url


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request, tmp_path):
    if request.param == "sqlite":
        return RDBStorage(f"sqlite:///{tmp_path / 'rt.db'}")
    url = server_url("postgresql")
    empty_database(url)
    return RDBStorage(url)


def _objective(trial):
    trial.set_user_attr("a", 1)
    for step in range(3):
        trial.report(float(step), step)
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


def _statements_per_trial(storage, study, n):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(storage._engine, "before_cursor_execute", count)
    try:
        study.optimize(_objective, n_trials=n)
    finally:
        event.remove(storage._engine, "before_cursor_execute", count)
    return len(seen) / n, seen.count("COMMIT") / n


def test_statements_per_trial_are_few_and_flat(storage):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.create_study(storage=storage, sampler=skipjack.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=2)  # warm the caches (distributions, probes)
    small, commits = _statements_per_trial(storage, study, 5)
    # ask: nothing (the previous tell started the trial); 6 writes (1 attribute, 3 reports, 2
    # parameters), each one autocommitted statement; tell: BEGIN, UPDATE, values, take a WAITING
    # trial or lock the study and insert the next one, COMMIT (docs/storage.md)
    assert small <= 13, small
    assert commits <= 1.0  # one explicit transaction per trial (the other writes autocommit)
    study.optimize(_objective, n_trials=60)
    large, _ = _statements_per_trial(storage, study, 5)
    assert large == small


def test_history_reads_only_changed_trials(storage):
    study = skipjack.create_study(storage=storage)
    for _ in range(30):
        study.tell(study.ask(), 1.0)
    running = study.ask()
    study.get_trials(deepcopy=False)  # first sync: everything
    rows: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "UNION ALL" in statement:
            rows.append(1)

    event.listen(storage._engine, "after_cursor_execute", count)
    changed, mark = storage.get_trials_since(study._study_id, (30, (30,)))
    event.remove(storage._engine, "after_cursor_execute", count)
    assert rows == [1]  # one statement
    assert [t.number for t in changed] == [30] and mark == (30, (30,))
    study.tell(running, 2.0)
    changed, mark = storage.get_trials_since(study._study_id, mark)
    assert [(t.number, t.value) for t in changed] == [(30, 2.0)] and mark == (30, ())

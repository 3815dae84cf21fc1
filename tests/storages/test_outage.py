"""A database that goes down during a run and comes back, or a connection lost while a write is
in flight: the workers resume, nothing is lost or run twice (real PostgreSQL, MariaDB and Redis
behind a TCP proxy that cuts every connection)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

import skipjack
from skipjack.trial import TrialState
from tests.storages._proxy import TcpProxy
from tests.storages._rdb_servers import empty_database, server_url

_PORTS = {"postgresql": 5432, "mysql": 3306, "redis": 6379}
OUTAGE_SECONDS = 3.0
N_TRIALS = 60


@contextlib.contextmanager
def _behind_proxy(kind: str) -> Iterator[tuple[TcpProxy, object, object]]:
    """(proxy, storage through the proxy, storage straight to the server)."""
    proxy = TcpProxy(_PORTS[kind])
    if kind == "redis":
        import redis

        from skipjack.storages.journal import JournalRedisBackend, JournalStorage

        prefix = f"skipjack-test-outage-{uuid.uuid4().hex}"
        proxied = JournalStorage(JournalRedisBackend(f"redis://127.0.0.1:{proxy.port}",
                                                     prefix=prefix))
        direct = JournalStorage(JournalRedisBackend("redis://127.0.0.1:6379", prefix=prefix))
    else:
        url = server_url(kind)
        empty_database(url)
        proxied = url.replace(f":{_PORTS[kind]}/", f":{proxy.port}/")
        direct = url
    try:
        yield proxy, proxied, direct
    finally:
        proxy.close()
        if kind == "redis":
            client = redis.Redis.from_url("redis://127.0.0.1:6379")
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)


@pytest.mark.parametrize("kind", ["postgresql", "mysql", "redis"])
def test_run_resumes_when_the_database_comes_back(kind):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    with _behind_proxy(kind) as (proxy, proxied, direct):
        _run_through_outage(proxy, proxied, direct)


def _run_through_outage(proxy, proxied, direct):
    study = skipjack.create_study(study_name="outage", storage=proxied)
    outage: list[float] = []

    def cut_and_restore() -> None:
        outage.append(time.monotonic())
        proxy.down()
        time.sleep(OUTAGE_SECONDS)
        proxy.up()
        outage.append(time.monotonic())

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        trial.set_user_attr("tag", trial.number)
        if trial.number == 10:  # mid-run, whatever the machine's speed
            threading.Thread(target=cut_and_restore, daemon=True).start()
            time.sleep(0.2)
        trial.report(x, 0)
        return x * x

    study.optimize(objective, n_trials=N_TRIALS)

    assert len(outage) == 2 and proxy.dropped >= 1  # the connections really were cut
    trials = skipjack.load_study(study_name="outage", storage=direct).get_trials()
    assert sorted(t.number for t in trials) == list(range(N_TRIALS))  # none lost, none twice
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.user_attrs["tag"] == t.number and t.intermediate_values == {0: t.params["x"]}
               and t.value == pytest.approx(t.params["x"] ** 2) for t in trials)


@pytest.mark.parametrize(("kind", "marker"), [
    ("postgresql", b"INSERT INTO trials "), ("postgresql", b"COMMIT"),
    ("mysql", b"INSERT INTO trials "), ("mysql", b"COMMIT"),
    ("redis", b'"values"'),  # the journal append that finishes a trial
])
def test_write_whose_answer_was_lost_is_not_done_twice(kind, marker):
    # The statement reaches the server and takes effect, the connection dies before the answer:
    # the retry must recognise its own committed write (a trial created or finished) instead of
    # creating a second trial or failing with "already finished".
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    with _behind_proxy(kind) as (proxy, proxied, direct):
        _run_with_lost_answer(proxy, proxied, direct, marker)


def _run_with_lost_answer(proxy, proxied, direct, marker):
    study = skipjack.create_study(study_name="lost-answer", storage=proxied)

    def objective(trial):
        if trial.number == 1:
            # The next trial insert, or this trial's final COMMIT. Early, while psycopg still
            # sends the statements' text (it prepares them from their fifth execution on).
            proxy.cut_after(marker)
        return trial.suggest_float("x", -1, 1) ** 2

    study.optimize(objective, n_trials=12)

    assert proxy.cuts == 1
    trials = skipjack.load_study(study_name="lost-answer", storage=direct).get_trials()
    assert sorted(t.number for t in trials) == list(range(12))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.value == pytest.approx(t.params["x"] ** 2) for t in trials)

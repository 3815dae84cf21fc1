"""Outages between a worker and its database, through the TCP proxy (tests/storages/_proxy.py):
a partition shorter than the grace period is ridden out (nothing failed), a longer one makes
another worker fail the trial, and the owner survives the refused ``tell`` (issue 16, finding 3);
added latency changes nothing. Real PostgreSQL, MariaDB and Redis (journal); the shared servers
are never touched, only the proxy in front of them."""

from __future__ import annotations

import threading
import time

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.study._optimize import lost_tells
from tests.faults._harness import Figures, backend_spec, check
from tests.faults._worker import open_storage
from tests.storages._proxy import TcpProxy
from tests.storages._rdb_servers import server_url

PORTS = {"postgresql": 5432, "mysql": 3306, "redis": 6379}
GRACE = 3


def _proxied(spec, proxy):
    port = PORTS[spec["backend"]]
    return {**spec, "url": spec["url"].replace(f":{port}", f":{proxy.port}"), "grace": GRACE}


def _run(backend, tmp_path, outage: float, mode: str):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    spec = {**backend_spec(backend, tmp_path), "grace": GRACE}
    name = f"outage-{backend}-{mode}-{int(outage)}"
    skipjack.create_study(storage=open_storage(spec), study_name=name)
    spec["study"] = name
    proxy = TcpProxy(PORTS[backend])
    errors: list[BaseException] = []
    done = threading.Event()

    def fault():
        if mode == "partition":
            proxy.partition()
            time.sleep(outage)
            proxy.heal()
        else:
            proxy.latency(0.05)

    def owner_objective(trial):
        x = trial.suggest_float("x", -1, 1)
        if trial.number_in_worker == 2:  # set below: the owner's third trial
            threading.Thread(target=fault, daemon=True).start()
            time.sleep(0.2)
        trial.report(x, 0)  # blocks during a partition
        return x * x

    def owner():
        try:
            study = skipjack.load_study(study_name=name, storage=open_storage(_proxied(spec, proxy)))
            count = {"n": 0}

            def objective(trial):
                trial.number_in_worker = count["n"]
                count["n"] += 1
                return owner_objective(trial)

            study.optimize(objective, n_trials=6)
        except BaseException as e:  # noqa: BLE001 - asserted below
            errors.append(e)
        finally:
            done.set()

    def other():
        study = skipjack.load_study(study_name=name, storage=open_storage(spec))
        while not done.is_set():
            study.optimize(lambda t: (time.sleep(0.2), t.suggest_float("x", -1, 1))[1] ** 2,
                           n_trials=1)

    before = lost_tells().get(name, 0)
    threads = [threading.Thread(target=owner), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    proxy.close()
    assert not errors, f"the owner's optimize raised {errors[0]!r}"
    time.sleep(GRACE + 1)
    study = skipjack.load_study(study_name=name, storage=open_storage(spec))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=len(
        study.get_trials(deepcopy=False, states=(TrialState.WAITING,))) or 1)
    violations = check(spec, name, None)
    lost = lost_tells().get(name, 0) - before
    figures = Figures(runs=1, trials=len(study.trials), violations=len(violations))
    print(f"\n{figures.line(f'{mode}-{outage:g}s/{backend}')} lost_tells={lost}")
    assert not violations, violations
    return study, lost


@pytest.mark.parametrize("backend", ["postgresql", "mysql", "redis"])
def test_partition_longer_than_grace_period_the_owner_survives(backend, tmp_path):
    study, lost = _run(backend, tmp_path, outage=GRACE + 5, mode="partition")
    failed = [t for t in study.trials if t.state == TrialState.FAIL]
    assert lost >= 1 and failed, "the other worker should have failed the owner's trial"
    assert any(t.system_attrs.get("failed_trial") is not None for t in study.trials)  # retried


@pytest.mark.parametrize("backend", ["postgresql", "mysql", "redis"])
def test_partition_shorter_than_grace_period_is_ridden_out(backend, tmp_path):
    study, lost = _run(backend, tmp_path, outage=1.0, mode="partition")
    assert lost == 0
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_latency_changes_nothing(backend, tmp_path):
    study, lost = _run(backend, tmp_path, outage=0, mode="latency")
    assert lost == 0 and all(t.state == TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_lost_reply_does_not_hang_the_worker(backend, tmp_path, monkeypatch):
    """The proxy swallows every byte for 2 s with the connections left open (a black hole), so
    the statement in flight never gets its answer: after ``$SKIPJACK_REPLY_TIMEOUT`` seconds the
    connection is taken as lost and the call retried on a new one; every trial completes."""
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    monkeypatch.setenv("SKIPJACK_REPLY_TIMEOUT", "3")
    spec = backend_spec(backend, tmp_path)
    proxy = TcpProxy(PORTS[backend])
    name = f"drop-{backend}"
    port = PORTS[backend]
    url = spec["url"].replace(f":{port}", f":{proxy.port}")
    study = skipjack.create_study(storage=url, study_name=name)
    finished = threading.Event()
    errors: list[BaseException] = []

    def objective(trial):
        if trial.number == 2:
            proxy.drop()
            threading.Timer(2.0, proxy.heal).start()
        trial.report(1.0, 0)
        return trial.suggest_float("x", 0, 1)

    def run():
        try:
            study.optimize(objective, n_trials=6)
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)
        finished.set()

    started = time.monotonic()
    threading.Thread(target=run, daemon=True).start()
    try:
        assert finished.wait(30), "the worker still waits for the lost reply after 30 s"
    finally:
        proxy.close()  # ends a hang: the client sees the connection close
    took = time.monotonic() - started
    assert not errors, f"optimize raised {errors[0]!r}"
    trials = skipjack.load_study(study_name=name, storage=spec["url"]).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 6
    assert trials[2].intermediate_values == {0: 1.0}
    print(f"\nlost-reply/{backend}: 6 trials COMPLETE, {took:.1f} s with a 3 s reply limit")


def test_reply_timeout_settings(monkeypatch):
    from skipjack.storages._rdb._engine import create_engine, reply_timeout

    monkeypatch.setenv("SKIPJACK_REPLY_TIMEOUT", "soon")
    with pytest.raises(ValueError, match=r"\$SKIPJACK_REPLY_TIMEOUT must be a number of seconds"):
        reply_timeout()
    monkeypatch.setenv("SKIPJACK_REPLY_TIMEOUT", "0")
    assert reply_timeout() is None
    monkeypatch.delenv("SKIPJACK_REPLY_TIMEOUT")
    assert reply_timeout() == 60
    pg = create_engine(server_url("postgresql"), {"connect_args": {"keepalives_idle": 5}})
    raw = pg.raw_connection()
    try:
        params = raw.driver_connection.info.get_parameters()  # libpq's view of the connection
    finally:
        raw.close()
    assert params["keepalives"] == "1" and params["keepalives_idle"] == "5"  # the user's wins
    assert params["tcp_user_timeout"] == "60000" and params["connect_timeout"] == "10"
    my = create_engine(server_url("mysql"), None)
    raw = my.raw_connection()
    try:
        assert (raw.driver_connection._read_timeout, raw.driver_connection._write_timeout) == (
            60, 60)
    finally:
        raw.close()


def test_a_forked_child_watches_its_own_calls():
    """The reply watchdog of a forked child is its own (the parent's thread and lock are not)."""
    import os

    from skipjack.storages._rdb import _engine

    url = server_url("postgresql")
    skipjack.create_study(storage=url, study_name="fork-watch-parent", load_if_exists=True)
    with _engine._REPLY_WATCH._lock:  # held at the fork, as the watchdog may hold it
        pid = os.fork()
        if pid == 0:  # the child: a fresh watch, and PostgreSQL calls work
            try:
                fresh = _engine._REPLY_WATCH._thread is None
                skipjack.create_study(storage=url, study_name="fork-watch-child",
                                      load_if_exists=True)
                os._exit(0 if fresh and _engine._REPLY_WATCH._thread is not None else 3)
            except BaseException:  # noqa: BLE001 - reported by the exit code
                os._exit(4)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        raise AssertionError("the forked child hung on the watchdog's lock")
    assert os.waitstatus_to_exitcode(status) == 0

"""What the on-call view shows from the core's records: the failed objective's traceback, the
worker (host, pid) holding a running trial, heartbeat ages, and storage latency from the metrics
layer. On real storages (SQLite file, journal file)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

import skipjack  # noqa: E402
from skipjack.dashboard import create_app  # noqa: E402
from skipjack.storages import JournalStorage, RDBStorage  # noqa: E402
from skipjack.storages.journal import JournalFileBackend  # noqa: E402
from skipjack.study._optimize import TRACEBACK_KEY, WORKER_KEY  # noqa: E402


def _deep_failure(x: float) -> float:
    raise ValueError(f"diverged at x={x:.3f}")


def _storages(tmp_path):  # type: ignore[no-untyped-def]
    yield RDBStorage(f"sqlite:///{tmp_path / 'oncall.db'}", heartbeat_interval=60)
    yield JournalStorage(JournalFileBackend(str(tmp_path / "oncall.log")), heartbeat_interval=60)


def test_a_failed_trial_keeps_its_traceback_and_a_running_one_its_worker(tmp_path):
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    for storage in _storages(tmp_path):
        study = skipjack.create_study(storage=storage)
        seen: dict[str, object] = {}

        def objective(trial):  # type: ignore[no-untyped-def]
            x = trial.suggest_float("x", 0, 1)
            if trial.number == 0:
                own = storage.get_trial(trial._trial_id)  # while it runs
                seen.update(own.system_attrs)
                return x
            return _deep_failure(x)

        study.optimize(objective, n_trials=2, catch=(ValueError,))
        assert seen[WORKER_KEY] == {"host": socket.gethostname(), "pid": os.getpid()}
        failed = study.trials[1]
        assert failed.system_attrs["fail_reason"].startswith("ValueError: diverged at x=")
        tb = failed.system_attrs[TRACEBACK_KEY]
        assert tb.startswith("Traceback (most recent call last):")
        assert "_deep_failure" in tb and tb.rstrip().endswith(failed.system_attrs["fail_reason"])
        assert TRACEBACK_KEY not in study.trials[0].system_attrs


def test_without_heartbeats_no_worker_is_written(tmp_path):
    storage = RDBStorage(f"sqlite:///{tmp_path / 'plain.db'}")
    study = skipjack.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert WORKER_KEY not in study.trials[0].system_attrs  # a plain run writes nothing more


def test_the_ops_view_shows_workers_ages_tracebacks_and_latency(tmp_path):
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    storage = RDBStorage(url, heartbeat_interval=60)
    study = skipjack.create_study(study_name="ops", storage=storage)
    study.optimize(lambda t: _deep_failure(t.suggest_float("x", 0, 1)), n_trials=3,
                   catch=(ValueError,))
    inside, release = threading.Event(), threading.Event()

    def slow(trial):  # type: ignore[no-untyped-def]
        inside.set()
        release.wait(60)
        return 1.0

    worker = threading.Thread(target=study.optimize, args=(slow,), kwargs={"n_trials": 1})
    worker.start()
    try:
        assert inside.wait(30)
        with TestClient(create_app(RDBStorage(url, heartbeat_interval=60),
                                   min_interval=0.0)) as client:
            ops = client.get(f"/api/studies/{study._study_id}/ops").json()
            [running] = ops["running"]
            assert running["worker"] == {"host": socket.gethostname(), "pid": os.getpid()}
            assert 0.0 <= running["heartbeat_age"] < 30.0 and running["stale"] is False
            [cause] = ops["failures"]
            assert cause["count"] == 3
            example = cause["examples"][0]
            assert "_deep_failure" in example["traceback"]
            assert example["worker"] == running["worker"]  # the worker it failed on
            # latency from the metrics layer's histogram of this dashboard's storage calls
            operations = {o["operation"]: o for o in ops["storage_operations"]}
            assert operations["get_trials_since"]["count"] >= 1
            assert ops["storage_latency_ms"] is not None and ops["storage_latency_ms"] > 0
            trial = client.get(f"/api/studies/{study._study_id}/trials/0").json()
            assert "_deep_failure" in trial["fail_traceback"]
    finally:
        release.set()
        worker.join(60)

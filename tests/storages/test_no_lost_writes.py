"""No write a call reported as done is ever lost: a worker SIGKILLed right after its calls returned
leaves every parameter, intermediate value and attribute it wrote in the storage, on every
persistent backend; and a trial told by another process while its worker still runs has them all.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import uuid
from typing import Any

import pytest

import skipjack
from skipjack.trial import TrialState
from tests.storages import _journal_helpers as jh
from tests.storages._rdb_servers import empty_database, server_url

BACKENDS = ["sqlite", "postgresql", "mysql", "journal-file", "journal-redis"]


def _open(spec: tuple[str, str]) -> Any:
    kind, where = spec
    if kind == "rdb":
        from skipjack.storages import RDBStorage

        return RDBStorage(where)
    if kind == "journal-file":
        return jh.open_file_storage(where, fsync=False)
    return jh.open_redis_storage(where)


def _spec(backend: str, tmp_path: Any) -> tuple[str, str]:
    if backend == "sqlite":
        return "rdb", f"sqlite:///{tmp_path / 'kill.db'}"
    if backend in ("postgresql", "mysql"):
        url = server_url(backend)
        empty_database(url)
        return "rdb", url
    if backend == "journal-file":
        return "journal-file", str(tmp_path / "kill.log")
    from tests.storages.test_journal import _redis_client

    _redis_client()  # skips (or fails under CI) when Redis is not reachable
    return "journal-redis", f"no-lost-writes-{uuid.uuid4().hex}"


def _write_then_die(spec: tuple[str, str], study_name: str, conn: Any, die: bool) -> None:
    """Child: run one trial's writes, tell the parent what it wrote, then be killed (or wait)."""
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.load_study(study_name=study_name, storage=_open(spec))
    trial = study.ask()
    written = {
        "x": trial.suggest_float("x", -5, 5),
        "n": trial.suggest_int("n", 1, 100, log=True),
        "c": trial.suggest_categorical("c", ["a", "b", None]),
    }
    for step in range(4):
        trial.report(step * 0.5, step)
    trial.set_user_attr("note", {"k": [1, 2]})
    study._storage.set_trial_system_attr(trial._trial_id, "sys", "yes")
    conn.send((trial.number, written))
    if die:
        os.kill(os.getpid(), signal.SIGKILL)
    conn.recv()  # stay alive (holding whatever it buffers) until the parent has told the trial
    os._exit(0)


def _check(trial: Any, written: dict[str, Any]) -> None:
    assert trial.params == written
    assert trial.intermediate_values == {0: 0.0, 1: 0.5, 2: 1.0, 3: 1.5}
    assert trial.user_attrs == {"note": {"k": [1, 2]}}
    assert trial.system_attrs.get("sys") == "yes"


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_after_writes_loses_nothing(backend, tmp_path):
    spec = _spec(backend, tmp_path)
    name = f"kill-{uuid.uuid4().hex[:8]}"
    skipjack.create_study(study_name=name, storage=_open(spec))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_write_then_die, args=(spec, name, child, True))
    proc.start()
    number, written = parent.recv()
    proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL
    (trial,) = skipjack.load_study(study_name=name, storage=_open(spec)).get_trials()
    assert trial.number == number and trial.state == TrialState.RUNNING
    _check(trial, written)


@pytest.mark.parametrize("backend", BACKENDS)
def test_trial_told_by_another_process_has_every_write(backend, tmp_path):
    spec = _spec(backend, tmp_path)
    name = f"tell-{uuid.uuid4().hex[:8]}"
    skipjack.create_study(study_name=name, storage=_open(spec))
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_write_then_die, args=(spec, name, child, False))
    proc.start()
    try:
        number, written = parent.recv()
        study = skipjack.load_study(study_name=name, storage=_open(spec))
        study.tell(number, 1.25)  # at once, while the asking worker still runs
        (trial,) = skipjack.load_study(study_name=name, storage=_open(spec)).get_trials()
        assert trial.state == TrialState.COMPLETE and trial.value == 1.25
        _check(trial, written)
    finally:
        parent.send("done")
        proc.join(timeout=60)
    assert proc.exitcode == 0

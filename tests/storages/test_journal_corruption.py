"""Damaged journals: readers say precisely what is wrong, writers go on past a damaged line, a Redis
log reset under a writer is reported as a reset, an unknown op code warns."""

from __future__ import annotations

import logging
import subprocess
import time
import uuid

import pytest

import skipjack
from skipjack.storages.journal import JournalFileBackend, JournalRedisBackend, JournalStorage
from skipjack.storages.journal._base import JournalResetError
from skipjack.trial import TrialState
from tests.storages import _journal_helpers as jh
from tests.storages.test_journal import _redis_client


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def journal_warnings():
    handler = _Records()
    logger = logging.getLogger("skipjack.storages.journal")
    level = logger.level
    logger.setLevel(logging.WARNING)  # whatever verbosity an earlier test left on "skipjack"
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)
    logger.setLevel(level)


def _objective(trial):
    return trial.suggest_float("x", 0, 1)


def _study_with_trials(path, n=2):
    study = skipjack.create_study(study_name="s", storage=jh.open_file_storage(str(path)))
    study.optimize(_objective, n_trials=n)
    return study


@pytest.mark.parametrize("damage", [b"\0" * 40 + b"\n", b"\0" * 17, b"{\"op_code\": 4, \"stud\n"])
def test_file_writers_continue_past_a_damaged_line(tmp_path, journal_warnings, damage):
    path = tmp_path / "j.log"
    _study_with_trials(path)
    with open(path, "ab") as f:
        f.write(damage)  # a machine crash, a bad copy: NUL bytes or half a line
    # A new process (or the same one) keeps writing: its appends land after the damage and are
    # read back once the damaged region has been judged damage (not a write in flight).
    study = skipjack.load_study(study_name="s", storage=jh.open_file_storage(str(path)))
    study.optimize(_objective, n_trials=2)
    reread = skipjack.load_study(study_name="s", storage=jh.open_file_storage(str(path)))
    assert [t.state for t in reread.trials] == [TrialState.COMPLETE] * 4
    assert [t.number for t in reread.trials] == [0, 1, 2, 3]
    text = " ".join(journal_warnings)
    if b"\0" in damage:
        assert "NUL byte" in text and "damaged" in text and str(path) in text
    else:
        assert "corrupt line" in text and "operations after it are read" in text


def test_unknown_op_code_warns_once_and_is_ignored(tmp_path, journal_warnings):
    path = tmp_path / "op.log"
    _study_with_trials(path, n=1)
    code = 900 + uuid.uuid4().int % 99  # unique per run: the warning is once per process
    JournalFileBackend(str(path)).append_logs([{"op_code": code, "worker_id": "w", "x": 1}])
    JournalFileBackend(str(path)).append_logs([{"op_code": code, "worker_id": "w", "x": 2}])
    study = skipjack.load_study(study_name="s", storage=JournalStorage(JournalFileBackend(str(path))))
    study.optimize(_objective, n_trials=1)
    assert len(study.trials) == 2
    mine = [m for m in journal_warnings if f"unknown op_code {code}" in m]
    assert len(mine) == 1 and "newer Optuna or skipjack" in mine[0]


def test_redis_log_reset_under_a_writer_is_reported_as_a_reset():
    client = _redis_client()
    prefix = f"skipjack-reset-{uuid.uuid4().hex}"
    try:
        storage = jh.open_redis_storage(prefix)
        study = skipjack.create_study(study_name="r", storage=storage)
        study.optimize(_objective, n_trials=3)
        trial = study.ask()
        for key in client.scan_iter(f"{prefix}*"):  # Redis restarted without persistence
            client.delete(key)
        with pytest.raises(JournalResetError, match="reset under this process") as info:
            trial.suggest_float("x", 0, 1)
        assert "appendonly" in str(info.value)
        # nothing was appended to the emptied log
        assert list(client.scan_iter(f"{prefix}*")) == []
        with pytest.raises(JournalResetError):
            study.get_trials()
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_redis(binary: str, port: int, workdir) -> subprocess.Popen:
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return proc
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


def test_own_redis_restarted_without_persistence_is_a_reset(tmp_path, monkeypatch):
    # Our own redis-server on a free port (never the shared one), killed and restarted empty.
    from tests._servers import require_binary

    binary = require_binary("redis-server")
    monkeypatch.setenv("SKIPJACK_CONNECT_TIMEOUT", "20")
    port = _free_port()
    proc = _start_redis(binary, port, tmp_path)
    try:
        storage = JournalStorage(JournalRedisBackend(f"redis://127.0.0.1:{port}"))
        study = skipjack.create_study(study_name="restart", storage=storage)
        study.optimize(_objective, n_trials=3)
        trial = study.ask()
        proc.kill()
        proc.wait()
        proc = _start_redis(binary, port, tmp_path)  # same port, nothing kept
        with pytest.raises(JournalResetError, match="reset under this process"):
            trial.suggest_float("x", 0, 1)
        import redis

        assert redis.Redis(host="127.0.0.1", port=port).dbsize() == 0  # nothing appended
    finally:
        proc.kill()
        proc.wait()

"""A full disk under SQLite and journal files (a small tmpfs the test mounts), and damaged files:
the writer gets a clear error instead of a hang or a silent loss, every write that returned is
still there once space is back, and a damaged file is named as such."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.exceptions import StorageInternalError
from tests.faults._harness import Figures, check


@contextlib.contextmanager
def _small_disk(tmp_path: Path, size_kb: int):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _grow(mount: Path, size_kb: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size_kb}k", str(mount)], check=True)


def _open(kind: str, mount: Path):
    if kind == "sqlite":
        return skipjack.storages.RDBStorage(f"sqlite:///{mount / 'full.db'}")
    from skipjack.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage

    path = str(mount / "full.log")
    return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_full_disk_gives_a_clear_error_and_loses_nothing_written(kind, tmp_path):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    with _small_disk(tmp_path, 600) as mount:
        study = skipjack.create_study(storage=_open(kind, mount), study_name="full")
        told: dict[int, float] = {}
        blob = "z" * 8000

        def objective(trial):
            x = trial.suggest_float("x", 0, 1)
            trial.set_user_attr("blob", blob)
            return x

        def remember(study, frozen):
            told[frozen.number] = frozen.value

        start = time.monotonic()
        with pytest.raises((StorageInternalError, OSError)) as info:
            study.optimize(objective, n_trials=10_000, callbacks=[remember])
        elapsed = time.monotonic() - start
        message = str(info.value).lower()
        assert "full" in message or "no space" in message, message
        assert str(mount) in str(info.value), info.value  # names the file
        assert elapsed < 120
        _grow(mount, 8192)
        reopened = skipjack.load_study(study_name="full", storage=_open(kind, mount))
        by_number = {t.number: t for t in reopened.trials}
        lost = [n for n, v in told.items()
                if n not in by_number or by_number[n].state != TrialState.COMPLETE
                or by_number[n].value != v]
        assert not lost, f"trials told COMPLETE but missing after the disk filled: {lost}"
        # the study goes on once there is room again
        reopened.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        numbers = sorted(t.number for t in reopened.trials)
        assert numbers == list(range(len(numbers)))
        print(f"\n{Figures(runs=1, trials=len(numbers)).line(f'full-disk/{kind}')} "
              f"told_before_full={len(told)} error={type(info.value).__name__}")


def test_damaged_sqlite_file_is_named_within_a_second(tmp_path):
    path = tmp_path / "damaged.db"
    study = skipjack.create_study(storage=f"sqlite:///{path}", study_name="d")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=30)
    del study
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset + 100:offset + 400] = os.urandom(300)
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    start = time.monotonic()
    with pytest.raises(StorageInternalError) as info:
        skipjack.load_study(study_name="d", storage=f"sqlite:///{path}").trials
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert "damaged" in message and str(path) in message and "SELECT" not in message, message
    assert elapsed < 1.0, elapsed  # a non-transient error is not retried


def test_not_a_database_is_named(tmp_path):
    path = tmp_path / "text.db"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(StorageInternalError) as info:
        skipjack.create_study(storage=f"sqlite:///{path}")
    assert str(path) in str(info.value) and "SELECT" not in str(info.value)


def test_torn_last_journal_line_keeps_every_complete_trial(tmp_path):
    from tests.storages._journal_helpers import open_file_storage

    path = tmp_path / "torn.log"
    study = skipjack.create_study(storage=open_file_storage(str(path)), study_name="t")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20)
    expected = [(t.number, t.value) for t in study.trials]
    with open(path, "ab") as f:  # a writer killed in the middle of an append
        f.write(b'{"op_code": 5, "worker_id": "w", "trial_id": 3, "sta')
    reopened = skipjack.load_study(study_name="t", storage=open_file_storage(str(path)))
    assert [(t.number, t.value) for t in reopened.trials] == expected
    violations = check({"backend": "journal", "path": str(path)}, "t", None)
    assert not violations

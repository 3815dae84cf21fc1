"""Module-level (picklable) helpers for the journal tests' worker processes."""

from __future__ import annotations

import os
import time
from typing import Any

REDIS_URL = "redis://127.0.0.1:6379"


def open_file_storage(path: str, lock: str = "symlink", fsync: bool = False, **kwargs: Any) -> Any:
    """A journal file storage; ``fsync`` off by default to keep the tests fast on busy disks."""
    from skipjack.storages.journal import (
        JournalFileBackend,
        JournalFileOpenLock,
        JournalFileSymlinkLock,
        JournalStorage,
    )

    lock_cls = JournalFileSymlinkLock if lock == "symlink" else JournalFileOpenLock
    backend = JournalFileBackend(path, lock_obj=lock_cls(path), fsync=fsync)
    return JournalStorage(backend, **kwargs)


def open_redis_storage(prefix: str, **kwargs: Any) -> Any:
    from skipjack.storages.journal import JournalRedisBackend, JournalStorage

    return JournalStorage(JournalRedisBackend(REDIS_URL, prefix=prefix), **kwargs)


def open_redis_cluster_storage(url: str, prefix: str, **kwargs: Any) -> Any:
    from skipjack.storages.journal import JournalRedisBackend, JournalStorage

    return JournalStorage(JournalRedisBackend(url, use_cluster=True, prefix=prefix), **kwargs)


def optimize_worker(factory: Any, study_name: str, n_trials: int) -> None:
    import skipjack

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.create_study(
        storage=factory(), study_name=study_name, load_if_exists=True
    )
    study.optimize(lambda t: t.suggest_float("x", -10, 10) ** 2, n_trials=n_trials)


def run_four_workers(factory: Any, study_name: str, n_each: int) -> None:
    """Run ``optimize_worker`` in 4 spawned processes on one study; each must exit cleanly."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=optimize_worker, args=(factory, study_name, n_each))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0


def hanging_worker(factory: Any, study_name: str, n_complete: int) -> None:
    """Complete ``n_complete`` trials, then hang in the next one (to be killed)."""
    import skipjack

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.load_study(storage=factory(), study_name=study_name)

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number >= n_complete:
            time.sleep(600)
        return x

    study.optimize(objective, n_trials=n_complete + 1)
    os._exit(3)  # not reached: the test kills us

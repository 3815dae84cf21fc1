"""Process targets of the RDB worker tests (module-level so that spawned processes import them)."""

from __future__ import annotations

import os
import time
from typing import Any

__all__ = ["optimize_worker", "add_trials_worker", "fail_stale_then_die", "create_study_worker", "hanging_worker"]


def _quiet() -> None:
    import skipjack

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)


def optimize_worker(url: str, study_name: str, n_trials: int) -> None:
    """Run ``n_trials`` trials of a 2-float objective on a shared study."""
    import skipjack

    _quiet()
    study = skipjack.load_study(study_name=study_name, storage=url,
                                sampler=skipjack.samplers.RandomSampler())

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -1, 1)
        y = trial.suggest_float("y", -1, 1)
        trial.set_user_attr("pid", os.getpid())
        return x * x + y * y

    study.optimize(objective, n_trials=n_trials)


def add_trials_worker(url: str, study_name: str, n_trials: int) -> None:
    """Add ``n_trials`` finished trials and enqueue as many (trials created from a template)."""
    import skipjack

    _quiet()
    study = skipjack.load_study(study_name=study_name, storage=url)
    dist = skipjack.distributions.FloatDistribution(-1, 1)
    for i in range(n_trials):
        x = (i % 200) / 100 - 1
        study.add_trial(skipjack.trial.create_trial(
            params={"x": x, "y": 0.0}, distributions={"x": dist, "y": dist}, value=x * x,
            user_attrs={"pid": os.getpid()}))
        study.enqueue_trial({"x": x, "y": 0.5})


def fail_stale_then_die(url: str, study_name: str) -> None:
    """Run the heartbeat check of a worker that dies right after it marked a trial FAIL."""
    import skipjack
    from sqlalchemy import event
    from skipjack.storages import RDBStorage, RetryFailedTrialCallback
    from skipjack.storages._heartbeat import fail_stale_trials

    _quiet()
    storage = RDBStorage(url, heartbeat_interval=1, grace_period=1,
                         failed_trial_callback=RetryFailedTrialCallback())
    study = skipjack.load_study(study_name=study_name, storage=storage)

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE TRIALS SET STATE"):
            os._exit(3)  # as SIGKILL: no cleanup, no commit of anything not yet committed

    event.listen(storage._engine, "after_cursor_execute", after)
    fail_stale_trials(study)
    os._exit(0)  # not reached when the failure was written


def create_study_worker(url: str, study_name: str, queue: Any) -> None:
    """Create-or-load a study and report its id."""
    import skipjack

    _quiet()
    study = skipjack.create_study(study_name=study_name, storage=url, load_if_exists=True)
    queue.put(study._study_id)


def hanging_worker(url: str, study_name: str, flag_path: str) -> None:
    """Start a trial with heartbeats, then hang (the test kills this process)."""
    import skipjack
    from skipjack.storages import RDBStorage, RetryFailedTrialCallback

    _quiet()
    storage = RDBStorage(url, heartbeat_interval=1, grace_period=2,
                         failed_trial_callback=RetryFailedTrialCallback(max_retry=2))
    study = skipjack.load_study(study_name=study_name, storage=storage)

    def objective(trial: Any) -> float:
        trial.suggest_float("x", 0, 1)
        trial.report(0.25, 0)
        with open(flag_path, "w") as f:
            f.write(str(trial.number))
        time.sleep(600)
        return 0.0

    study.optimize(objective, n_trials=1)

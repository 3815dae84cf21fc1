"""A fault-suite worker process: ``python -m tests.faults._worker SPEC_JSON``.

It opens the study named in the spec on its backend (with heartbeats and a retry callback),
runs ``optimize`` and writes, after each storage call RETURNS, one JSON line to its own log
(``spec["log"]``): a suggested parameter, a report, a finished trial. These are the writes the
invariant checker (``_invariants.py``) must find in the study afterwards. With ``kill_at``
("ask", "objective" or "tell") and ``kill_after``, the worker SIGKILLs itself at that point of
its ``kill_after``-th trial; the test also kills workers from outside at random moments.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

HEARTBEAT_INTERVAL = 1
GRACE_PERIOD = 2


def open_storage(spec: dict[str, Any]) -> Any:
    from skipjack.storages import RetryFailedTrialCallback

    retry = RetryFailedTrialCallback(max_retry=5)
    kw = {"heartbeat_interval": HEARTBEAT_INTERVAL,
          "grace_period": spec.get("grace", GRACE_PERIOD), "failed_trial_callback": retry}
    backend = spec["backend"]
    if backend in ("sqlite", "postgresql", "mysql"):
        from skipjack.storages import RDBStorage

        return RDBStorage(spec["url"], **kw)
    from skipjack.storages.journal import JournalStorage

    if backend == "journal":
        from skipjack.storages.journal import JournalFileBackend, JournalFileOpenLock

        path = spec["path"]
        return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)), **kw)
    from skipjack.storages.journal import JournalRedisBackend

    return JournalStorage(JournalRedisBackend(spec["url"], prefix=spec["prefix"]), **kw)


class _Log:
    def __init__(self, path: str) -> None:
        self._f = open(path, "a", buffering=1)

    def write(self, **record: Any) -> None:
        self._f.write(json.dumps(record) + "\n")
        self._f.flush()


def main(spec: dict[str, Any]) -> None:
    import skipjack
    from skipjack.samplers import RandomSampler

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    log = _Log(spec["log"])
    kill_at = spec.get("kill_at")
    kill_after = spec.get("kill_after", 0)
    count = {"n": 0}

    def die_here(point: str) -> None:
        if kill_at == point and count["n"] == kill_after:
            log.write(kind="self_kill", point=point, pid=os.getpid())
            os.kill(os.getpid(), signal.SIGKILL)

    class KillingSampler(RandomSampler):
        def before_trial(self, study: Any, trial: Any) -> None:  # inside ask
            count["n"] += 1
            die_here("ask")
            super().before_trial(study, trial)

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            die_here("tell")  # inside tell, before the state is written
            super().after_trial(study, trial, state, values)

    storage = open_storage(spec)
    study = skipjack.load_study(study_name=spec["study"], storage=storage,
                                sampler=KillingSampler(seed=os.getpid()))

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -5, 5)
        log.write(kind="param", n=trial.number, name="x", value=x)
        k = trial.suggest_int("k", 0, 9)
        log.write(kind="param", n=trial.number, name="k", value=k)
        for step in range(3):
            trial.report(x * x + step, step)
            log.write(kind="report", n=trial.number, step=step, value=x * x + step)
            if step == 1:
                die_here("objective")
            time.sleep(spec.get("step_seconds", 0.05))
        return x * x + k

    def record(study: Any, frozen: Any) -> None:
        if frozen.state.name == "COMPLETE":
            log.write(kind="complete", n=frozen.number, values=frozen.values)

    study.optimize(objective, n_trials=spec["n_trials"], callbacks=[record])
    log.write(kind="exit", pid=os.getpid())


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))

"""A worker of the one-commit fault test: ``python -m tests.storages._one_commit_worker SPEC_JSON``.

It runs ``optimize`` with no callbacks (the loop then starts each next trial inside the previous
trial's finishing transaction) on a fast objective, and logs, one JSON line per event to
``spec["log"]``: the trial it was handed (``ask``, with its pid), each parameter and report
after the call returned, and the previous trial's result once the loop came back for the next
trial (its tell returned; or ``lost_tell`` when another worker had failed it). With ``kill`` = ``{"at": POINT, "after": K}`` it SIGKILLs itself in
its K-th trial at POINT:

- ``ask``: inside ``ask`` (the sampler's ``before_trial``);
- ``objective``: between the parameters and the report;
- ``mid_tell``: inside the finishing transaction, before the next trial's number is taken
  (on PostgreSQL the transaction is one query: right before it is sent);
- ``before_commit``: inside the finishing transaction, right before its ``COMMIT`` is sent;
- ``after_commit``: right after the ``COMMIT`` answered, before the loop hands the next trial.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any


def main(spec: dict[str, Any]) -> None:
    import sqlalchemy as sa

    import skipjack
    from skipjack.samplers import RandomSampler
    from tests.faults._worker import open_storage

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    log = open(spec["log"], "a", buffering=1)

    def write(**record: Any) -> None:
        log.write(json.dumps(record) + "\n")
        log.flush()

    kill = spec.get("kill") or {}
    state = {"trials": 0, "in_tx": False}

    def die(point: str) -> None:
        if kill.get("at") == point and state["trials"] >= kill.get("after", 0):
            write(kind="self_kill", point=point, pid=os.getpid())
            os.kill(os.getpid(), signal.SIGKILL)

    storage = open_storage(spec)

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = statement.lstrip().upper()
        word = text[:12]
        if "; COMMIT" in text:  # PostgreSQL's finish-and-start: one query, about to be sent
            die("mid_tell")
            die("before_commit")
        elif word.startswith("BEGIN"):
            state["in_tx"] = True
        elif state["in_tx"] and ("FROM STUDIES" in text and "FOR UPDATE" in text
                                 or word.startswith("INSERT INTO")):
            die("mid_tell")
        elif word.startswith("COMMIT") and state["in_tx"]:
            die("before_commit")

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "; COMMIT" in statement.upper():
            state["in_tx"] = False
            die("after_commit")
        elif statement.lstrip()[:6].upper() in ("COMMIT", "ROLLBA"):
            state["in_tx"] = False
            if statement.lstrip().upper().startswith("COMMIT"):
                die("after_commit")

    sa.event.listen(storage._engine, "before_cursor_execute", before)
    sa.event.listen(storage._engine, "after_cursor_execute", after)

    class KillingSampler(RandomSampler):
        def before_trial(self, study: Any, trial: Any) -> None:  # inside ask
            state["trials"] += 1
            die("ask")
            super().before_trial(study, trial)

    study = skipjack.load_study(study_name=spec["study"], storage=storage,
                                sampler=KillingSampler(seed=os.getpid()))
    previous: dict[str, Any] = {}

    def told() -> None:
        # The loop told the previous trial; it is COMPLETE unless another worker failed it first
        # (its heartbeat looked stale: the loop then logs a lost tell and goes on).
        if previous:
            frozen = study._storage.get_trial(previous["id"])
            if frozen.state.name == "COMPLETE":
                write(kind="complete", n=previous["n"], values=[previous["value"]])
            else:
                write(kind="lost_tell", n=previous["n"], state=frozen.state.name)
            previous.clear()

    def objective(trial: Any) -> float:
        told()
        write(kind="ask", n=trial.number, pid=os.getpid())
        x = trial.suggest_float("x", -5, 5)
        write(kind="param", n=trial.number, name="x", value=x)
        k = trial.suggest_int("k", 0, 9)
        write(kind="param", n=trial.number, name="k", value=k)
        die("objective")
        trial.report(x * x, 0)
        write(kind="report", n=trial.number, step=0, value=x * x)
        value = x * x + k
        previous.update(n=trial.number, id=trial._trial_id, value=value)
        return value

    study.optimize(objective, n_trials=spec["n_trials"])
    told()
    write(kind="exit", pid=os.getpid())


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))

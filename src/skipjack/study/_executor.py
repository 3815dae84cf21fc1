"""``Study.optimize(..., executor=...)``: run trials on any ``concurrent.futures.Executor``.

Each task opens the study in the executing worker (a process, a Dask worker on another host...)
from the study's storage, runs exactly one trial there, and returns its number. The caller keeps
at most ``max_in_flight`` tasks running, counts finished trials, runs the callbacks locally with the
stored record, and honours ``n_trials``, ``timeout`` and ``study.stop()``.

Design note: the storage must be persistent (RDB or journal): the in-memory storage of the caller
is not visible to other processes, so it is rejected with an error that says what to use. The
objective, sampler and pruner are pickled to the workers; samplers derive their state from the
shared storage, so every worker's copy sees the same history.
"""

from __future__ import annotations

import copy

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial
from skipjack.storages import InMemoryStorage

if TYPE_CHECKING:
    from skipjack.study._study import Study

__all__ = ["optimize_with_executor"]


def _run_one(
    study_name: str,
    storage: Any,
    sampler: Any,
    pruner: Any,
    func: Callable[..., Any],
    catch: tuple[type[BaseException], ...],
    limits: dict[str, float],
    task_index: int,
) -> int:
    # ``task_index`` makes every submission distinct: executors that cache results of identical
    # calls (Dask treats equal arguments as the same task) would otherwise run one trial only.
    from skipjack.study._functions import load_study
    from skipjack.study._optimize import run_trial

    study = load_study(study_name=study_name, storage=storage, sampler=sampler, pruner=pruner)
    if not limits:
        return run_trial(study, func, catch).number
    # trial_timeout / trial_memory_mb: the worker runs the trial in a killable child process.
    numbers: list[int] = []
    study.optimize(func, n_trials=1, catch=catch, callbacks=[lambda s, t: numbers.append(t.number)],
                   trial_timeout=limits.get("trial_timeout"),
                   trial_memory_mb=limits.get("trial_memory_mb"))
    return numbers[0]


def _max_in_flight(executor: Executor) -> int:
    for attr in ("_max_workers", "max_workers"):
        value = getattr(executor, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return os.cpu_count() or 1


def optimize_with_executor(
    study: Study,
    func: Callable[..., float | Sequence[float]],
    n_trials: int | None,
    timeout: float | None,
    executor: Executor,
    catch: tuple[type[BaseException], ...],
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None,
    max_in_flight: int | None = None,
    *,
    trial_timeout: float | None = None,
    trial_memory_mb: float | None = None,
) -> None:
    """Run trials of ``func`` on ``executor`` (see the module docstring).

    Raises:
        ValueError: the study's storage is in-memory, or neither ``n_trials`` nor ``timeout``
            is given.
        Exception: the first uncaught objective error, re-raised after running tasks finish.
    """
    if isinstance(study._storage, InMemoryStorage):
        raise ValueError(
            "optimize(executor=...) runs trials in other processes, which cannot see an "
            "in-memory study: create the study with a persistent storage, e.g. "
            "storage='sqlite:///study.db', a PostgreSQL/MySQL URL, or a JournalStorage."
        )
    if n_trials is None and timeout is None:
        raise ValueError("optimize(executor=...) needs `n_trials` or `timeout` to know when to stop.")
    callbacks = list(callbacks or [])
    limit = max_in_flight or _max_in_flight(executor)
    deadline = None if timeout is None else time.monotonic() + timeout
    limits = {k: v for k, v in (("trial_timeout", trial_timeout),
                                ("trial_memory_mb", trial_memory_mb)) if v is not None}
    payload = (study.study_name, study._storage, study.sampler, study.pruner, func, catch, limits)
    submitted = 0
    running: set[Future[int]] = set()
    error: BaseException | None = None
    study._stop_flag = False

    def may_submit() -> bool:
        if error is not None or study._stop_flag:
            return False
        if n_trials is not None and submitted >= n_trials:
            return False
        return deadline is None or time.monotonic() < deadline

    while True:
        while len(running) < limit and may_submit():
            running.add(executor.submit(_run_one, *payload, submitted))
            submitted += 1
        if not running:
            break
        done, running = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            try:
                number = future.result()
            except BaseException as e:  # noqa: BLE001 - re-raised once the in-flight tasks end
                if error is None:
                    error = e
                continue
            if callbacks:
                trial_id = study._storage.get_trial_id_from_study_id_trial_number(
                    study._study_id, number
                )
                frozen = study._storage.get_trial(trial_id)
                for callback in callbacks:
                    callback(study, copy.deepcopy(frozen))  # the callback's own copy
    if error is not None:
        raise error

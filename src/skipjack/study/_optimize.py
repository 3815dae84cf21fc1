"""The optimize loop: run trials one after another or on ``n_jobs`` threads.

Design note: with ``n_jobs > 1`` each thread runs the sequential loop and claims trial slots from
one shared counter, so exactly ``n_trials`` trials run and no thread over-shoots. The first
exception that is not caught stops every thread and is re-raised in the caller's thread.

A lost trial is not an error of the worker: when another worker has finished this worker's trial
(it failed the trial because no heartbeat reached the storage for longer than ``grace_period``,
e.g. during an outage), the storage refuses this worker's ``tell`` with
``UpdateFinishedTrialError``. The loop logs the lost result, counts it (``lost_tells``; the
worker metric ``skipjack_worker_lost_tells_total``) and goes on with the next trial. The trial
keeps the state the other worker gave it (FAIL; a retry callback may re-enqueue it).
"""

from __future__ import annotations

import copy
import gc
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.exceptions import TrialPruned, UpdateFinishedTrialError
from skipjack.logging import INFO, get_logger
from skipjack.storages._heartbeat import HeartbeatThread, fail_stale_trials, is_heartbeat_enabled
from skipjack.study._tell import FAIL_REASON_KEY, tell_with_warning
from skipjack.study._tell import log_fields as _log_fields
from skipjack.trial import Trial

if TYPE_CHECKING:
    from skipjack.study._study import Study

__all__ = ["optimize", "ObjectiveFuncType", "lost_tells"]

ObjectiveFuncType = Callable[[Trial], "float | Sequence[float]"]

_logger = get_logger(__name__)

_COMPLETE = TrialState.COMPLETE
_PRUNED = TrialState.PRUNED
_FAIL = TrialState.FAIL

_lost_lock = threading.Lock()
_lost: dict[str, int] = {}


def lost_tells() -> dict[str, int]:
    """Per study name: trials whose result this process could not record because another
    worker had finished them first (see the module docstring)."""
    with _lost_lock:
        return dict(_lost)


def _count_lost(study_name: str) -> None:
    with _lost_lock:
        _lost[study_name] = _lost.get(study_name, 0) + 1


WORKER_KEY = "skipjack:worker"  # {"host", "pid"} of the worker running the trial
TRACEBACK_KEY = "skipjack:fail_traceback"  # the failed objective's traceback (its last lines)
_TRACEBACK_LIMIT = 8000  # characters kept (the end: the innermost frames and the error)


def worker_identity() -> dict[str, Any]:
    """This process as a worker: host name and process id."""
    import socket

    return {"host": socket.gethostname(), "pid": os.getpid()}


def format_traceback(error: BaseException) -> str:
    """The traceback of ``error`` as Python prints it, cut to its last ``_TRACEBACK_LIMIT``
    characters."""
    import traceback

    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return text if len(text) <= _TRACEBACK_LIMIT else "...\n" + text[-_TRACEBACK_LIMIT:]


def _normalize_catch(catch: Any) -> tuple[type[BaseException], ...]:
    if isinstance(catch, type) and issubclass(catch, BaseException):
        return (catch,)
    try:
        items = tuple(catch)
    except TypeError:
        raise TypeError(
            f"The `catch` argument must be an exception class or a tuple of them; got {catch!r}."
        ) from None
    for item in items:
        if not (isinstance(item, type) and issubclass(item, BaseException)):
            raise TypeError(
                f"The `catch` argument must hold exception classes; got {item!r} in it."
            )
    return items


class _Progress:
    """The tqdm progress bar of ``optimize(show_progress_bar=True)``, as Optuna's: one step per
    trial with ``n_trials``; with only ``timeout``, elapsed seconds out of the timeout (shown as
    ``elapsed/total`` times). Log lines go through ``tqdm.write`` while it shows."""

    def __init__(self, enabled: bool, n_trials: int | None, timeout: float | None) -> None:
        self._bar: Any = None
        self._handler: Any = None
        if enabled and n_trials is None and timeout is None:
            warnings.warn(
                "Progress bar won't be displayed because n_trials and timeout are None.",
                UserWarning,
                stacklevel=4,
            )
            return
        if not enabled:
            return
        from tqdm.auto import tqdm

        self._timeout = timeout
        self._n_trials = n_trials
        self._last = 0.0
        if n_trials is not None:
            self._bar = tqdm(total=n_trials)
        else:
            assert timeout is not None
            fmt = "{desc} {percentage:3.0f}%|{bar}| {elapsed}/" + tqdm.format_interval(timeout)
            self._bar = tqdm(total=timeout, bar_format=fmt)
        self._start = time.monotonic()
        self._handler = _tqdm_log_handler()

    def update(self, study: Study, trial: FrozenTrial) -> None:
        bar = self._bar
        if bar is None:
            return
        if not study._is_multi_objective():
            try:
                best = study.best_trial
                bar.set_description(f"Best trial: {best.number}. Best value: {best.value:.6g}")
            except ValueError:
                pass
        elapsed = time.monotonic() - self._start
        if self._n_trials is not None:
            bar.update(1)
            if self._timeout is not None:
                bar.set_postfix_str(f"{elapsed:.02f}/{self._timeout} seconds")
        else:
            assert self._timeout is not None
            now = min(elapsed, self._timeout)  # never past the total (tqdm would warn)
            bar.update(now - self._last)
            self._last = now

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        if self._handler is not None:
            import skipjack.logging as sj_logging

            sj_logging._root().removeHandler(self._handler)
            sj_logging.enable_default_handler()


def _tqdm_log_handler() -> Any:
    """Route skipjack's log lines through ``tqdm.write`` (so they do not break the bar)."""
    import logging as std_logging

    from tqdm.auto import tqdm

    import skipjack.logging as sj_logging

    class _TqdmHandler(std_logging.StreamHandler):  # type: ignore[type-arg]
        def emit(self, record: std_logging.LogRecord) -> None:
            try:
                tqdm.write(self.format(record))
                self.flush()
            except Exception:  # noqa: BLE001 - as logging.Handler does
                self.handleError(record)

    handler = _TqdmHandler()
    handler.setLevel(std_logging.INFO)
    sj_logging.disable_default_handler()  # configures the root logger and its default handler
    default = sj_logging._default_handler
    if default is not None and default.formatter is not None:
        handler.setFormatter(default.formatter)
    sj_logging._root().addHandler(handler)
    return handler


def optimize(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: Iterable[type[BaseException]] | type[BaseException],
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None,
    gc_after_trial: bool,
    show_progress_bar: bool,
    *,
    trial_timeout: float | None = None,
    trial_memory_mb: float | None = None,
) -> None:
    """Carry out ``Study.optimize`` (arguments as documented there)."""
    isolated = None
    if trial_timeout is not None or trial_memory_mb is not None:
        from skipjack.study import _isolated

        func = isolated = _isolated.isolate(func, catch, trial_timeout, trial_memory_mb)[0]
        catch = _isolated.isolate_catch(catch)
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int)
                                 or n_trials < 0):
        raise ValueError(f"`n_trials` must be a non-negative int or None. Got {n_trials!r}.")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"`timeout` must be a positive number of seconds or None. Got {timeout!r}.")
    if not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"`n_jobs` must be a positive int or -1 (all CPUs). Got {n_jobs!r}.")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    catch_tuple = _normalize_catch(catch)
    callbacks = list(callbacks or [])
    with study._optimizations.running():  # RuntimeError for a nested call
        if show_progress_bar and n_trials is None and timeout is not None and n_jobs != 1:
            warnings.warn(
                "The timeout-based progress bar is not supported with n_jobs != 1.",
                UserWarning,
                stacklevel=3,
            )
            show_progress_bar = False
        _run_loops(study, func, n_trials, timeout, n_jobs, catch_tuple, callbacks,
                   gc_after_trial, _Progress(show_progress_bar, n_trials, timeout), isolated)


def _run_loops(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch_tuple: tuple[type[BaseException], ...],
    callbacks: list[Callable[[Study, FrozenTrial], None]],
    gc_after_trial: bool,
    progress: _Progress,
    isolated: Any,
) -> None:
    study._stop_flag = False
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        if n_jobs == 1:
            _loop(study, func, n_trials, deadline, catch_tuple, callbacks, gc_after_trial,
                  progress, None)
        else:
            counter = _Counter(n_trials)
            errors: list[BaseException] = []

            def worker() -> None:
                try:
                    with study._optimizations.loop_thread():
                        _loop(study, func, n_trials, deadline, catch_tuple, callbacks,
                              gc_after_trial, progress, counter, reseed=True)
                except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                    errors.append(e)
                    study._stop_flag = True

            threads = [
                threading.Thread(target=worker, name=f"skipjack-worker-{i}", daemon=True)
                for i in range(n_jobs)
            ]
            for t in threads:
                t.start()
            try:
                for t in threads:
                    while t.is_alive():
                        t.join(0.1)
            except KeyboardInterrupt:
                study._stop_flag = True
                for t in threads:
                    t.join()
                raise
            if errors:
                raise errors[0]
    finally:
        progress.close()
        if isolated is not None:
            isolated.close()


class _Counter:
    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._next = 0
        self._lock = threading.Lock()

    def claim(self) -> bool:
        with self._lock:
            if self._limit is not None and self._next >= self._limit:
                return False
            self._next += 1
            return True


def _loop(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    deadline: float | None,
    catch: tuple[type[BaseException], ...],
    callbacks: list[Callable[[Study, FrozenTrial], None]],
    gc_after_trial: bool,
    progress: _Progress,
    counter: _Counter | None,
    reseed: bool = False,
) -> None:
    # ``reseed``: a worker thread of ``n_jobs > 1`` reseeds the sampler's generator before its
    # first trial (not when it gets none), so threads do not draw the same values.
    done = 0
    heartbeat = is_heartbeat_enabled(study._storage)
    bar = progress if progress._bar is not None else None
    # Design note: without callbacks nothing runs between a tell and the next ask that could end
    # the loop, so the loop decides inside the tell, after the sampler's after_trial (which may
    # call ``study.stop()``) and right before the finish, whether another trial follows (the
    # stop flag, the deadline and the trial count, as it would at the top of the next turn) and
    # tells the storage, which may start that trial in the same transaction as the finish (one
    # durable commit per trial on PostgreSQL/MySQL; see docs/storage.md). A callback may call
    # ``study.stop()`` after the tell, so with callbacks the loop decides at the top, as before.
    decided = False  # this turn's trial was decided before the previous tell

    def follows() -> bool:
        nonlocal decided
        if study._stop_flag or (deadline is not None and time.monotonic() >= deadline):
            return False
        if counter is None:
            if n_trials is not None and done + 1 >= n_trials:
                return False
        elif not counter.claim():
            return False
        decided = True
        return True

    try:
        while True:
            if not decided:
                if study._stop_flag:
                    return
                if counter is None:
                    if n_trials is not None and done >= n_trials:
                        return
                elif not counter.claim():
                    return
                if deadline is not None and time.monotonic() >= deadline:
                    return
            decided = False
            if reseed:
                study.sampler.reseed_rng()
                reseed = False
            try:
                frozen = run_trial(study, func, catch, heartbeat,
                                   None if callbacks else follows)
            finally:
                if gc_after_trial:
                    gc.collect()
            done += 1
            for callback in callbacks:
                # each callback gets its own copy (as Optuna): mutating it never reaches the
                # storage
                callback(study, copy.deepcopy(frozen))
            if bar is not None:
                bar.update(study, frozen)
    finally:
        if not callbacks:
            try:  # put back a trial started for a turn that did not come (an error after a tell)
                study._storage.prepare_next_trial(study._study_id, None)
            except Exception as e:  # noqa: BLE001 - never hide the error that ended the loop
                _logger.warning(f"Could not put back the trial started for the next turn: {e}")


def _ask_beating(study: Study) -> tuple[Trial, HeartbeatThread]:
    """``study.ask()`` for a storage with heartbeats: the trial's first heartbeat is written as
    soon as the storage has started the trial, before the sampler's ``before_trial`` and the
    relative search space run, and the heartbeat thread keeps beating through them.

    Design note: ``fail_stale_trials`` fails only trials that have a heartbeat (as Optuna's
    does: a trial of ``ask``/``tell`` called by the user never gets one and is never failed).
    When the first beat came after ``ask`` returned, a worker killed inside ``ask`` left its
    trial RUNNING forever. Now the window is one round trip: between the commit that starts the
    trial and the commit of its first beat.
    """
    storage = study._storage
    session = storage.start_trial(study._study_id)
    beat = HeartbeatThread(storage, session.trial_id)  # type: ignore[arg-type]
    beat.start()  # the first beat is written before this returns
    try:
        # Which worker holds the trial (for the on-call view); written only with heartbeats on,
        # the setups where many workers share a study, so a plain run writes nothing more.
        storage.set_trial_system_attr(session.trial_id, WORKER_KEY, worker_identity())
        trial = Trial(study, session.trial_id, _session=session)
    except UpdateFinishedTrialError:
        beat.stop()
        frozen = storage.get_trial(session.trial_id)
        if not frozen.state.is_finished():
            raise
        raise _LostInAsk(frozen) from None
    except BaseException:
        beat.stop()  # the trial goes stale after the grace period and is failed as a dead one
        raise
    return trial, beat


class _LostInAsk(Exception):
    """Another worker finished the trial while this one was starting it (an outage longer than
    the grace period during ``ask``): a write of ``ask`` (the worker's name, the sampler's
    ``before_trial``) found it finished."""

    def __init__(self, frozen: FrozenTrial) -> None:
        super().__init__(frozen.number)
        self.frozen = frozen


def run_trial(
    study: Study,
    func: ObjectiveFuncType,
    catch: tuple[type[BaseException], ...],
    heartbeat: bool | None = None,
    follows: Callable[[], bool] | None = None,
) -> FrozenTrial:
    """Ask, run the objective, tell; return the finished record. Re-raises uncaught errors.

    ``heartbeat``: whether the storage records heartbeats (None: find out). ``follows``: asked
    right before the tell (unless the objective raised an error that ends the loop) whether the
    loop runs another trial, after the sampler's ``after_trial`` (which may stop the study); if so
    the storage hears it (``prepare_next_trial``).
    """
    storage = study._storage
    if heartbeat is None:
        heartbeat = is_heartbeat_enabled(storage)
    if heartbeat:
        fail_stale_trials(study)
    hooks = study._hooks
    observer = None if hooks is None else hooks.trial_begin(study)
    beat: HeartbeatThread | None = None
    if heartbeat:
        try:
            trial, beat = _ask_beating(study)
        except _LostInAsk as gone:
            record = gone.frozen
            _count_lost(study.study_name)
            _logger.warning(
                f"Trial {record.number} was finished by another worker (state "
                f"{record.state.name}) while this worker was starting it: no heartbeat reached "
                "the storage for longer than the grace period, e.g. during an outage. Going on "
                "with the next trial.",
                extra=_log_fields(study, record, "tell_lost"),
            )
            if observer is not None:
                observer.trial_end(record)
            return record
    else:
        trial = study.ask()
    if observer is not None:
        trial._observer = observer
        observer.after_ask(trial)
    state: TrialState | None = None
    result: Any = None
    error: BaseException | None = None
    exc_info = None
    if observer is not None:
        observer.objective_start()
    try:
        result = func(trial)
    except TrialPruned as e:
        state = TrialState.PRUNED
        error = e
    except (Exception, KeyboardInterrupt) as e:
        state = TrialState.FAIL
        error = e
        exc_info = sys.exc_info()
    finally:
        if beat is not None:
            beat.stop()
    if observer is not None:
        observer.objective_end(state, error)
        observer.tell_start()
    warning_message = None
    lost = False
    before_finish: Callable[[], None] | None = None
    if follows is not None and (error is None or state != _FAIL or isinstance(error, catch)):
        decide = follows
        trial_id = trial._trial_id

        def before_finish() -> None:
            # after the sampler's after_trial, which may stop the study (Grid and BruteForce do
            # when the grid is exhausted), and right before the finish the storage may join
            if decide():
                storage.prepare_next_trial(study._study_id, trial_id)
    frozen = None  # None when the trial could not be read back
    try:
        if state == _FAIL and error is not None:
            storage.set_trial_system_attr(
                trial._trial_id, FAIL_REASON_KEY, f"{type(error).__name__}: {error}"
            )
            storage.set_trial_system_attr(trial._trial_id, TRACEBACK_KEY, format_traceback(error))
        frozen, warning_message = tell_with_warning(
            study, trial, result if state is None else None, state, suppress_warning=True,
            before_finish=before_finish,
        )
    except UpdateFinishedTrialError:
        frozen = storage.get_trial(trial._trial_id)
        if not frozen.state.is_finished():
            raise
        lost = True
        _count_lost(study.study_name)
        told = (f"state {state.name}" if state is not None else f"value(s) {result!r}")
        _logger.warning(
            f"Trial {frozen.number} was finished by another worker (state {frozen.state.name}) "
            f"before this worker could tell its result ({told}): no heartbeat reached the "
            "storage for longer than the grace period, e.g. during an outage. The result is "
            "not recorded; going on with the next trial.",
            extra=_log_fields(study, frozen, "tell_lost"),
        )
    except Exception:
        try:
            frozen = storage.get_trial(trial._trial_id)
        except Exception:  # noqa: BLE001 - the storage is gone too: the first error says why
            pass
        raise
    finally:
        if frozen is not None:
            if observer is not None:
                observer.trial_end(frozen)
            final_state = frozen.state
            if final_state == _COMPLETE:
                if _logger.isEnabledFor(INFO):
                    study._log_completed_trial(frozen)
            elif final_state == _PRUNED:
                if _logger.isEnabledFor(INFO):
                    _logger.info(f"Trial {frozen.number} pruned. {error or ''}".rstrip(),
                                 extra=_log_fields(study, frozen, "trial_pruned"))
            elif final_state == _FAIL and not lost:
                # Optuna's two lines: the error, then the value the objective returned.
                reason: Any = error
                if error is None and warning_message is not None:
                    reason = warning_message.split(", because ", 1)[-1].rstrip(".")
                if reason is not None:
                    _logger.warning(
                        f"Trial {frozen.number} failed with parameters: {frozen.params} because of "
                        f"the following error: {reason!r}." if error is not None else
                        f"Trial {frozen.number} failed with parameters: {frozen.params} because of "
                        f"the following error: {reason}.",
                        exc_info=exc_info, extra=_log_fields(study, frozen, "trial_failed"),
                    )
                    _logger.warning(f"Trial {frozen.number} failed with value {result!r}.")
    assert frozen is not None  # read back, or an error left above
    if error is not None and frozen.state == _FAIL and not isinstance(error, catch):
        if lost and isinstance(error, UpdateFinishedTrialError):
            return frozen  # a write inside the objective found the trial finished by another
        raise error
    return frozen

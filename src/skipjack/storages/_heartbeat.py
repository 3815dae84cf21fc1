"""Heartbeats: how a persistent storage notices that a worker died in the middle of a trial.

A storage that supports heartbeats subclasses ``BaseHeartbeat``. While a trial runs, the trial loop
records a heartbeat every ``heartbeat_interval`` seconds from a background thread; any worker may
call ``fail_stale_trials`` to mark as FAIL the RUNNING trials whose last heartbeat is older than the
grace period, then run the storage's ``heartbeat_stale_trial_callback`` (e.g.
``RetryHeartbeatStaleTrialCallback``; ``failed_trial_callback`` is its Optuna 4 name).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.storages._base import BaseStorage

__all__ = ["BaseHeartbeat", "is_heartbeat_enabled", "HeartbeatThread", "fail_stale_trials",
           "STALE_REASON"]

_logger = get_logger(__name__)

# The ``fail_reason`` of a trial failed by ``fail_stale_trials``.
STALE_REASON = "Trial failed: its heartbeat stopped (worker died?)."


class BaseHeartbeat(abc.ABC):
    """Mixin for storages with heartbeats (RDB, journal file, journal Redis)."""

    heartbeat_stale_trial_callback: Callable[[Any, FrozenTrial], None] | None

    @abc.abstractmethod
    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the worker running ``trial_id`` is alive (now)."""

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        """Return the ids of RUNNING trials whose last heartbeat is older than the grace period.

        The public seam ``fail_stale_trials`` calls (so wrappers see and forward it); the default
        asks ``_get_stale_trial_ids``, the method Optuna's heartbeat storages implement.
        """
        return self._get_stale_trial_ids(study_id)

    @abc.abstractmethod
    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """The backend's answer to ``get_stale_trial_ids`` (Optuna's name for the hook)."""

    def fail_stale_trial(
        self, study_id: int, trial_id: int, reason: str,
        retry: Callable[[FrozenTrial], FrozenTrial | None] | None = None,
    ) -> bool:
        """Fail the stale RUNNING trial ``trial_id`` with the system attribute ``fail_reason``,
        and, when ``retry`` is given, add to the study the copy ``retry`` makes of the failed
        trial (a WAITING template, see ``RetryHeartbeatStaleTrialCallback.retry_trial``; None:
        no copy). True if this call failed the trial; False (and nothing written) if it was no
        longer unfinished.

        The public seam ``fail_stale_trials`` calls. The default takes the storage's ordinary
        steps, one after the other (the copy is made from the trial read after its failure, so
        nothing its worker wrote before is missing); a storage that can do it all in one
        transaction overrides it (RDB), so that a worker killed between the failure and the
        addition loses no retry.
        """
        storage: Any = self
        storage.set_trial_system_attr(trial_id, "fail_reason", reason)
        if not storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
            return False
        copy = None if retry is None else retry(storage.get_trial(trial_id))
        if copy is not None:
            storage.create_new_trial(study_id, template_trial=copy)
        return True

    @abc.abstractmethod
    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or None when heartbeats are off."""

    def get_heartbeat_stale_trial_callback(self) -> Callable[[Any, FrozenTrial], None] | None:
        """The callback run for each trial failed by ``fail_stale_trials``, or None."""
        return self.get_failed_trial_callback()

    def get_failed_trial_callback(self) -> Callable[[Any, FrozenTrial], None] | None:
        """Optuna 4's name of ``get_heartbeat_stale_trial_callback``.

        The default reads the storage's ``heartbeat_stale_trial_callback`` attribute; a storage
        (or a wrapper) may override either method.
        """
        return getattr(self, "heartbeat_stale_trial_callback", None)

    @property
    def failed_trial_callback(self) -> Callable[[Any, FrozenTrial], None] | None:
        """Optuna 4's name of the ``heartbeat_stale_trial_callback`` attribute."""
        return getattr(self, "heartbeat_stale_trial_callback", None)

    @failed_trial_callback.setter
    def failed_trial_callback(self, value: Callable[[Any, FrozenTrial], None] | None) -> None:
        self.heartbeat_stale_trial_callback = value


def is_heartbeat_enabled(storage: BaseStorage) -> bool:
    """True when ``storage`` supports heartbeats and has an interval set."""
    return isinstance(storage, BaseHeartbeat) and storage.get_heartbeat_interval() is not None


class HeartbeatThread:
    """Records heartbeats for one trial from a daemon thread until stopped."""

    def __init__(self, storage: BaseHeartbeat, trial_id: int) -> None:
        self._storage = storage
        self._trial_id = trial_id
        self._stop = threading.Event()
        interval = storage.get_heartbeat_interval()
        assert interval is not None
        self._interval = float(interval)
        self._thread = threading.Thread(target=self._run, daemon=True, name="skipjack-heartbeat")

    def start(self) -> None:
        self._storage.record_heartbeat(self._trial_id)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._storage.record_heartbeat(self._trial_id)
            except Exception:  # a missed beat is recovered by the next one
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def fail_stale_trials(study: Any) -> None:
    """Mark as FAIL the RUNNING trials of ``study`` whose worker stopped beating.

    Each failed trial gets the system attribute ``fail_reason`` and is passed to the storage's
    ``heartbeat_stale_trial_callback``. Safe to call from many workers at once: a trial is failed once.
    """
    from skipjack.storages._callbacks import RetryHeartbeatStaleTrialCallback

    storage = study.storage
    if not is_heartbeat_enabled(storage):
        return
    callback = storage.get_heartbeat_stale_trial_callback()
    # The retry callback's copy is made and added by the storage with the failure (in one
    # transaction where the storage can), not by the callback after it.
    retry = callback if isinstance(callback, RetryHeartbeatStaleTrialCallback) else None
    failed: list[int] = []
    for trial_id in storage.get_stale_trial_ids(study.study_id):
        try:
            if storage.fail_stale_trial(study.study_id, trial_id, STALE_REASON,
                                        None if retry is None else retry.retry_trial):
                failed.append(trial_id)
        except UpdateFinishedTrialError:
            continue  # another worker failed it first
        except Exception as error:  # noqa: BLE001 - the trial stays stale; a later call retries
            _logger.warning(f"Could not fail the stale trial with id {trial_id} yet: {error}")
    if callback is not None and retry is None:
        for trial_id in failed:
            callback(study, storage.get_trial(trial_id))

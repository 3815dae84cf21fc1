"""The journal backend seam: where the log lives (a file, Redis, or your own).

A backend stores an append-only sequence of operations (JSON-serialisable dicts). It has two
duties, the same two methods as Optuna's ``BaseJournalBackend`` so backends can move between the
two libraries:

- ``read_logs(log_number_from)``: return the operations from number ``log_number_from`` (0-based)
  to the end, in log order. Called often, by every process, concurrently with writers: it must
  never return a partly written operation.
- ``append_logs(logs)``: append operations atomically and in order: whatever other processes
  append at the same time goes entirely before or after them.

skipjack's ``JournalStorage`` also uses two optional extensions when a backend offers them:

- ``JournalSnapshotSupport``: save and load a snapshot of the replayed state, so that opening a
  long journal replays only the operations written after the snapshot.
- ``JournalHeartbeatSupport``: record and read heartbeats of running trials outside the log, so
  that heartbeats neither grow the log nor change what Optuna reads.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any

from skipjack.exceptions import StorageInternalError

__all__ = ["BaseJournalBackend", "JournalSnapshotSupport", "JournalHeartbeatSupport",
           "JournalResetError"]


class JournalResetError(StorageInternalError):
    """The log is shorter than this process has already read: it was reset (e.g. a Redis
    restarted without persistence) or replaced under the process. Nothing is appended to it."""


class BaseJournalBackend(abc.ABC):
    """Base class of journal backends (Optuna's method names and contract).

    Thread and process safety: ``append_logs`` may be called from many threads and processes at
    once; ``read_logs`` concurrently with it. ``JournalStorage`` serialises the calls of one storage
    object, so a backend needs no thread lock of its own for that object.
    """

    @abc.abstractmethod
    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        """Return the operations numbered ``log_number_from`` and later, in log order."""

    @abc.abstractmethod
    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append ``logs`` atomically, in order, after every operation appended before."""


class JournalSnapshotSupport(abc.ABC):
    """Optional: a place for one snapshot of the replayed state (skipjack's format, JSON).

    The snapshot covers the first ``log_number`` operations of the log. It is an optimisation
    only: a missing, stale or unreadable snapshot means a full replay, never wrong data.
    """

    @abc.abstractmethod
    def save_replay_snapshot(self, log_number: int, data: bytes) -> None:
        """Store ``data``, a snapshot of the state after the first ``log_number`` operations.

        Must replace an older snapshot atomically (readers see the old one or the new one).
        """

    @abc.abstractmethod
    def load_replay_snapshot(self) -> tuple[int, bytes] | None:
        """Return ``(log_number, data)`` of the stored snapshot, or None.

        After a successful load, ``read_logs(log_number)`` must be cheap (no scan of the log
        before ``log_number``). Returns None when the snapshot does not belong to this log (e.g.
        the log was deleted and started anew).
        """

    def snapshot_log_number(self) -> int:
        """The ``log_number`` of the stored snapshot without loading it (-1 if there is none)."""
        loaded = self.load_replay_snapshot()
        return -1 if loaded is None else loaded[0]


class JournalHeartbeatSupport(abc.ABC):
    """Optional: heartbeats of running trials, stored beside the log (not in it)."""

    @abc.abstractmethod
    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the worker running ``trial_id`` is alive now."""

    @abc.abstractmethod
    def get_heartbeat_ages(self, trial_ids: list[int]) -> dict[int, float]:
        """Seconds since the last heartbeat of each of ``trial_ids`` that has one.

        Ages are measured on one clock (the file server's or the Redis server's), so that the
        clocks of the worker hosts need not agree.
        """

    @abc.abstractmethod
    def clear_heartbeat(self, trial_id: int) -> None:
        """Forget the heartbeat of a finished trial (no error if there is none)."""

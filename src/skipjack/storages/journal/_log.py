"""The log machinery of ``JournalStorage``: sync (replay what others appended), write (append and
learn the result from the replay), snapshots, and pickling/forking.

Design note: every operation is appended before the call that made it returns, parameters,
intermediate values and trial attributes included (one append each), so a worker killed at any
point loses nothing it reported, and another process that finishes the trial sees all of it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from typing import Any

from skipjack.exceptions import StorageInternalError
from skipjack.storages.journal._base import BaseJournalBackend, JournalSnapshotSupport
from skipjack.storages.journal._ops import worker_id
from skipjack.storages.journal._replay import ReplayState
from skipjack.storages.journal._snapshot import dump_snapshot, load_snapshot, no_gc

__all__ = ["JournalLog"]

_logger = logging.getLogger("skipjack.storages.journal")

# How long a writer keeps reading for its own append before reporting it missing; longer than
# the file backend's wait on a region of NUL bytes (``NUL_GRACE_SECONDS``).
READ_BACK_SECONDS = 3.0

_LIVE: weakref.WeakSet[JournalLog] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # another thread of the parent may have held a storage's lock at fork time: start afresh
    for storage in list(_LIVE):
        storage._lock = threading.RLock()
        storage._awaiting = set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class JournalLog:
    """Base of ``JournalStorage``: the replayed state and the calls that keep it in sync.

    Every method here runs with ``self._lock`` held (they say "lock held") except ``_open``.
    """

    _backend: BaseJournalBackend
    snapshot_interval: int | None

    def _open(self) -> None:
        self._lock = threading.RLock()
        self._pending: list[dict[str, Any]] = []
        self._awaiting: set[str] = set()
        self._results: dict[str, tuple[bool, Any]] = {}
        self._uid = uuid.uuid4().hex
        self._replay = ReplayState()
        self._snapshot_base = 0
        _LIVE.add(self)
        backend = self._backend
        if self.snapshot_interval is not None and isinstance(backend, JournalSnapshotSupport):
            self._load_snapshot(backend)
        with self._lock:
            self._sync()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            self._flush()
        keep = ("_backend", "heartbeat_interval", "grace_period", "heartbeat_stale_trial_callback",
                "snapshot_interval")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._open()

    # --- log machinery ----------------------------------------------------------------------------

    def _load_snapshot(self, backend: JournalSnapshotSupport) -> None:
        try:
            loaded = backend.load_replay_snapshot()
            if loaded is None:
                return
            log_number, data = loaded
            replay = load_snapshot(data)
            if replay.n_ops != log_number:
                raise ValueError(f"snapshot of {replay.n_ops} ops filed as {log_number}")
        except ConnectionError:
            raise  # the backend is unreachable: not a snapshot problem (reported once, now)
        except Exception as e:  # a bad snapshot costs a full replay, never wrong data
            _logger.warning(f"Ignoring the journal snapshot ({e}); replaying the whole log.")
            return
        self._replay = replay
        self._snapshot_base = log_number

    def _sync(self, append: list[dict[str, Any]] | None = None) -> None:
        """Replay the operations appended since the last sync (lock held).

        ``append``: operations to append first (in the same round trip where the backend can).
        """
        replay = self._replay
        backend = self._backend
        if append:
            combined = getattr(backend, "append_and_read_logs", None)
            if combined is not None:
                logs = combined(append, replay.n_ops)
            else:
                backend.append_logs(append)
                logs = backend.read_logs(replay.n_ops)
        else:
            logs = backend.read_logs(replay.n_ops)
        if not isinstance(logs, list):
            logs = list(logs)
        if len(logs) > 5000:
            with no_gc():
                self._apply_logs(logs)
        else:
            self._apply_logs(logs)
        interval = self.snapshot_interval
        if interval is not None and replay.n_ops - self._snapshot_base >= max(
            interval, self._snapshot_base
        ):
            self._maybe_snapshot()

    def _apply_logs(self, logs: list[dict[str, Any]]) -> None:
        awaiting = self._awaiting
        results = self._results
        apply = self._replay.apply
        for log in logs:
            if awaiting and log.get("worker_id") in awaiting:
                try:
                    results[log["worker_id"]] = (True, apply(log))
                except Exception as e:  # noqa: BLE001 - the writer re-raises it
                    results[log["worker_id"]] = (False, e)
                continue
            try:
                apply(log)
            except Exception:  # rejected: no effect, for every reader alike
                pass

    def _maybe_snapshot(self) -> None:
        backend = self._backend
        if not isinstance(backend, JournalSnapshotSupport):
            self.snapshot_interval = None
            return
        try:
            theirs = backend.snapshot_log_number()
            if theirs > self._snapshot_base:
                self._snapshot_base = theirs  # another process wrote one: wait for the next
                return
            backend.save_replay_snapshot(self._replay.n_ops, dump_snapshot(self._replay))
            self._snapshot_base = self._replay.n_ops
        except Exception as e:  # noqa: BLE001 - snapshots are an optimisation only
            _logger.warning(f"Could not write a journal snapshot: {e}")
            self._snapshot_base = self._replay.n_ops

    def _flush(self) -> None:
        """Append the operations not yet appended (none outside ``_write``), and sync (lock held)."""
        if self._pending:
            pending = self._pending
            self._pending = []
            self._sync(pending)

    def _read(self) -> ReplayState:
        """Flush, sync, and return the replayed state (lock held)."""
        pending = self._pending
        self._pending = []
        self._sync(pending)
        return self._replay

    def _buffer(self, op: dict[str, Any]) -> None:
        """Append ``op`` now and learn whether replay accepted it (lock held).

        Parameters, reports and attributes are written through: when the call that made them
        returns they are in the log, so a worker killed right after loses nothing it reported.
                """
        self._write(op)

    def _write(self, op: dict[str, Any]) -> Any:
        """Append ``op`` (after the buffered ones), replay it, return its result (lock held).

        Raises:
            The exception replay raised for ``op`` (e.g. DuplicatedStudyError, Rejected).
        """
        wid = worker_id()
        op["worker_id"] = wid
        self._pending.append(op)
        self._awaiting.add(wid)
        try:
            pending = self._pending
            self._pending = []
            self._sync(pending)
            deadline = time.monotonic() + READ_BACK_SECONDS
            while wid not in self._results and time.monotonic() < deadline:
                # Not visible yet (NFS shows another client's write late; a damaged region
                # of the file is skipped once it has stayed for a while): read again.
                time.sleep(0.02)
                self._sync()
            try:
                ok, value = self._results.pop(wid)
            except KeyError:
                raise StorageInternalError(
                    f"The operation just appended to {self._backend!r} was not read back within "
                    f"{READ_BACK_SECONDS:g} s: the backend's read_logs does not return its own "
                    f"appends after operation #{self._replay.n_ops - 1}. If the log was damaged "
                    "(see the warnings above), or replaced under this process, restart it."
                ) from None
        finally:
            self._awaiting.discard(wid)
        if not ok:
            raise value
        return value

    def _known_trial(self, trial_id: int) -> ReplayState:
        """The replay state, synced if ``trial_id`` is not known yet (lock held)."""
        replay = self._replay
        if not replay.has_trial(trial_id):
            replay = self._read()
            replay._trial(trial_id)  # raises KeyError naming the id
        return replay

    def _updatable(self, trial_id: int) -> ReplayState:
        replay = self._known_trial(trial_id)
        replay._updatable(trial_id)  # raises UpdateFinishedTrialError
        return replay

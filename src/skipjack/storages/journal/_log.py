"""The log machinery of ``JournalStorage``: sync (replay what others appended), write (append and
learn the result from the replay), buffering, snapshots, and pickling/forking.

Design note: writes whose result nobody waits for (parameters, intermediate values, trial
attributes) are buffered and appended together, by the next call of this storage or, at the
latest, ``FLUSH_DELAY`` seconds later by a background thread (and at interpreter exit), so that a
trial with ten parameters costs one append, not ten, and yet a long-running trial's parameters
reach the log (and other workers) almost at once. A worker killed within ``FLUSH_DELAY`` of a
``suggest`` loses those buffered operations, as if it had been killed just before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
import weakref
from typing import Any

from skipjack.exceptions import StorageInternalError
from skipjack.storages.journal._base import BaseJournalBackend, JournalSnapshotSupport
from skipjack.storages.journal._ops import worker_id
from skipjack.storages.journal._replay import ReplayState
from skipjack.storages.journal._snapshot import dump_snapshot, load_snapshot, no_gc

__all__ = ["JournalLog", "FLUSH_DELAY"]

_logger = logging.getLogger("skipjack.storages.journal")

FLUSH_DELAY = 0.01


def _flusher(ref: weakref.ReferenceType[JournalLog], event: threading.Event) -> None:
    """Append a storage's buffered operations shortly after they were buffered."""
    while True:
        woke = event.wait(timeout=1.0)
        storage = ref()
        if storage is None:
            return
        if not woke:
            del storage
            continue
        event.clear()
        del storage
        threading.Event().wait(FLUSH_DELAY)
        storage = ref()
        if storage is None:
            return
        storage._flush_quietly()
        del storage


_LIVE: weakref.WeakSet[JournalLog] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # another thread of the parent may have held a storage's lock at fork time: start afresh
    for storage in list(_LIVE):
        storage._lock = threading.RLock()
        storage._awaiting = set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _flush_at_exit(ref: weakref.ReferenceType[JournalLog]) -> None:
    storage = ref()
    if storage is not None:
        storage._flush_quietly()


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
        self._flusher_pid = -1
        self._flush_event = threading.Event()
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
        """Append the buffered operations of this process, and sync (lock held)."""
        if self._pending:
            pending = self._pending
            self._pending = []
            self._sync(pending)

    def _flush_quietly(self) -> None:
        try:
            with self._lock:
                self._flush()
        except Exception as e:  # noqa: BLE001 - the next call of the storage retries
            _logger.warning(f"Could not append buffered journal operations: {e}")

    def _read(self) -> ReplayState:
        """Flush, sync, and return the replayed state (lock held)."""
        pending = self._pending
        self._pending = []
        self._sync(pending)
        return self._replay

    def _buffer(self, op: dict[str, Any]) -> None:
        op["worker_id"] = worker_id()
        self._pending.append(op)
        if len(self._pending) == 1:
            if self._flusher_pid != os.getpid():  # first buffer in this process
                self._flusher_pid = os.getpid()
                self._flush_event = threading.Event()
                ref = weakref.ref(self)
                threading.Thread(
                    target=_flusher,
                    args=(ref, self._flush_event),
                    daemon=True,
                    name="skipjack-journal-flush",
                ).start()
                atexit.register(_flush_at_exit, ref)
            self._flush_event.set()

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
            try:
                ok, value = self._results.pop(wid)
            except KeyError:
                raise StorageInternalError(
                    f"The operation just appended to {self._backend!r} was not read back: the "
                    "backend's read_logs does not return its own appends."
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

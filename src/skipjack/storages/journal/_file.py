"""``JournalFileBackend``: the journal in one append-only file of JSON lines.

Readers take no lock: they read whole lines from the byte offset where they stopped (a line still
being written has no final newline yet and is left for the next read). Writers append under a
file lock (``JournalFileSymlinkLock`` by default), opening the file for each append so that on
NFS the data of the previous lock holder is seen (close-to-open consistency) and flushed before
the lock is released.

Side files (skipjack only; Optuna ignores them): ``<journal>.queue`` (writers of one host queue on
its ``flock``), ``<journal>.snapshot`` holds the latest snapshot of the replayed state; ``<journal>.heartbeats/<trial_id>`` are touched by the workers of running
trials, and their modification times are the heartbeats (measured on the file server's clock).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable
from typing import Any

from skipjack.storages.journal._base import (
    BaseJournalBackend,
    JournalHeartbeatSupport,
    JournalSnapshotSupport,
)
from skipjack.storages.journal._lock import BaseJournalFileLock, JournalFileSymlinkLock
from skipjack.storages.journal._snapshot import no_gc

__all__ = ["JournalFileBackend"]

_logger = logging.getLogger("skipjack.storages.journal")
NUL_GRACE_SECONDS = 2.0  # a region of NUL bytes older than this is damage, not a write in flight
_TAIL = 256  # bytes before the snapshot's offset that identify the log it belongs to


_sync_data = getattr(os, "fdatasync", os.fsync)


def _dumps(log: dict[str, Any]) -> str:
    return json.dumps(log, separators=(",", ":"))


def parse_lines(text: str, source: str) -> list[dict[str, Any]]:
    """Parse newline-terminated JSON lines; a corrupt line is skipped with a warning."""
    try:  # fast path: one parse for the whole chunk
        # a list of dicts once the check below passes
        parsed: list[dict[str, Any]] = json.loads("[" + text[:-1].replace("\n", ",") + "]")
        if all(type(x) is dict for x in parsed):
            return parsed
    except ValueError:
        pass
    logs: list[dict[str, Any]] = []
    for line in text[:-1].split("\n"):
        if not line.strip():
            continue
        try:
            log = json.loads(line)
        except ValueError as e:
            _logger.warning(
                f"Skipping a corrupt line in the journal {source!r} (after {len(logs)} good "
                f"operations of this read; {e}): {line[:200]!r}. The operations after it are read."
            )
            continue
        if type(log) is dict:
            logs.append(log)
    return logs


class JournalFileBackend(BaseJournalBackend, JournalSnapshotSupport, JournalHeartbeatSupport):
    """The journal in a file (Optuna's ``JournalFileBackend``, same format and lock file).

    Args:
        file_path: the journal file; created if missing. Every process of a study opens the same
            path (on one host, or on a shared folder such as NFS).
        lock_obj: the lock that serialises appends; ``JournalFileSymlinkLock(file_path)`` by
            default. Use ``JournalFileOpenLock`` on NFSv3+ if symbolic links are not allowed.
        fsync: make each append durable (``fdatasync``) before the lock is released, as Optuna
            does, so that a machine crash loses no acknowledged operation (a skipjack keyword).
            ``fsync=False`` is several times faster on slow disks and still survives any crash
            of the worker processes, but not of the machine.
    """

    def __init__(
        self,
        file_path: str,
        lock_obj: BaseJournalFileLock | None = None,
        *,
        fsync: bool = True,
    ) -> None:
        if not isinstance(file_path, (str, os.PathLike)) or not os.fspath(file_path):
            raise ValueError(
                f"The 'file_path' argument of JournalFileBackend must be a file path. "
                f"Got {file_path!r}."
            )
        self._path = os.fspath(file_path)
        directory = os.path.dirname(os.path.abspath(self._path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                f"The directory of the journal file {self._path!r} does not exist: create "
                f"{directory!r} first."
            )
        self._lock = lock_obj if lock_obj is not None else JournalFileSymlinkLock(self._path)
        # (log number, byte offset) of the next unread line
        self._pos = (0, 0)
        self._use_queue = True
        self._nul_seen: dict[int, float] = {}  # byte offset of a NUL line -> first seen
        self._fsync = bool(fsync)
        open(self._path, "ab").close()

    @property
    def file_path(self) -> str:
        """The journal file."""
        return self._path

    def __repr__(self) -> str:
        return f"JournalFileBackend({self._path!r})"

    # --- the log ----------------------------------------------------------------------------------

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        number, offset = self._pos
        if log_number_from < number:
            number, offset = 0, 0
        with open(self._path, "rb") as f:
            f.seek(offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        nul = data.find(b"\0", 0, end)
        if nul >= 0:
            end = self._nul_region(data, offset, nul, end)
        if end == 0:
            return []
        text = data[:end].decode("utf-8", errors="replace")
        if end > 1 << 20:
            with no_gc():  # parsing builds many containers that stay alive
                logs = parse_lines(text, self._path)
        else:
            logs = parse_lines(text, self._path)
        self._pos = (number + len(logs), offset + end)
        skip = log_number_from - number
        return logs[skip:] if skip > 0 else logs

    def _nul_region(self, data: bytes, offset: int, nul: int, end: int) -> int:
        """Where to stop reading, given NUL bytes at ``data[nul]`` before ``end``.

        On NFS, a region of NUL bytes may be another client's write still in flight: read up to
        it and look again later. It is damage (a machine crash, a bad copy) when no writer holds
        the lock and a fresh open still shows it, or when it stays NUL for ``NUL_GRACE_SECONDS``
        (a lock type without a lock file): the lines holding it are reported, precisely, and
        skipped, and reading goes on past them.
        """
        line_start = data.rfind(b"\n", 0, nul) + 1
        line_end = data.find(b"\n", nul) + 1
        key = offset + line_start
        now = time.monotonic()
        first_seen = self._nul_seen.get(key)
        if first_seen is None and self._damaged_now(key, offset + line_end):
            pass  # no writer holds the lock and a fresh open still shows the NUL bytes
        else:
            if first_seen is None:
                first_seen = self._nul_seen[key] = now
            if now - first_seen < NUL_GRACE_SECONDS:
                return line_start
        count = data.count(b"\0", line_start, line_end)
        after = self._pos[0] + data.count(b"\n", 0, line_start) - 1
        _logger.warning(
            f"The journal {self._path!r} has {count} NUL byte(s) in bytes {key}..{offset + line_end}"
            f" (the line after operation #{after})"
            ", with no write in flight: the file was damaged (a machine crash or an incomplete "
            "copy). That line is skipped and the operations after it are read."
        )
        self._nul_seen.pop(key, None)
        nxt = data.find(b"\0", line_end, end)
        if nxt >= 0:
            return max(line_end, self._nul_region(data, offset, nxt, end))
        return end

    def _damaged_now(self, start: int, stop: int) -> bool:
        """True when NUL bytes in ``[start, stop)`` cannot be a write in flight: no writer holds
        the lock, and a fresh open (which, on NFS, shows every write closed before it) still
        reads NUL bytes there."""
        lock_file = getattr(self._lock, "lock_file", None)
        if not isinstance(lock_file, str) or os.path.lexists(lock_file):
            return False
        with open(self._path, "rb") as f:
            f.seek(start)
            return b"\0" in f.read(stop - start)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if not logs:
            return
        payload = "".join(_dumps(log) + "\n" for log in logs).encode()
        queue = self._enter_queue()
        try:
            self._append_locked(payload)
        finally:
            if queue is not None:
                os.close(queue)  # releases the flock

    def _enter_queue(self) -> int | None:
        """Wait in the kernel's queue of this host's writers (``flock`` on ``<journal>.queue``).

        Design note: the lock file is polled with backoff, so under contention a writer may
        sleep while the lock is free. Writers on one host first queue on a blocking ``flock``,
        which the kernel hands over at once; the lock file, taken next, is then uncontended
        among them and still excludes writers on other hosts (and Optuna). Where ``flock`` is
        unavailable (some NFS setups) this step is skipped: it is an optimisation only.
        """
        if not self._use_queue:
            return None
        try:
            import fcntl

            fd = os.open(self._path + ".queue", os.O_RDWR | os.O_CREAT, 0o644)
        except (ImportError, OSError):
            self._use_queue = False
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            os.close(fd)
            self._use_queue = False
            return None
        return fd

    def _append_locked(self, payload: bytes) -> None:
        self._lock.acquire()
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    # a writer died in the middle of a line: end it so ours stays readable
                    payload = b"\n" + payload
                view = memoryview(payload)
                try:
                    while view:
                        written = os.write(fd, view)
                        view = view[written:]
                except OSError as e:
                    # e.g. a full disk: take back the part that was written (we hold the lock),
                    # so the log never keeps half an operation
                    try:
                        os.ftruncate(fd, size)
                    except OSError:
                        pass
                    raise OSError(
                        e.errno,
                        f"Cannot append to the journal file {self._path!r}: {e.strerror}. Nothing "
                        "of this write was kept; the operations written before it are. Free space "
                        "on that disk (or move the file) and run again.",
                    ) from e
                if self._fsync:
                    _sync_data(fd)
            finally:
                os.close(fd)
        finally:
            self._lock.release()

    # --- snapshots --------------------------------------------------------------------------------

    @property
    def _snapshot_path(self) -> str:
        return self._path + ".snapshot"

    def _tail_digest(self, offset: int) -> str | None:
        start = max(0, offset - _TAIL)
        with open(self._path, "rb") as f:
            f.seek(start)
            tail = f.read(offset - start)
        if len(tail) != offset - start or (offset and not tail.endswith(b"\n")):
            return None
        return hashlib.sha1(tail).hexdigest()

    def save_replay_snapshot(self, log_number: int, data: bytes) -> None:
        number, offset = self._pos
        if number != log_number:
            return  # we do not know where that operation starts in the file
        digest = self._tail_digest(offset)
        if digest is None:
            return
        header = json.dumps({"log_number": log_number, "offset": offset, "tail_sha1": digest})
        tmp = f"{self._snapshot_path}.tmp-{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as f:
                f.write(header.encode() + b"\n")
                f.write(data)
            os.replace(tmp, self._snapshot_path)
        except OSError as e:
            _logger.warning(f"Could not write the journal snapshot {self._snapshot_path!r}: {e}")
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _read_header(self, f: Any) -> dict[str, Any] | None:
        try:
            header = json.loads(f.readline())
            if not isinstance(header, dict):
                return None
            int(header["log_number"]), int(header["offset"]), str(header["tail_sha1"])
            return header
        except (ValueError, KeyError, TypeError):
            return None

    def load_replay_snapshot(self) -> tuple[int, bytes] | None:
        try:
            with open(self._snapshot_path, "rb") as f:
                header = self._read_header(f)
                if header is None:
                    return None
                data = f.read()
        except FileNotFoundError:
            return None
        offset = int(header["offset"])
        if self._tail_digest(offset) != header["tail_sha1"]:
            return None  # the snapshot belongs to another (older, replaced) log
        self._pos = (int(header["log_number"]), offset)
        return int(header["log_number"]), data

    def snapshot_log_number(self) -> int:
        try:
            with open(self._snapshot_path, "rb") as f:
                header = self._read_header(f)
        except FileNotFoundError:
            return -1
        return -1 if header is None else int(header["log_number"])

    # --- heartbeats -------------------------------------------------------------------------------

    @property
    def _heartbeat_dir(self) -> str:
        return self._path + ".heartbeats"

    def record_heartbeat(self, trial_id: int) -> None:
        path = os.path.join(self._heartbeat_dir, str(int(trial_id)))
        try:
            os.utime(path)
        except FileNotFoundError:
            os.makedirs(self._heartbeat_dir, exist_ok=True)
            open(path, "ab").close()
            os.utime(path)

    def get_heartbeat_ages(self, trial_ids: list[int]) -> dict[int, float]:
        if not trial_ids:
            return {}
        probe = os.path.join(self._heartbeat_dir, ".now")
        try:
            os.utime(probe)  # "now" on the file server's clock
        except FileNotFoundError:
            try:
                os.makedirs(self._heartbeat_dir, exist_ok=True)
                open(probe, "ab").close()
                os.utime(probe)
            except OSError:
                return {}
        now = os.stat(probe).st_mtime
        ages = {}
        for trial_id in trial_ids:
            try:
                ages[trial_id] = now - os.stat(
                    os.path.join(self._heartbeat_dir, str(trial_id))
                ).st_mtime
            except FileNotFoundError:
                continue
        return ages

    def clear_heartbeat(self, trial_id: int) -> None:
        try:
            os.unlink(os.path.join(self._heartbeat_dir, str(int(trial_id))))
        except FileNotFoundError:
            pass

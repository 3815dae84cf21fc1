"""File locks for the journal file: they work across processes on one host and on NFS.

Both locks create the lock file ``<journal>.lock`` (the name Optuna uses, so skipjack and Optuna
writing one journal at the same time exclude each other) and remove it on release:

- ``JournalFileSymlinkLock``: ``symlink()`` is atomic on every NFS version (use it on NFSv2).
- ``JournalFileOpenLock``: ``open(O_CREAT | O_EXCL)``, atomic on NFSv3 and later.

Stale locks: a process killed while holding the lock leaves the lock file behind. A lock file
older than ``grace_period`` seconds is broken (renamed away, then deleted), since the lock is only
ever held for the few milliseconds of one append. A waiter that cannot acquire the lock within
``timeout`` seconds gets a ``TimeoutError`` that names the lock file.
"""

from __future__ import annotations

import abc
import errno
import os
import random
import time
import uuid

__all__ = ["BaseJournalFileLock", "JournalFileSymlinkLock", "JournalFileOpenLock"]

_MIN_SLEEP = 0.00005
_MAX_SLEEP = 0.004


class BaseJournalFileLock(abc.ABC):
    """Base class of the journal file locks (Optuna's ``acquire``/``release`` interface).

    Args:
        filepath: the journal file to protect; the lock file is ``filepath + ".lock"``.
        grace_period: seconds after which an existing lock file is considered stale and broken
            (None: never break a lock).
        timeout: seconds ``acquire`` waits before raising ``TimeoutError`` (a skipjack keyword).
    """

    def __init__(
        self, filepath: str, grace_period: int | None = 30, *, timeout: float = 120.0
    ) -> None:
        if grace_period is not None and grace_period <= 0:
            raise ValueError(
                f"The 'grace_period' argument of {type(self).__name__} must be > 0 or None. "
                f"Got {grace_period!r}."
            )
        if timeout <= 0:
            raise ValueError(
                f"The 'timeout' argument of {type(self).__name__} must be > 0. Got {timeout!r}."
            )
        self._lock_file = os.fspath(filepath) + ".lock"
        self._target = os.fspath(filepath)
        self.grace_period = grace_period
        self.timeout = timeout

    @property
    def lock_file(self) -> str:
        """The path of the lock file."""
        return self._lock_file

    @abc.abstractmethod
    def _try_create(self) -> bool:
        """Create the lock file; True on success, False if it exists."""

    def acquire(self) -> bool:
        """Wait for the lock and take it. Returns True.

        Raises:
            TimeoutError: the lock was not free within ``timeout`` seconds.
        """
        if self._try_create():
            return True
        deadline = time.monotonic() + self.timeout
        sleep = _MIN_SLEEP
        while True:
            if self._try_create():
                return True
            if self.grace_period is not None:
                self._break_if_stale()
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError(
                    f"Could not acquire the journal lock {self._lock_file!r} within "
                    f"{self.timeout:g} s: another process holds it. If no process is writing to "
                    f"{self._target!r}, delete {self._lock_file!r} (or pass a shorter "
                    "grace_period to the lock so stale locks are broken sooner)."
                )
            time.sleep(sleep * (0.5 + random.random()))
            sleep = min(sleep * 2, _MAX_SLEEP)

    def release(self) -> None:
        """Release the lock (remove the lock file)."""
        try:
            os.unlink(self._lock_file)
        except FileNotFoundError:  # broken as stale by another process
            pass

    def _break_if_stale(self) -> None:
        try:
            age = time.time() - os.lstat(self._lock_file).st_mtime
        except FileNotFoundError:
            return
        assert self.grace_period is not None
        if age <= self.grace_period:
            return
        # Rename first: only one process can move a given lock file away, so two processes that
        # both saw it stale cannot delete each other's fresh lock.
        aside = f"{self._lock_file}.stale-{uuid.uuid4().hex}"
        try:
            os.rename(self._lock_file, aside)
        except FileNotFoundError:
            return
        try:
            fresh = time.time() - os.lstat(aside).st_mtime <= self.grace_period
            if fresh:  # somebody took the lock between our check and the rename: give it back
                try:
                    os.link(aside, self._lock_file, follow_symlinks=False)
                except OSError:
                    pass
        finally:
            try:
                os.unlink(aside)
            except FileNotFoundError:
                pass


class JournalFileSymlinkLock(BaseJournalFileLock):
    """Lock by creating a symbolic link (atomic on NFSv2 and later).

    Design note: the link points to the holder's process id, not to the journal's path as in
    Optuna (the content is never read; only the link's existence matters). A target longer than
    60 bytes makes a "slow" symlink on ext4, whose every create and delete allocates and frees a
    disk block: with long journal paths that cost a millisecond per append.
    """

    def _try_create(self) -> bool:
        try:
            os.symlink(str(os.getpid()), self._lock_file)
            return True
        except FileExistsError:
            return False


class JournalFileOpenLock(BaseJournalFileLock):
    """Lock by creating a file with ``O_CREAT | O_EXCL`` (atomic on NFSv3 and later)."""

    def _try_create(self) -> bool:
        try:
            fd = os.open(self._lock_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        except OSError as e:  # pragma: no cover - platform specific
            if e.errno == errno.EEXIST:
                return False
            raise
        os.close(fd)
        return True

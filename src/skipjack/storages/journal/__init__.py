"""Journal storage: an append-only log of operations (Optuna's journal format), replayed in memory.

Backends: ``JournalFileBackend`` (a file, with locks that work on NFS) and ``JournalRedisBackend``.
See docs/journal.md.
"""

from skipjack.storages.journal._base import (
    BaseJournalBackend,
    JournalHeartbeatSupport,
    JournalSnapshotSupport,
)
from skipjack.storages.journal._file import JournalFileBackend
from skipjack.storages.journal._lock import (
    BaseJournalFileLock,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
)
from skipjack.storages.journal._redis import JournalRedisBackend
from skipjack.storages.journal._storage import JournalStorage

__all__ = [
    "BaseJournalBackend",
    "BaseJournalFileLock",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileSymlinkLock",
    "JournalHeartbeatSupport",
    "JournalRedisBackend",
    "JournalSnapshotSupport",
    "JournalStorage",
]

"""Optuna's deprecated journal names, importable from ``skipjack.storages`` as in Optuna.

Optuna 4.0 renamed the journal classes (``JournalFileStorage`` -> ``journal.JournalFileBackend``,
``JournalRedisStorage`` -> ``journal.JournalRedisBackend``, ``BaseJournalLogStorage`` ->
``journal.BaseJournalBackend``) and moved the file locks into ``storages.journal``. The old names
still work: each is a subclass of its replacement whose construction emits a ``FutureWarning``
naming the replacement. They are reachable only from ``skipjack.storages`` (as in Optuna,
``skipjack.storages.journal.JournalFileStorage`` raises ``AttributeError``).
"""

from __future__ import annotations

from skipjack._deprecation import deprecated
from skipjack.storages.journal._base import BaseJournalBackend
from skipjack.storages.journal._file import JournalFileBackend
from skipjack.storages.journal._lock import JournalFileOpenLock as _OpenLock
from skipjack.storages.journal._lock import JournalFileSymlinkLock as _SymlinkLock
from skipjack.storages.journal._redis import JournalRedisBackend

__all__ = [
    "BaseJournalLogStorage",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
]

_SINCE, _REMOVED = "4.0.0", "6.0.0"


@deprecated(_SINCE, _REMOVED, "skipjack.storages.journal.JournalFileBackend",
            name="JournalFileStorage")
class JournalFileStorage(JournalFileBackend):
    """Deprecated name of ``skipjack.storages.journal.JournalFileBackend``."""


@deprecated(_SINCE, _REMOVED, "skipjack.storages.journal.JournalRedisBackend",
            name="JournalRedisStorage")
class JournalRedisStorage(JournalRedisBackend):
    """Deprecated name of ``skipjack.storages.journal.JournalRedisBackend``."""


@deprecated(_SINCE, _REMOVED, "skipjack.storages.journal.BaseJournalBackend",
            name="BaseJournalLogStorage")
class BaseJournalLogStorage(BaseJournalBackend):
    """Deprecated name of ``skipjack.storages.journal.BaseJournalBackend`` (subclass it instead)."""


@deprecated(_SINCE, _REMOVED, "skipjack.storages.journal.JournalFileSymlinkLock",
            name="skipjack.storages.JournalFileSymlinkLock")
class JournalFileSymlinkLock(_SymlinkLock):
    """Deprecated path of ``skipjack.storages.journal.JournalFileSymlinkLock``."""


@deprecated(_SINCE, _REMOVED, "skipjack.storages.journal.JournalFileOpenLock",
            name="skipjack.storages.JournalFileOpenLock")
class JournalFileOpenLock(_OpenLock):
    """Deprecated path of ``skipjack.storages.journal.JournalFileOpenLock``."""

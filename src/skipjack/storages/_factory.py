"""Turn what a user passes as ``storage=`` into a storage object.

Accepted: None (in-memory), a ``BaseStorage``, or a URL string:
``sqlite:///path.db``, ``postgresql://...``, ``mysql+pymysql://...`` (RDB) and ``redis://...``
(the Redis journal). The URL may also come from the ``SKIPJACK_STORAGE`` environment variable
(pass ``storage="env"`` or leave the CLI's ``--storage`` out), so that no secret needs to appear on
a command line.
"""

from __future__ import annotations

import os
from typing import Any

from skipjack.storages._base import BaseStorage
from skipjack.storages._in_memory import InMemoryStorage
from skipjack.storages._url import CONNECT_TIMEOUT_VAR, connect_timeout, mask_password

__all__ = ["get_storage", "mask_password", "connect_timeout", "ENV_VAR", "CONNECT_TIMEOUT_VAR"]

ENV_VAR = "SKIPJACK_STORAGE"
_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql")


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    """Return the storage object for ``storage``.

    Raises:
        ValueError: a string that is not a supported URL; the message lists the accepted forms.
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if not isinstance(storage, str):
        raise TypeError(
            f"`storage` must be None, a BaseStorage or a URL string; got {type(storage).__name__}."
        )
    url = storage
    if url == "env":
        url = os.environ.get(ENV_VAR, "")
        if not url:
            raise ValueError(
                f"storage='env' reads the URL from ${ENV_VAR}, which is not set: export it, "
                "e.g. SKIPJACK_STORAGE=sqlite:///study.db."
            )
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme in _RDB_SCHEMES:
        from skipjack.storages._rdb.storage import RDBStorage

        return RDBStorage(url)
    if scheme in ("redis", "rediss", "unix"):
        from skipjack.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(JournalRedisBackend(url))
    raise ValueError(
        f"Unsupported storage URL {mask_password(url)!r}: use sqlite:///file.db, "
        "postgresql://user@host/db, mysql+pymysql://user@host/db, redis://host:6379, "
        "or a storage object (e.g. JournalStorage(JournalFileBackend('log.jsonl')))."
    )


def _storage_repr(storage: Any) -> str:
    return mask_password(str(getattr(storage, "url", type(storage).__name__)))

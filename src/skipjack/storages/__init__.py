"""Storages: where studies and trials live.

``InMemoryStorage`` is always available. The persistent backends (``RDBStorage``,
``JournalStorage`` and its backends) import their drivers lazily, on first use, so that
``import skipjack`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from skipjack.storages._base import BaseStorage
from skipjack.storages._factory import get_storage
from skipjack.storages._heartbeat import BaseHeartbeat, fail_stale_trials
from skipjack.storages._in_memory import InMemoryStorage

__all__ = [
    "BaseStorage",
    "BaseHeartbeat",
    "InMemoryStorage",
    "RDBStorage",
    "JournalStorage",
    "RetryFailedTrialCallback",
    "GrpcStorageProxy",
    "RetryHeartbeatStaleTrialCallback",
    "fail_stale_trials",
    "get_storage",
    "journal",
    "run_grpc_proxy_server",
    # Optuna's deprecated journal names (FutureWarning on use):
    "BaseJournalLogStorage",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
]

_LAZY = {
    "RDBStorage": "skipjack.storages._rdb.storage",
    "JournalStorage": "skipjack.storages.journal._storage",
    "RetryFailedTrialCallback": "skipjack.storages._callbacks",
    "RetryHeartbeatStaleTrialCallback": "skipjack.storages._callbacks",
    "journal": "skipjack.storages.journal",
    "GrpcStorageProxy": "skipjack.storages._grpc",
    "run_grpc_proxy_server": "skipjack.storages._grpc",
    "_CachedStorage": "skipjack.storages._cached_storage",  # Optuna's private name, for add-ons
    "BaseJournalLogStorage": "skipjack.storages.journal._deprecated",
    "JournalFileOpenLock": "skipjack.storages.journal._deprecated",
    "JournalFileStorage": "skipjack.storages.journal._deprecated",
    "JournalFileSymlinkLock": "skipjack.storages.journal._deprecated",
    "JournalRedisStorage": "skipjack.storages.journal._deprecated",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skipjack.storages' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if name == "journal" else getattr(mod, name)
    globals()[name] = value
    return value

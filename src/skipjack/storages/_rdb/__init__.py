"""The relational storage (``RDBStorage``): SQLite, PostgreSQL and MySQL/MariaDB, in Optuna's schema.

SQLAlchemy is imported by the modules of this package, so importing ``skipjack.storages`` does not
load it: ``skipjack.storages.RDBStorage`` resolves lazily to ``skipjack.storages._rdb.storage``.
"""

from __future__ import annotations

__all__: list[str] = []

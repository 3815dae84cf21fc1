"""Alembic environment: runs migrations on the connection ``skipjack storage upgrade`` passes in."""

from __future__ import annotations

from alembic import context

from skipjack.storages._rdb import models

__all__: list[str] = []

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=models.metadata)
with context.begin_transaction():
    context.run_migrations()

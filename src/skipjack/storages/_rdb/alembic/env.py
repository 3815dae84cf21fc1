"""Alembic environment: runs migrations on the connection ``skipjack storage upgrade`` passes in."""

from __future__ import annotations

from alembic import context

from skipjack.storages._rdb import models

__all__: list[str] = []

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=models.metadata,
                  transaction_per_migration=True)
if connection.dialect.name == "sqlite":
    connection.exec_driver_sql("BEGIN IMMEDIATE")
else:
    connection.exec_driver_sql("BEGIN")
try:
    context.run_migrations()
except BaseException:
    connection.exec_driver_sql("ROLLBACK")
    raise
connection.exec_driver_sql("COMMIT")

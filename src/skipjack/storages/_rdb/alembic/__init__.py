"""Alembic migration environment of skipjack's RDB schema (run by ``skipjack storage upgrade``)."""

__all__: list[str] = []

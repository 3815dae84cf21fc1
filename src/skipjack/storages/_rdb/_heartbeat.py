"""Heartbeats of the RDB storage, in Optuna's ``trial_heartbeats`` table.

A heartbeat is the database server's clock (``now()``) written for the trial; staleness is judged
against the same clock, so the workers' clocks need not agree. Optuna writes and reads the same
table the same way, so skipjack and Optuna workers can watch each other.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from skipjack._records import FrozenTrial
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import T

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["RDBHeartbeatMixin"]

_h = m.trial_heartbeats
_t = m.trials


class RDBHeartbeatMixin:
    """``BaseHeartbeat`` for ``RDBStorage`` (uses its engine and retry helper)."""

    heartbeat_interval: int | None
    grace_period: int | None
    _engine: Engine
    _dialect: str

    def _run(self, what: str, fn: Callable[[Connection], T]) -> T:  # pragma: no cover
        raise NotImplementedError

    def _flush_before_heartbeat(self, trial_id: int) -> None:  # pragma: no cover
        raise NotImplementedError

    def _db_now(self) -> Any:
        if self._dialect == "sqlite":
            return sa.type_coerce(sa.func.current_timestamp(), sa.DateTime)
        return sa.cast(sa.func.now(), sa.DateTime)

    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the worker running ``trial_id`` is alive (at the database's time)."""
        self._flush_before_heartbeat(trial_id)
        now = sa.func.now()

        def work(conn: Connection) -> None:
            if conn.execute(_h.update().where(_h.c.trial_id == trial_id)
                            .values(heartbeat=now)).rowcount:
                return
            try:
                conn.execute(_h.insert().values(trial_id=trial_id, heartbeat=now))
            except IntegrityError:  # another thread of the same trial beat first
                pass

        self._run("record_heartbeat", work)

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        grace = self.get_grace_period()
        if grace is None:
            return []

        def work(conn: Connection) -> list[int]:
            rows = conn.execute(
                sa.select(_t.c.trial_id, _h.c.heartbeat, self._db_now())
                .join(_h, _h.c.trial_id == _t.c.trial_id)
                .where(_t.c.study_id == study_id, _t.c.state == "RUNNING")
            ).all()
            limit = datetime.timedelta(seconds=grace)
            return [tid for tid, beat, now in rows if now - beat > limit]

        return self._run("get_stale_trial_ids", work)

    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or None when heartbeats are off."""
        return self.heartbeat_interval

    def get_grace_period(self) -> float | None:
        """Seconds without a heartbeat after which a trial is stale (default 2 x interval)."""
        if self.heartbeat_interval is None:
            return None
        return self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval

"""Heartbeats of the RDB storage, in Optuna's ``trial_heartbeats`` table (``HeartbeatStore``).

A heartbeat is the database server's clock (``now()``) written for the trial; staleness is judged
against the same clock, so the workers' clocks need not agree. Optuna writes and reads the same
table the same way, so skipjack and Optuna workers can watch each other.
"""

from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import Database

__all__ = ["HeartbeatStore"]

_h = m.trial_heartbeats
_t = m.trials


class HeartbeatStore:
    """Writes and judges heartbeats (stateless apart from the database)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _db_now(self) -> Any:
        if self._db.dialect == "sqlite":
            return sa.type_coerce(sa.func.current_timestamp(), sa.DateTime)
        return sa.cast(sa.func.now(), sa.DateTime)

    def record(self, trial_id: int) -> None:
        """Record that the worker running ``trial_id`` is alive (at the database's time)."""
        now = sa.func.now()

        def work(conn: Connection) -> None:
            if conn.execute(_h.update().where(_h.c.trial_id == trial_id)
                            .values(heartbeat=now)).rowcount:
                return
            try:
                conn.execute(_h.insert().values(trial_id=trial_id, heartbeat=now))
            except IntegrityError:  # another thread of the same trial beat first
                pass

        self._db.run("record_heartbeat", work)

    def stale_trial_ids(self, study_id: int, grace: float) -> list[int]:
        """RUNNING trials of the study whose last beat is older than ``grace`` seconds."""

        def work(conn: Connection) -> list[int]:
            rows = conn.execute(
                sa.select(_t.c.trial_id, _h.c.heartbeat, self._db_now())
                .join(_h, _h.c.trial_id == _t.c.trial_id)
                .where(_t.c.study_id == study_id, _t.c.state == "RUNNING")
            ).all()
            limit = datetime.timedelta(seconds=grace)
            return [tid for tid, beat, now in rows if now - beat > limit]

        return self._db.run("get_stale_trial_ids", work)

    def ages(self, study_id: int) -> dict[int, float]:
        """Seconds since the last beat of each RUNNING trial of the study that has one."""

        def work(conn: Connection) -> dict[int, float]:
            rows = conn.execute(
                sa.select(_t.c.trial_id, _h.c.heartbeat, self._db_now())
                .join(_h, _h.c.trial_id == _t.c.trial_id)
                .where(_t.c.study_id == study_id, _t.c.state == "RUNNING")
            ).all()
            return {int(tid): max(0.0, (now - beat).total_seconds()) for tid, beat, now in rows}

        return self._db.run("get_heartbeat_ages", work)

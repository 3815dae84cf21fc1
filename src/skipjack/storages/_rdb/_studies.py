"""Studies in the RDB storage: create, delete, names, directions, attributes (``StudyStore``)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from skipjack._records import FrozenStudy, StudyDirection
from skipjack.exceptions import DuplicatedStudyError
from skipjack.logging import get_logger
from skipjack.storages._base import DEFAULT_STUDY_NAME_PREFIX
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import Database, transaction

__all__ = ["StudyStore"]

_t = m.trials

_logger = get_logger(__name__)


class StudyStore:
    """The study part of ``RDBStorage``: study rows, directions (cached: they never change) and
    study attributes. Owns the directions cache and its lock; no lock is held across a round trip.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._run = db.run
        self._lock = threading.Lock()
        self._directions: dict[int, list[StudyDirection]] = {}

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        if len(study_name) > m.MAX_STRING_LENGTH:
            raise ValueError(
                f"The 'study_name' must be at most {m.MAX_STRING_LENGTH} characters in an RDB. "
                f"Got {len(study_name)} characters."
            )
        directions = list(directions)

        def work(conn: Connection) -> int:
            with transaction(conn):
                result = conn.execute(m.studies.insert().values(study_name=study_name))
                key = result.inserted_primary_key
                assert key is not None  # a single-row INSERT always has one
                study_id = int(key[0])
                conn.execute(
                    m.study_directions.insert(),
                    [{"study_id": study_id, "objective": i, "direction": d.name}
                     for i, d in enumerate(directions)],
                )
            return study_id

        try:
            study_id = self._run("create_new_study", work)
        except IntegrityError:
            raise DuplicatedStudyError(
                f"Another study with name '{study_name}' already exists. Pass "
                "load_if_exists=True to load it, or choose another name."
            ) from None
        _logger.info(f"A new study created in RDB with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        def work(conn: Connection) -> None:
            with transaction(conn):
                found = conn.execute(
                    sa.select(m.studies.c.study_id).where(m.studies.c.study_id == study_id)
                ).first()
                if found is None:
                    raise KeyError(f"No study with study_id {study_id} exists.")
                ids = sa.select(_t.c.trial_id).where(_t.c.study_id == study_id)
                for table in (m.trial_params, m.trial_values, m.trial_intermediate_values,
                              m.trial_user_attributes, m.trial_system_attributes,
                              m.trial_heartbeats):
                    conn.execute(table.delete().where(table.c.trial_id.in_(ids)))
                conn.execute(_t.delete().where(_t.c.study_id == study_id))
                for table in (m.study_user_attributes, m.study_system_attributes,
                              m.study_directions):
                    conn.execute(table.delete().where(table.c.study_id == study_id))
                conn.execute(m.studies.delete().where(m.studies.c.study_id == study_id))

        self._run("delete_study", work)

    def remember_directions(self, study_id: int, directions: list[StudyDirection]) -> None:
        with self._lock:
            self._directions[study_id] = directions

    def forget(self, study_id: int) -> None:
        """Drop what is cached about a study that no longer exists."""
        with self._lock:
            self._directions.pop(study_id, None)

    def _set_study_attr(self, table: sa.Table, study_id: int, key: str, value: Any) -> None:
        value_json = json.dumps(value)

        def work(conn: Connection) -> None:
            cond = sa.and_(table.c.study_id == study_id, table.c.key == key)
            if conn.execute(table.update().where(cond).values(value_json=value_json)).rowcount:
                return
            try:
                inserted = conn.execute(
                    table.insert().from_select(
                        ["study_id", "key", "value_json"],
                        sa.select(m.studies.c.study_id, sa.literal(key), sa.literal(value_json))
                        .where(m.studies.c.study_id == study_id),
                    ).execution_options(preserve_rowcount=True)
                ).rowcount
            except IntegrityError:  # another process inserted it first
                conn.execute(table.update().where(cond).values(value_json=value_json))
                return
            if not inserted:
                raise KeyError(f"No study with study_id {study_id} exists.")

        self._run("set_study_attr", work)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(m.study_user_attributes, study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(m.study_system_attributes, study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        def work(conn: Connection) -> int:
            study_id = conn.execute(
                sa.select(m.studies.c.study_id).where(m.studies.c.study_name == study_name)
            ).scalar()
            if study_id is None:
                names = list(conn.execute(
                    sa.select(m.studies.c.study_name).order_by(m.studies.c.study_id).limit(50)
                ).scalars())
                raise KeyError(
                    f"Record does not exist: no study named {study_name!r}. "
                    f"Studies in this storage: {names}."
                )
            return int(study_id)

        return self._run("get_study_id_from_name", work)

    def get_study_name_from_id(self, study_id: int) -> str:
        def work(conn: Connection) -> str:
            name = conn.execute(
                sa.select(m.studies.c.study_name).where(m.studies.c.study_id == study_id)
            ).scalar()
            if name is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
            return str(name)

        return self._run("get_study_name_from_id", work)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            cached = self._directions.get(study_id)
        if cached is not None:
            return list(cached)
        sd = m.study_directions

        def work(conn: Connection) -> list[StudyDirection]:
            rows = conn.execute(
                sa.select(sd.c.direction).where(sd.c.study_id == study_id).order_by(sd.c.objective)
            ).scalars().all()
            if not rows:
                raise KeyError(f"No study with study_id {study_id} exists.")
            return [StudyDirection[r] for r in rows]

        directions = self._run("get_study_directions", work)
        with self._lock:
            self._directions[study_id] = directions
        return list(directions)

    def _get_study_attrs(self, table: sa.Table, study_id: int) -> dict[str, Any]:
        def work(conn: Connection) -> dict[str, Any]:
            rows = conn.execute(
                sa.select(table.c.key, table.c.value_json).where(table.c.study_id == study_id)
            ).all()
            if not rows and conn.execute(
                sa.select(m.studies.c.study_id).where(m.studies.c.study_id == study_id)
            ).first() is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
            return {k: json.loads(v) for k, v in rows}

        return self._run("get_study_attrs", work)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(m.study_user_attributes, study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(m.study_system_attributes, study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        def work(conn: Connection) -> list[FrozenStudy]:
            names = conn.execute(
                sa.select(m.studies.c.study_id, m.studies.c.study_name)
                .order_by(m.studies.c.study_id)
            ).all()
            directions: dict[int, list[StudyDirection]] = {}
            for sid, direction in conn.execute(
                sa.select(m.study_directions.c.study_id, m.study_directions.c.direction)
                .order_by(m.study_directions.c.study_id, m.study_directions.c.objective)
            ):
                directions.setdefault(sid, []).append(StudyDirection[direction])
            attrs: list[dict[int, dict[str, Any]]] = []
            for table in (m.study_user_attributes, m.study_system_attributes):
                found: dict[int, dict[str, Any]] = {}
                for sid, key, value in conn.execute(
                    sa.select(table.c.study_id, table.c.key, table.c.value_json)
                ):
                    found.setdefault(sid, {})[key] = json.loads(value)
                attrs.append(found)
            return [
                FrozenStudy(
                    study_name=name,
                    direction=None,
                    directions=directions.get(sid, [StudyDirection.MINIMIZE]),
                    user_attrs=attrs[0].get(sid, {}),
                    system_attrs=attrs[1].get(sid, {}),
                    study_id=sid,
                )
                for sid, name in names
            ]

        return self._run("get_all_studies", work)

"""``RDBStorage``: studies in a relational database, in Optuna's schema (version 12).

Round trips per trial event (PostgreSQL; see docs/storage.md for all backends):

- ask: take a WAITING trial (1 read; 1 more statement only when one is waiting), then create the
  trial (BEGIN, lock the study row, INSERT ... SELECT MAX(number)+1 ... RETURNING, COMMIT).
- each ``suggest_*``: 1 statement (a conditional INSERT that also checks the trial is running);
  the distribution check against earlier trials uses a per-process cache (1 read per new name).
- each ``report`` / ``set_user_attr``: 1 statement.
- tell: 1 read of the trial, then BEGIN, UPDATE state, INSERT values, COMMIT.
- reading the history (samplers, best trial): 1 statement that returns only the trials changed
  since this process's last sync.

Design note: every connection is in autocommit; a single statement is its own transaction, so
most writes cost one round trip. Statements that must see each other run in an explicit
transaction (see ``_engine``). Trial numbers are assigned while holding a row lock on the study
(PostgreSQL/MySQL) or the SQLite write lock, so they are unique and contiguous across processes;
a unique index on ``(study_id, number)`` (skipjack's, Optuna ignores it) guards them as well.
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
import time
import warnings
from collections.abc import Callable, Container, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)
from skipjack.exceptions import ExperimentalWarning, UpdateFinishedTrialError
from skipjack.storages._base import BaseStorage
from skipjack.storages._heartbeat import BaseHeartbeat
from skipjack.storages._rdb import _schema
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._cache import StudyCache
from skipjack.storages._rdb._engine import (
    T,
    cached,
    create_engine,
    normalize_url,
    transaction,
    with_retries,
)
from skipjack.storages._rdb._heartbeat import RDBHeartbeatMixin
from skipjack.storages._rdb._owned import SYSTEM, USER, OwnedTrial
from skipjack.storages._rdb._studies import StudiesMixin
from skipjack.storages._rdb._write_behind import WriteBehindMixin, flush_other_owners
from skipjack.storages._rdb._reader import (
    STATE_BY_NAME,
    STATE_NAMES,
    TrialQueries,
    encode_intermediate,
    encode_value,
    rows_to_trials,
)

__all__ = ["RDBStorage"]

_UNFINISHED = ("RUNNING", "WAITING")
_t = m.trials


class RDBStorage(StudiesMixin, WriteBehindMixin, RDBHeartbeatMixin, BaseStorage, BaseHeartbeat):
    """A storage in a relational database: SQLite, PostgreSQL (psycopg 3) or MySQL/MariaDB (PyMySQL).

    Process safe: many processes on many hosts may share one study. Thread safe.

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:///study.db``, ``postgresql://user@host/db`` (mapped
            to psycopg 3), ``mysql://user@host/db`` (mapped to PyMySQL).
        engine_kwargs: extra keyword arguments for ``sqlalchemy.create_engine``.
        skip_compatibility_check: do not check the schema revision when opening.
        heartbeat_interval: seconds between heartbeats of a running trial (None: no heartbeats).
        grace_period: seconds without a heartbeat after which a RUNNING trial is failed (default:
            twice ``heartbeat_interval``).
        heartbeat_stale_trial_callback: called with ``(study, trial)`` for each trial failed
            that way, e.g. ``RetryHeartbeatStaleTrialCallback()``.
        failed_trial_callback: Optuna 4's name of ``heartbeat_stale_trial_callback``.
        skip_table_creation: do not create missing tables.

    Raises:
        StorageInternalError: the database cannot be reached (the message names host and port,
            never the password), or the schema revision differs (run
            ``skipjack storage upgrade URL``).
    """

    def __init__(
        self,
        url: str,
        engine_kwargs: dict[str, Any] | None = None,
        skip_compatibility_check: bool = False,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        failed_trial_callback: Callable[[Any, FrozenTrial], None] | None = None,
        skip_table_creation: bool = False,
        heartbeat_stale_trial_callback: Callable[[Any, FrozenTrial], None] | None = None,
    ) -> None:
        if not isinstance(url, str):
            raise TypeError(f"The 'url' argument of RDBStorage must be a str. Got {url!r}.")
        for name, value in (("heartbeat_interval", heartbeat_interval),
                            ("grace_period", grace_period)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or value <= 0):
                raise ValueError(
                    f"The '{name}' argument of RDBStorage must be a positive number of seconds "
                    f"or None. Got {value!r}."
                )
        if failed_trial_callback is not None and heartbeat_stale_trial_callback is not None:
            raise ValueError(
                "Pass either 'heartbeat_stale_trial_callback' or its older name "
                "'failed_trial_callback' to RDBStorage, not both."
            )
        if heartbeat_interval is not None:
            warnings.warn(
                "Argument ``heartbeat_interval`` is an experimental feature. The interface can "
                "change in the future.",
                ExperimentalWarning,
                stacklevel=2,
            )
        self.url = normalize_url(url)
        self.engine_kwargs = dict(engine_kwargs or {})
        self.skip_compatibility_check = skip_compatibility_check
        self.skip_table_creation = skip_table_creation
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback or failed_trial_callback
        self._init_runtime()
        _schema.ensure_schema(
            self._engine, create=not skip_table_creation, check=not skip_compatibility_check
        )

    def _init_runtime(self) -> None:
        self._engine = create_engine(self.url, self.engine_kwargs)
        self._dialect = self._engine.dialect.name
        self._queries = TrialQueries(self._dialect)
        self._returning: bool | None = None  # known after the first connection
        self._number_index: bool | None = None  # unique (study_id, number) index present?
        self._lock = threading.RLock()
        self._caches: dict[int, StudyCache] = {}
        self._directions: dict[int, list[StudyDirection]] = {}
        self._trial_owner: dict[int, tuple[int, int]] = {}  # trial_id -> (study_id, number)
        self._finished: dict[int, FrozenTrial] = {}
        self._param_dists: dict[tuple[int, str], BaseDistribution] = {}
        self._dist_json: dict[BaseDistribution, str] = {}
        self._statements: dict[Any, Any] = {}
        self._owned: dict[int, OwnedTrial] = {}
        self._flusher: threading.Thread | None = None

    def __getstate__(self) -> dict[str, Any]:
        self.flush()
        keep = ("url", "engine_kwargs", "skip_compatibility_check", "skip_table_creation",
                "heartbeat_interval", "grace_period", "heartbeat_stale_trial_callback")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    def __repr__(self) -> str:
        return f"RDBStorage({sa.engine.make_url(self.url).render_as_string(hide_password=True)!r})"

    # --- plumbing ---------------------------------------------------------------------------------

    def _run(self, what: str, fn: Callable[[Connection], T]) -> T:
        return with_retries(self._engine, what, fn)

    @property
    def engine(self) -> sa.engine.Engine:
        """The SQLAlchemy engine (Optuna's attribute; e.g. ``storage.engine.dispose()``)."""
        return self._engine

    @staticmethod
    def _set_default_engine_kwargs_for_mysql(url: str, engine_kwargs: dict[str, Any]) -> None:
        """Optuna's helper: MySQL connections are checked before use unless told otherwise."""
        if url.split(":", 1)[0].split("+", 1)[0].lower() in ("mysql", "mariadb"):
            engine_kwargs.setdefault("pool_pre_ping", True)

    def remove_session(self) -> None:
        """Close pooled connections (e.g. after a fork)."""
        self._engine.dispose()

    def _dist_to_json(self, dist: BaseDistribution) -> str:
        try:
            return self._dist_json[dist]
        except (KeyError, TypeError):
            text = distribution_to_json(dist)
            if len(self._dist_json) < 4096:
                try:
                    self._dist_json[dist] = text
                except TypeError:
                    pass
            return text

    def _now(self) -> datetime.datetime:
        return datetime.datetime.now()

    def _raise_not_updatable(self, conn: Connection, trial_id: int) -> None:
        """Explain why a write to ``trial_id`` matched no row; returns if the trial is updatable."""
        row = conn.execute(
            sa.select(_t.c.state, _t.c.number).where(_t.c.trial_id == trial_id)
        ).first()
        if row is None:
            raise KeyError(f"No trial with trial_id {trial_id} exists.")
        if STATE_BY_NAME[row[0]].is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{row[1]} has already finished and can not be updated."
            )

    # --- studies: see _studies.StudiesMixin ---------------------------------------------------------

    # --- trials: writes ---------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        t = template_trial
        start: datetime.datetime | None
        complete: datetime.datetime | None
        if t is None:
            state, start, complete = "RUNNING", self._now(), None
        else:
            state, start, complete = STATE_NAMES[t.state], t.datetime_start, t.datetime_complete
            for name, dist in t.distributions.items():
                self._check_distribution(study_id, name, dist)

        attempts = 0

        def work(conn: Connection) -> tuple[int, int]:
            nonlocal attempts
            attempts += 1
            if self._returning is None:
                self._probe(conn)
            if attempts > 1 and t is None:
                # The previous attempt may have committed its insert and lost the connection
                # before the answer arrived: a RUNNING trial of this study started at our start
                # time (to the microsecond) is that trial; inserting another would leave an
                # orphan RUNNING forever.
                mine = conn.execute(self._created_by_attempt(), {
                    "p_sid": study_id, "p_start": start}).first()
                if mine is not None:
                    return int(mine[0]), int(mine[1])
            if t is None and self._number_index and self._returning:
                # One statement: MAX(number)+1 computed and inserted at once; the unique index
                # turns a concurrent duplicate into an IntegrityError, and we try again.
                for _ in range(50):
                    try:
                        return self._insert_trial(conn, study_id, state, start, complete, False)
                    except IntegrityError:
                        time.sleep(0.001)
            with transaction(conn):
                trial_id, number = self._insert_trial(conn, study_id, state, start, complete)
                if t is not None:
                    self._insert_template_rows(conn, trial_id, t)
            return trial_id, number

        trial_id, number = self._run("create_new_trial", work)
        with self._lock:
            self._trial_owner[trial_id] = (study_id, number)
            if t is not None:
                for name, dist in t.distributions.items():
                    self._param_dists[(study_id, name)] = dist
            else:
                base = FrozenTrial._make(number, TrialState.RUNNING, None, start, None, {}, {},
                                         {}, {}, {}, trial_id)
                self._register_owned(trial_id, OwnedTrial(base, study_id))
        return trial_id

    def _created_by_attempt(self) -> Any:
        return cached(self._statements, "created_by_attempt", lambda: (
            sa.select(_t.c.trial_id, _t.c.number)
            .where(_t.c.study_id == sa.bindparam("p_sid"), _t.c.state == "RUNNING",
                   _t.c.datetime_start == sa.bindparam("p_start", type_=_t.c.datetime_start.type))
            .order_by(_t.c.number).limit(1)))

    def _probe(self, conn: Connection) -> None:
        self._returning = bool(conn.dialect.insert_returning)
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("trials")}
        self._number_index = "ix_skipjack_trials_study_number" in names

    def _insert_trial(
        self, conn: Connection, study_id: int, state: str, start: Any, complete: Any,
        lock: bool = True,
    ) -> tuple[int, int]:
        studies = m.studies
        if lock and self._dialect != "sqlite":
            # The row lock serializes number assignment per study; the next statement takes a
            # fresh snapshot after the lock is granted, so MAX(number) sees the previous insert.
            locked = conn.execute(
                sa.select(studies.c.study_id).where(studies.c.study_id == study_id)
                .with_for_update()
            ).first()
            if locked is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
        next_number = (
            sa.select(sa.func.coalesce(sa.func.max(_t.c.number), -1) + 1)
            .where(_t.c.study_id == sa.bindparam("p_sid"))
            .scalar_subquery()
        )
        params = {"p_sid": study_id, "p_start": start, "p_done": complete}
        if self._returning:
            insert = cached(self._statements, ("insert_trial", state), lambda: (
                _t.insert().from_select(
                    ["number", "study_id", "state", "datetime_start", "datetime_complete"],
                    sa.select(next_number, studies.c.study_id, self._typed_literal(state),
                              sa.bindparam("p_start", type_=sa.DateTime),
                              sa.bindparam("p_done", type_=sa.DateTime))
                    .where(studies.c.study_id == sa.bindparam("p_sid")),
                ).returning(_t.c.trial_id, _t.c.number)))
            row = conn.execute(insert, params).first()
            if row is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
            return int(row[0]), int(row[1])
        number = int(conn.execute(sa.select(next_number), params).scalar())  # type: ignore[arg-type]
        result = conn.execute(
            _t.insert().values(number=number, study_id=study_id, state=state,
                               datetime_start=start, datetime_complete=complete)
        )
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT always has one
        return int(key[0]), number

    def _typed_literal(self, state: str) -> Any:
        value = sa.literal(state, _t.c.state.type)
        return sa.cast(value, _t.c.state.type) if self._dialect == "postgresql" else value

    def _insert_template_rows(self, conn: Connection, trial_id: int, t: FrozenTrial) -> None:
        if t.distributions:
            conn.execute(m.trial_params.insert(), [
                {"trial_id": trial_id, "param_name": name,
                 "param_value": dist.to_internal_repr(t.params[name]),
                 "distribution_json": self._dist_to_json(dist)}
                for name, dist in t.distributions.items()
            ])
        if t.values is not None:
            conn.execute(m.trial_values.insert(), [
                dict(zip(("value", "value_type"), encode_value(v)), trial_id=trial_id,
                     objective=i)
                for i, v in enumerate(t.values)
            ])
        if t.intermediate_values:
            conn.execute(m.trial_intermediate_values.insert(), [
                dict(zip(("intermediate_value", "intermediate_value_type"),
                         encode_intermediate(v)), trial_id=trial_id, step=step)
                for step, v in t.intermediate_values.items()
            ])
        for table, attrs in ((m.trial_user_attributes, t.user_attrs),
                             (m.trial_system_attributes, t.system_attrs)):
            if attrs:
                conn.execute(table.insert(), [
                    {"trial_id": trial_id, "key": k, "value_json": json.dumps(v)}
                    for k, v in attrs.items()
                ])

    def _study_of(self, trial_id: int) -> int:
        with self._lock:
            owner = self._trial_owner.get(trial_id)
        if owner is not None:
            return owner[0]

        def work(conn: Connection) -> tuple[int, int]:
            row = conn.execute(
                sa.select(_t.c.study_id, _t.c.number).where(_t.c.trial_id == trial_id)
            ).first()
            if row is None:
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            return int(row[0]), int(row[1])

        owner = self._run("get_trial_owner", work)
        with self._lock:
            self._trial_owner[trial_id] = owner
        return owner[0]

    def _check_distribution(self, study_id: int, name: str, dist: BaseDistribution) -> None:
        key = (study_id, name)
        with self._lock:
            known = self._param_dists.get(key)
        if known is None:
            p = m.trial_params

            def work(conn: Connection) -> str | None:
                return conn.execute(
                    sa.select(p.c.distribution_json)
                    .join(_t, _t.c.trial_id == p.c.trial_id)
                    .where(_t.c.study_id == study_id, p.c.param_name == name)
                    .order_by(p.c.param_id.desc())
                    .limit(1)
                ).scalar()

            text = self._run("get_param_distribution", work)
            if text is None:
                return
            known = json_to_distribution(text)
            with self._lock:
                self._param_dists[key] = known
        if known is not dist and known != dist:
            check_distribution_compatibility(known, dist)

    def _row_statements(
        self, table: sa.Table, key_names: tuple[str, ...], data_names: tuple[str, ...]
    ) -> tuple[Any, Any]:
        """Prebuilt (conditional insert, conditional update) for one row of a trial table."""
        def build() -> tuple[Any, Any]:
            updatable = sa.and_(_t.c.trial_id == sa.bindparam("tid"),
                                _t.c.state.in_(_UNFINISHED))
            names = (*key_names, *data_names)
            binds = [self._typed_bind(table.c[n]) for n in names]
            insert = table.insert().from_select(
                ["trial_id", *names], sa.select(_t.c.trial_id, *binds).where(updatable)
            ).execution_options(preserve_rowcount=True)
            update = (
                table.update()
                .where(table.c.trial_id == sa.bindparam("tid"),
                       *[table.c[k] == sa.bindparam(f"k_{k}") for k in key_names],
                       table.c.trial_id.in_(sa.select(_t.c.trial_id).where(updatable)))
                .values({n: sa.bindparam(f"v_{n}", type_=table.c[n].type) for n in data_names})
            )
            return insert, update

        found: tuple[Any, Any] = cached(self._statements, (table.name, key_names, data_names),
                                        build)
        return found

    def _typed_bind(self, column: sa.Column[Any]) -> Any:
        bind = sa.bindparam(f"c_{column.name}", type_=column.type)
        if self._dialect == "postgresql" and isinstance(column.type, sa.Enum):
            return sa.cast(bind, column.type)
        return bind

    def _write_trial_row(
        self, what: str, table: sa.Table, trial_id: int, key_cols: dict[str, Any],
        data: dict[str, Any],
    ) -> None:
        """Insert (or update) one row of a trial table, only if the trial is still updatable."""
        insert, update = self._row_statements(table, tuple(key_cols), tuple(data))
        params = {"tid": trial_id, **{f"c_{k}": v for k, v in key_cols.items()},
                  **{f"c_{k}": v for k, v in data.items()}}

        def work(conn: Connection) -> None:
            try:
                if conn.execute(insert, params).rowcount:
                    return
            except IntegrityError:  # the key exists: update it (still only while updatable)
                update_params = {"tid": trial_id,
                                 **{f"k_{k}": v for k, v in key_cols.items()},
                                 **{f"v_{k}": v for k, v in data.items()}}
                if conn.execute(update, update_params).rowcount:
                    return
            self._raise_not_updatable(conn, trial_id)
            raise KeyError(f"No trial with trial_id {trial_id} exists.")

        self._run(what, work)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        study_id = self._study_of(trial_id)
        self._check_distribution(study_id, param_name, distribution)
        owned = self._owned_trial(trial_id)
        if owned is not None:
            with owned.lock:
                if self._owned.get(trial_id) is owned:
                    owned.set_param(param_name, float(param_value_internal), distribution)
                    # Design note: no storage lock inside a trial lock (the sync takes them in the
                    # other order); a single dict store is atomic.
                    self._param_dists[(study_id, param_name)] = distribution
                    return
        self._write_trial_row(
            "set_trial_param", m.trial_params, trial_id, {"param_name": param_name},
            {"param_value": float(param_value_internal),
             "distribution_json": self._dist_to_json(distribution)},
        )
        with self._lock:
            self._param_dists[(study_id, param_name)] = distribution

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        now = self._now()
        owned = self._owned_trial(trial_id)
        if owned is not None:
            if state == TrialState.RUNNING:
                return False
            if state.is_finished():
                return self._finish_owned(owned, state, values, now)
            self._flush_owned(owned)
            with self._lock:
                self._owned.pop(trial_id, None)
        elif state.is_finished():
            flush_other_owners(self, trial_id)
        if state == TrialState.RUNNING:
            stmt = (_t.update().where(_t.c.trial_id == trial_id, _t.c.state == "WAITING")
                    .values(state="RUNNING", datetime_start=now))

            def take(conn: Connection) -> bool:
                if conn.execute(stmt).rowcount:
                    return True
                self._raise_not_updatable(conn, trial_id)
                return False

            taken = bool(self._run("set_trial_state_values", take))
            if taken:
                self._own(trial_id)
            return taken
        encoded = [encode_value(v) for v in values] if values is not None else []
        stmt = (_t.update().where(_t.c.trial_id == trial_id, _t.c.state.in_(_UNFINISHED))
                .values(state=STATE_NAMES[state],
                        datetime_complete=now if state.is_finished() else None))

        def finish(conn: Connection) -> bool:
            if not encoded:
                if conn.execute(stmt).rowcount:
                    return True
                self._raise_not_updatable(conn, trial_id)
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            with transaction(conn):
                if not conn.execute(stmt).rowcount:
                    self._raise_not_updatable(conn, trial_id)
                    raise KeyError(f"No trial with trial_id {trial_id} exists.")
                conn.execute(m.trial_values.delete().where(m.trial_values.c.trial_id == trial_id))
                conn.execute(m.trial_values.insert(), [
                    {"trial_id": trial_id, "objective": i, "value": v, "value_type": vt}
                    for i, (v, vt) in enumerate(encoded)
                ])
            return True

        return bool(self._run("set_trial_state_values", finish))

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        find = cached(self._statements, "find_waiting", lambda: (
            sa.select(_t.c.trial_id)
            .where(_t.c.study_id == sa.bindparam("p_sid"), _t.c.state == "WAITING")
            .order_by(_t.c.number).limit(1)))
        params = {"p_sid": study_id}

        def work(conn: Connection) -> int | None:
            # Fast path: a plain read, no lock, when nothing is waiting (the common case).
            if conn.execute(find, params).first() is None:
                return None
            now = self._now()
            if self._dialect in ("postgresql", "sqlite"):
                pick = find.with_for_update(skip_locked=True).scalar_subquery()
                row = conn.execute(
                    _t.update().where(_t.c.trial_id == pick, _t.c.state == "WAITING")
                    .values(state="RUNNING", datetime_start=now).returning(_t.c.trial_id),
                    params,
                ).first()
                return None if row is None else int(row[0])
            with transaction(conn):
                trial_id = conn.execute(find.with_for_update(skip_locked=True), params).scalar()
                if trial_id is None:
                    return None
                conn.execute(_t.update().where(_t.c.trial_id == trial_id)
                             .values(state="RUNNING", datetime_start=now))
            return int(trial_id)

        trial_id = self._run("pop_waiting_trial_id", work)
        if trial_id is not None:
            self._own(trial_id)
        return trial_id

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        owned = self._owned_trial(trial_id)
        if owned is not None:
            with owned.lock:
                if self._owned.get(trial_id) is owned:
                    owned.set_intermediate(int(step), float(intermediate_value))
                    return
        value, value_type = encode_intermediate(intermediate_value)
        self._write_trial_row(
            "set_trial_intermediate_value", m.trial_intermediate_values, trial_id,
            {"step": int(step)},
            {"intermediate_value": value, "intermediate_value_type": value_type},
        )

    def _buffer_attr(self, table: str, trial_id: int, key: str, value: Any) -> bool:
        owned = self._owned_trial(trial_id)
        if owned is None:
            return False
        with owned.lock:
            if self._owned.get(trial_id) is not owned:
                return False
            owned.set_attr(table, key, value)
            return True

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        if self._buffer_attr(USER, trial_id, key, value):
            return
        self._write_trial_row("set_trial_user_attr", m.trial_user_attributes, trial_id,
                              {"key": key}, {"value_json": json.dumps(value)})

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        if self._buffer_attr(SYSTEM, trial_id, key, value):
            return
        self._write_trial_row("set_trial_system_attr", m.trial_system_attributes, trial_id,
                              {"key": key}, {"value_json": json.dumps(value)})

    # --- trials: reads ----------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            cached = self._finished.get(trial_id)
            owned = self._owned.get(trial_id)
        if cached is not None:
            return cached
        if owned is not None:
            with owned.lock:
                return owned.record()
        return self._read_trial(trial_id)

    def _read_trial(self, trial_id: int) -> FrozenTrial:
        stmt = self._queries.by_trial_id

        def work(conn: Connection) -> FrozenTrial:
            trials, _ = rows_to_trials(conn.execute(stmt, {"trial_id": trial_id}))
            if not trials:
                raise KeyError(f"No trial with trial_id {trial_id} exists.")
            return trials[0]

        trial = self._run("get_trial", work)
        if trial.state.is_finished():
            with self._lock:
                if len(self._finished) < 100_000:
                    self._finished[trial_id] = trial
        return trial

    def _fetch_since(
        self, study_id: int, max_number: int, unfinished: list[int]
    ) -> list[FrozenTrial]:
        stmt = self._queries.sync
        params = {"study_id": study_id, "max_number": max_number, "unfinished": unfinished}

        def work(conn: Connection) -> list[FrozenTrial]:
            trials, study_seen = rows_to_trials(conn.execute(stmt, params))
            if not study_seen:
                raise KeyError(f"No study with study_id {study_id} exists.")
            return trials

        return self._run("sync trials", work)

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        max_number, unfinished = (-1, ()) if watermark is None else watermark
        trials = self._fetch_since(study_id, max_number, list(unfinished))
        if self._owned:
            trials = [self._local_view(t) for t in trials]
        open_numbers = set(unfinished)
        for trial in trials:
            max_number = max(max_number, trial.number)
            if trial.state.is_finished():
                open_numbers.discard(trial.number)
            else:
                open_numbers.add(trial.number)
        return trials, (max_number, tuple(sorted(open_numbers)))

    def _sync(self, study_id: int) -> StudyCache:
        directions = self.get_study_directions(study_id)
        with self._lock:
            cache = self._caches.get(study_id)
            if cache is None:
                cache = self._caches[study_id] = StudyCache(directions)
            max_number, unfinished = cache.watermark()
            try:
                changed = self._fetch_since(study_id, max_number, unfinished)
            except KeyError:
                self._forget_study(study_id)
                raise
            if self._owned:
                changed = [self._local_view(t) for t in changed]
            cache.merge(changed)
            for trial in changed:
                if trial.state.is_finished():
                    self._finished[trial._trial_id] = trial
            return cache

    def _local_view(self, trial: FrozenTrial) -> FrozenTrial:
        owned = self._owned.get(trial._trial_id)
        if owned is None or trial.state.is_finished():
            return trial
        with owned.lock:
            return owned.record()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        trials = self._sync(study_id).select(states)
        if deepcopy:
            return [copy.deepcopy(t) for t in trials]
        return trials

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        if isinstance(state, TrialState):
            state = (state,)
        return len(self._sync(study_id).select(state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        cache = self._sync(study_id)
        if len(cache.directions) > 1:
            raise RuntimeError(
                "Best trial can be obtained only for single-objective optimization: "
                "use `best_trials`."
            )
        if cache.best is None:
            raise ValueError("No trials are completed yet.")
        return cache.best

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        def work(conn: Connection) -> int:
            trial_id = conn.execute(
                sa.select(_t.c.trial_id).where(_t.c.study_id == study_id,
                                               _t.c.number == trial_number)
            ).scalar()
            if trial_id is None:
                raise KeyError(
                    f"No trial with trial number {trial_number} exists in study with study_id "
                    f"{study_id}."
                )
            return int(trial_id)

        return self._run("get_trial_id_from_study_id_trial_number", work)

    def get_trial_number_from_id(self, trial_id: int) -> int:
        self._study_of(trial_id)
        with self._lock:
            return self._trial_owner[trial_id][1]

    # --- schema -----------------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Migrate the database to the schema this version uses (``skipjack storage upgrade``)."""
        _schema.upgrade(self._engine)

    def get_current_version(self) -> str:
        """The database's Alembic revision."""
        with self._engine.connect() as conn:
            return str(_schema.current_revision(conn))

    def get_head_version(self) -> str:
        """The Alembic revision this version of skipjack uses."""
        return m.ALEMBIC_HEAD

    def get_all_versions(self) -> list[str]:
        """Every Alembic revision skipjack knows."""
        return [m.ALEMBIC_HEAD]


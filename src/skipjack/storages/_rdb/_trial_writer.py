"""Writing trials (``TrialWriter``): create, take from the queue, parameters, reports, attributes,
state and values.

Every write is in the database when the call returns (write-through, as Optuna does): a parameter,
an intermediate value or an attribute is one conditional statement in its own (autocommit)
transaction, so a worker killed at any point, or a trial finished by another process, loses
nothing a call reported as written. Each such statement inserts only while the trial is RUNNING or
WAITING in the database (``INSERT ... SELECT ... WHERE state IN (...)``); an existing key is updated
under the same condition. A trial of this process (``LiveTrials``) is named by its whole identity,
so a write never lands on another trial that took over a deleted trial's id.

The writer owns one cache: the distribution of each parameter name per study (to check a new
``suggest`` against earlier trials without a round trip), with its own lock, never held across a
round trip.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import Database, transaction
from skipjack.storages._rdb._live import LiveTrial, LiveTrials
from skipjack.storages._rdb._reader import (
    STATE_BY_NAME,
    STATE_NAMES,
    decode_value,
    encode_intermediate,
    encode_value,
)
from skipjack.storages._rdb._trial_reader import TrialReader

__all__ = ["TrialWriter"]

_t = m.trials
_UNFINISHED = ("RUNNING", "WAITING")


class TrialWriter:
    """The write part of ``RDBStorage``."""

    def __init__(self, db: Database, reader: TrialReader, live: LiveTrials,
                 now: Callable[[], datetime.datetime] = datetime.datetime.now) -> None:
        self._db = db
        self._reader = reader
        self._live = live
        self._now = now
        self._lock = threading.Lock()
        self._param_dists: dict[tuple[int, str], BaseDistribution] = {}
        self._dist_json: dict[BaseDistribution, str] = {}
        self._plans = _Plans()
        self.heartbeats = False  # set by the storage: whether trials get heartbeat rows

    def forget_study(self, study_id: int) -> None:
        with self._lock:
            for key in [k for k in self._param_dists if k[0] == study_id]:
                del self._param_dists[key]

    # --- helpers ------------------------------------------------------------------------------

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

    def _raise_live_not_updatable(self, conn: Connection, live: LiveTrial) -> NoReturn:
        """A write to a live trial matched no row: it was deleted, or finished elsewhere."""
        self._live.discard(live.trial_id)
        exists = self._db.statement(("live_exists", live.datetime_start is None), lambda: (
            sa.select(_t.c.state).where(*_same_trial(live))))
        if conn.execute(exists, live.identity()).first() is None:
            _raise_gone(live)
        self._raise_not_updatable(conn, live.trial_id)
        raise KeyError(f"No trial with trial_id {live.trial_id} exists.")

    def _check_distribution(self, study_id: int, name: str, dist: BaseDistribution) -> None:
        key = (study_id, name)
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

            text = self._db.run("get_param_distribution", work)
            if text is None:
                return
            known = json_to_distribution(text)
            with self._lock:
                self._param_dists[key] = known
        if known is not dist and known != dist:
            check_distribution_compatibility(known, dist)

    def _remember_dist(self, study_id: int, name: str, dist: BaseDistribution) -> None:
        with self._lock:
            self._param_dists[(study_id, name)] = dist

    # --- creating trials ----------------------------------------------------------------------

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
        db = self._db
        attempts = 0

        def work(conn: Connection) -> tuple[int, int]:
            nonlocal attempts
            attempts += 1
            db.probe(conn)
            if attempts > 1 and t is None:
                # The previous attempt may have committed its insert and lost the connection
                # before the answer arrived: a RUNNING trial of this study started at our start
                # time (to the microsecond) is that trial; inserting another would leave an
                # orphan RUNNING forever.
                mine = conn.execute(self._created_by_attempt(), {
                    "p_sid": study_id, "p_start": start}).first()
                if mine is not None:
                    return int(mine[0]), int(mine[1])
            if t is None and self._lock_free_numbers():
                return self._insert_trial(conn, study_id, state, start, complete)  # one statement
            with transaction(conn):
                trial_id, number = self._insert_trial(conn, study_id, state, start, complete)
                if t is not None:
                    self._insert_template_rows(conn, trial_id, t)
            return trial_id, number

        trial_id, number = db.run("create_new_trial", work)
        self._reader.remember(trial_id, study_id, number)
        if t is not None:
            for name, dist in t.distributions.items():
                self._remember_dist(study_id, name, dist)
        else:
            base = FrozenTrial._make(number, TrialState.RUNNING, None, start, None, {}, {},
                                     {}, {}, {}, trial_id)
            self._live.add(LiveTrial(base, study_id))
        return trial_id

    def _created_by_attempt(self) -> Any:
        return self._db.statement("created_by_attempt", lambda: (
            sa.select(_t.c.trial_id, _t.c.number)
            .where(_t.c.study_id == sa.bindparam("p_sid"), _t.c.state == "RUNNING",
                   _t.c.datetime_start == sa.bindparam("p_start", type_=_t.c.datetime_start.type))
            .order_by(_t.c.number).limit(1)))

    def fail_stale_trial(
        self, study_id: int, trial_id: int, reason: str,
        retry: Callable[[FrozenTrial], FrozenTrial | None] | None,
    ) -> bool:
        """Fail a stale RUNNING trial, set its ``fail_reason`` and add ``retry``'s copy of it (a
        WAITING template) in one transaction. The copy is made from the trial as the transaction
        reads it after the failure (the row is locked by then): whatever its worker wrote before
        is in it, and nothing can be written after. False when the trial was no longer RUNNING
        (another worker failed it, or a previous attempt whose answer was lost did: its copy
        committed with it)."""
        self._live.discard(trial_id)
        fail = (_t.update().where(_t.c.trial_id == trial_id, _t.c.state == "RUNNING")
                .values(state="FAIL", datetime_complete=self._now()))
        attrs = m.trial_system_attributes
        same_key = sa.and_(attrs.c.trial_id == trial_id, attrs.c.key == "fail_reason")

        def work(conn: Connection) -> tuple[FrozenTrial | None, int, int] | None:
            with transaction(conn):
                if not conn.execute(fail).rowcount:
                    return None
                conn.execute(attrs.delete().where(same_key))
                conn.execute(attrs.insert().values(trial_id=trial_id, key="fail_reason",
                                                   value_json=json.dumps(reason)))
                copy = None if retry is None else retry(self._reader.read_trial_on(conn, trial_id))
                if copy is None:
                    return None, -1, -1
                for name, dist in copy.distributions.items():
                    self._check_distribution(study_id, name, dist)
                copy_id, number = self._insert_trial(conn, study_id, "WAITING", None, None)
                self._insert_template_rows(conn, copy_id, copy)
                return copy, copy_id, number

        done = self._db.run("fail stale trial", work)
        if done is None:
            return False
        copy, copy_id, number = done
        if copy is not None:
            self._reader.remember(copy_id, study_id, number)
            for name, dist in copy.distributions.items():
                self._remember_dist(study_id, name, dist)
        return True

    def _lock_free_numbers(self) -> bool:
        """Whether trial numbers are taken without the study row lock: skipjack's unique
        (study_id, number) index refuses a duplicate, and one statement computes and inserts the
        number (RETURNING)."""
        return bool(self._db.number_index) and bool(self._db.returning)

    def _insert_trial(
        self, conn: Connection, study_id: int, state: str, start: Any, complete: Any
    ) -> tuple[int, int]:
        """Insert a trial of ``study_id`` with the study's next number; returns ``(trial_id,
        number)``. Inside a transaction or alone (autocommit).

        With ``_lock_free_numbers`` one statement computes MAX(number) + 1 and inserts it; one that
        lost the number to a concurrent creation (it waits for that creation's commit) takes the
        next one with a fresh snapshot: on PostgreSQL ``ON CONFLICT DO NOTHING`` returns no row
        and leaves the transaction usable, on MySQL/MariaDB and SQLite the duplicate rolls back
        only the statement. Otherwise (an Optuna-created schema, MySQL without RETURNING) the
        study row lock serializes number assignment. Design note: every creation of a study
        takes its number the same way; a lock holder mixed with lock-free writers deadlocks on
        PostgreSQL (the lock holder waits for a lock-free insert of its number to commit, while
        that insert's foreign-key check waits for the lock holder's study row).
        """
        studies = m.studies
        next_number = (
            sa.select(sa.func.coalesce(sa.func.max(_t.c.number), -1) + 1)
            .where(_t.c.study_id == sa.bindparam("p_sid"))
            .scalar_subquery()
        )
        params = {"p_sid": study_id, "p_start": start, "p_done": complete}
        if self._lock_free_numbers():
            postgres = self._db.dialect == "postgresql"

            def build() -> Any:
                insert: Any = postgresql.insert(_t) if postgres else _t.insert()
                insert = insert.from_select(
                    ["number", "study_id", "state", "datetime_start", "datetime_complete"],
                    sa.select(next_number, studies.c.study_id, self._typed_literal(state),
                              sa.bindparam("p_start", type_=sa.DateTime),
                              sa.bindparam("p_done", type_=sa.DateTime))
                    .where(studies.c.study_id == sa.bindparam("p_sid")))
                if postgres:
                    insert = insert.on_conflict_do_nothing()
                return insert.returning(_t.c.trial_id, _t.c.number)

            insert = self._db.statement(("insert_trial", state), build)
            for _ in range(50):
                try:
                    row = conn.execute(insert, params).first()
                except IntegrityError:
                    continue  # MySQL/MariaDB, SQLite: the number was taken; the next one
                if row is not None:
                    return int(row[0]), int(row[1])
                exists = conn.execute(sa.select(studies.c.study_id)
                                      .where(studies.c.study_id == study_id)).first()
                if exists is None:
                    raise KeyError(f"No study with study_id {study_id} exists.")
                # PostgreSQL: the number was taken (ON CONFLICT); the next statement sees it
            raise RuntimeError("could not allocate a trial number after 50 attempts")
        if self._db.dialect != "sqlite":
            # The row lock serializes number assignment per study; the next statement takes a
            # fresh snapshot after the lock is granted, so MAX(number) sees the previous insert.
            locked = conn.execute(
                sa.select(studies.c.study_id).where(studies.c.study_id == study_id)
                .with_for_update()
            ).first()
            if locked is None:
                raise KeyError(f"No study with study_id {study_id} exists.")
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
        return sa.cast(value, _t.c.state.type) if self._db.dialect == "postgresql" else value

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

    def _own(self, trial_id: int) -> None:
        """This process just moved ``trial_id`` to RUNNING: keep its live copy."""
        record = self._reader.read_trial(trial_id)
        study_id, _ = self._reader.owner(trial_id)
        self._live.add(LiveTrial(record, study_id))

    # --- rows of a trial ----------------------------------------------------------------------

    def _row_statements(
        self, table: sa.Table, key_names: tuple[str, ...], data_names: tuple[str, ...],
        live: LiveTrial | None,
    ) -> tuple[Any, Any]:
        """Prebuilt (conditional insert, conditional update) for one row of a trial table."""
        full = live is not None
        no_start = live is None or live.datetime_start is None

        def build() -> tuple[Any, Any]:
            if live is not None:
                updatable = sa.and_(*_same_trial(live), _t.c.state.in_(_UNFINISHED))
            else:
                updatable = sa.and_(_t.c.trial_id == sa.bindparam("p_tid"),
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

        found: tuple[Any, Any] = self._db.statement(
            ("row", table.name, key_names, data_names, full, no_start), build)
        return found

    def _typed_bind(self, column: sa.Column[Any]) -> Any:
        bind = sa.bindparam(f"c_{column.name}", type_=column.type)
        if self._db.dialect == "postgresql" and isinstance(column.type, sa.Enum):
            return sa.cast(bind, column.type)
        return bind

    def _write_row(
        self, what: str, table: sa.Table, trial_id: int, key_cols: dict[str, Any],
        data: dict[str, Any], live: LiveTrial | None,
    ) -> None:
        """Insert (or update) one row of a trial table, only while the trial is updatable.

        One statement in its own transaction: when it returns, the row is committed.
        """
        insert, update = self._row_statements(table, tuple(key_cols), tuple(data), live)
        ident = live.identity() if live is not None else {"p_tid": trial_id}
        params = {**ident, **{f"c_{k}": v for k, v in key_cols.items()},
                  **{f"c_{k}": v for k, v in data.items()}}

        def work(conn: Connection) -> None:
            try:
                if conn.execute(insert, params).rowcount:
                    return
            except IntegrityError:  # the key exists (or a retry of a committed insert): update
                update_params = {**ident, "tid": trial_id,
                                 **{f"k_{k}": v for k, v in key_cols.items()},
                                 **{f"v_{k}": v for k, v in data.items()}}
                if conn.execute(update, update_params).rowcount:
                    return
            if live is not None:
                self._raise_live_not_updatable(conn, live)
            self._raise_not_updatable(conn, trial_id)
            raise KeyError(f"No trial with trial_id {trial_id} exists.")

        self._db.run(what, work)

    def set_trial_param(
        self, trial_id: int, param_name: str, param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        study_id, _ = self._reader.owner(trial_id)
        try:
            self._check_distribution(study_id, param_name, distribution)
        except ValueError:
            # Optuna checks the state first: a finished trial reports that, not the mismatch.
            self._db.run("set_trial_param", lambda conn: self._raise_not_updatable(conn, trial_id))
            raise
        internal = float(param_value_internal)
        row = {"param_value": internal, "distribution_json": self._dist_to_json(distribution)}
        live = self._live.get(trial_id)
        if live is None:
            self._write_row("set_trial_param", m.trial_params, trial_id,
                            {"param_name": param_name}, row, None)
        else:
            with live.lock:
                self._write_row("set_trial_param", m.trial_params, trial_id,
                                {"param_name": param_name}, row, live)
                live.param_written(param_name, internal, distribution)
        self._remember_dist(study_id, param_name, distribution)

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        value, value_type = encode_intermediate(intermediate_value)
        key = {"step": int(step)}
        row = {"intermediate_value": value, "intermediate_value_type": value_type}
        live = self._live.get(trial_id)
        if live is None:
            self._write_row("set_trial_intermediate_value", m.trial_intermediate_values,
                            trial_id, key, row, None)
            return
        with live.lock:
            self._write_row("set_trial_intermediate_value", m.trial_intermediate_values,
                            trial_id, key, row, live)
            live.intermediate_written(int(step), float(intermediate_value))

    def set_trial_attr(self, system: bool, trial_id: int, key: str, value: Any) -> None:
        value_json = json.dumps(value)
        table = m.trial_system_attributes if system else m.trial_user_attributes
        what = "set_trial_system_attr" if system else "set_trial_user_attr"
        live = self._live.get(trial_id)
        if live is None:
            self._write_row(what, table, trial_id, {"key": key}, {"value_json": value_json}, None)
            return
        with live.lock:
            self._write_row(what, table, trial_id, {"key": key}, {"value_json": value_json}, live)
            live.attr_written(system, key, value_json)

    # --- state and values ---------------------------------------------------------------------

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        live = self._live.get(trial_id)
        if live is not None:
            if state == TrialState.RUNNING:
                return False
            if state.is_finished():
                return self._finish_live(live, state, values)
            self._live.discard(trial_id)
        now = self._now()
        if state == TrialState.RUNNING:
            stmt = (_t.update().where(_t.c.trial_id == trial_id, _t.c.state == "WAITING")
                    .values(state="RUNNING", datetime_start=now))

            def take(conn: Connection) -> bool:
                if conn.execute(stmt).rowcount:
                    return True
                self._raise_not_updatable(conn, trial_id)
                return False

            taken = bool(self._db.run("set_trial_state_values", take))
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

        return bool(self._db.run("set_trial_state_values", finish))

    def _finish_live(
        self, live: LiveTrial, state: TrialState, values: Sequence[float] | None
    ) -> bool:
        trial_id = live.trial_id
        now = self._now()
        encoded = [encode_value(v) for v in values] if values is not None else []
        no_start = live.datetime_start is None
        stmt = self._db.statement(("live_finish", no_start), lambda: (
            _t.update().where(*_same_trial(live), _t.c.state.in_(_UNFINISHED))
            .values(state=sa.bindparam("p_state", type_=_t.c.state.type),
                    datetime_complete=sa.bindparam("p_done", type_=_t.c.datetime_complete.type))))
        exists = self._db.statement(("live_exists_done", no_start), lambda: (
            sa.select(_t.c.trial_id, _t.c.state, _t.c.datetime_complete)
            .where(*_same_trial(live))))
        params = dict(live.identity(), p_state=STATE_NAMES[state], p_done=now)
        plans = self._plans
        follow = (state.is_finished() and plans.after.get(live.study_id) == trial_id
                  and live.study_id not in plans.ready)
        if follow:
            del plans.after[live.study_id]
        next_start = self._now() if follow else None
        attempts = 0

        one_trip = (follow and self._db.dialect == "postgresql" and bool(self._db.number_index)
                    and live.datetime_start is not None)

        def work(conn: Connection) -> tuple[int, int, bool] | None:
            nonlocal attempts
            attempts += 1
            if one_trip and attempts == 1:
                assert next_start is not None
                finished, started = self._finish_and_start_pg(
                    conn, live, params["p_state"], now, encoded, next_start)
                if finished:
                    return started
                # not updatable (finished elsewhere, deleted): the general path explains why
            for _ in range(50):
                numbering = False
                try:
                    with transaction(conn) if encoded or follow else _no_transaction(conn):
                        if not conn.execute(stmt, params).rowcount:
                            row = conn.execute(exists, live.identity()).first()
                            if row is None:
                                _raise_gone(live)
                            if attempts > 1 and (row[1], row[2]) == (params["p_state"], now):
                                # The previous attempt committed and the connection was lost
                                # before its answer arrived (its completion time is ours, to
                                # the microsecond): the trial is finished, exactly once, and
                                # the next trial that attempt started (same transaction) is
                                # the RUNNING trial of the study with our start time.
                                return self._recover_next(conn, live.study_id, next_start)
                            self._raise_not_updatable(conn, trial_id)
                            raise KeyError(f"No trial with trial_id {trial_id} exists.")
                        if encoded:
                            conn.execute(m.trial_values.insert(), [
                                {"trial_id": trial_id, "objective": i, "value": v,
                                 "value_type": vt}
                                for i, (v, vt) in enumerate(encoded)
                            ])
                        if next_start is None:
                            return None
                        numbering = True
                        return self._start_next(conn, live.study_id, next_start)
                except IntegrityError:
                    if not numbering:
                        raise
                    # A number taken concurrently by a writer that holds no study lock (only
                    # possible with an Optuna-created schema mixed with other clients): the
                    # transaction was rolled back as a whole; do it again.
                    time.sleep(0.001)
            raise RuntimeError("could not allocate a trial number after 50 attempts")

        sent = time.monotonic()  # the started trial's heartbeat is written after this moment
        with live.lock:
            try:
                started = self._db.run("finish trial", work)
            finally:
                self._live.discard(trial_id)
            running = live.record()
        if started is not None:
            self._keep_ready(live.study_id, started, next_start, sent)
        final = FrozenTrial._make(
            live.number, state, [decode_value(v, vt) for v, vt in encoded] if encoded else None,
            live.datetime_start, now, running.params, running.distributions,
            running.user_attrs, running.system_attrs, running.intermediate_values, trial_id,
        )
        self._reader.finished(final)
        return True

    # --- the next trial of a trial loop, started in the finish's transaction ------------------

    def prepare_next_trial(self, study_id: int, after_trial_id: int | None) -> None:
        """The calling thread's trial loop says what follows (see ``BaseStorage``).

        With a trial id: when this thread finishes that trial, the same transaction starts the
        study's next trial (the oldest WAITING one, else a new one), which this thread's next
        ``take_ready`` hands over. With None: this thread starts no more trials of the study;
        a trial started for it and not taken goes back to WAITING (its number is kept, so numbers
        stay contiguous; the next ``ask`` of any worker takes it).
        """
        plans = self._plans
        if after_trial_id is not None:
            plans.after[study_id] = after_trial_id
            return
        plans.after.pop(study_id, None)
        ready = plans.ready.pop(study_id, None)
        if ready is not None:
            self._release(ready[0])

    def take_ready(self, study_id: int, max_age: float | None = None) -> LiveTrial | None:
        """The trial the calling thread's last finish started for this study, if any.

        ``max_age``: seconds since the finishing transaction was sent (its heartbeat row was
        written after that); an older one is put back as WAITING instead (past the grace period
        another worker could fail it as stale while it is handed over) and None is returned: the caller starts a trial the ordinary
        way, which takes the oldest WAITING trial, most likely that one, with a fresh start.
        """
        ready = self._plans.ready.pop(study_id, None)
        if ready is None:
            return None
        live, born = ready
        if max_age is not None and time.monotonic() - born >= max_age:
            self._release(live)
            return None
        return live

    def _start_next(
        self, conn: Connection, study_id: int, start: datetime.datetime
    ) -> tuple[int, int, bool]:
        """Inside the finish's transaction: take the oldest WAITING trial, else insert a new
        RUNNING one; give it a heartbeat row when heartbeats are on. Returns ``(trial_id,
        number, taken_from_queue)``."""
        params = {"p_sid": study_id, "p_start": start}
        found: tuple[int, int] | None = None
        if self._db.dialect in ("postgresql", "sqlite"):
            stmt = self._db.statement("claim_waiting", lambda: (
                _t.update().where(_t.c.trial_id == self._find_waiting()
                                  .with_for_update(skip_locked=True).scalar_subquery(),
                                  _t.c.state == "WAITING")
                .values(state="RUNNING", datetime_start=sa.bindparam(
                    "p_start", type_=_t.c.datetime_start.type))
                .returning(_t.c.trial_id, _t.c.number)))
            row = conn.execute(stmt, params).first()
            if row is not None:
                found = int(row[0]), int(row[1])
        else:
            pick = self._db.statement("pick_waiting", lambda: (
                sa.select(_t.c.trial_id, _t.c.number)
                .where(_t.c.study_id == sa.bindparam("p_sid"), _t.c.state == "WAITING")
                .order_by(_t.c.number).limit(1).with_for_update(skip_locked=True)))
            row = conn.execute(pick, params).first()
            if row is not None:
                conn.execute(_t.update().where(_t.c.trial_id == row[0])
                             .values(state="RUNNING", datetime_start=start))
                found = int(row[0]), int(row[1])
        if found is None:
            # Lock-free with skipjack's number index (see _insert_trial): the insert comes last
            # before the COMMIT, so the number is held for one round trip only.
            trial_id, number = self._insert_trial(conn, study_id, "RUNNING", start, None)
        else:
            trial_id, number = found
        if self.heartbeats:
            hb = m.trial_heartbeats
            if found is not None:
                conn.execute(hb.delete().where(hb.c.trial_id == trial_id))
            conn.execute(hb.insert().values(trial_id=trial_id, heartbeat=sa.func.now()))
        return trial_id, number, found is not None

    def _finish_and_start_pg(
        self, conn: Connection, live: LiveTrial, state: str, done: datetime.datetime,
        encoded: list[tuple[float | None, str]], start: datetime.datetime,
    ) -> tuple[bool, tuple[int, int, bool] | None]:
        """PostgreSQL: the finish and the next trial's start in one transaction sent as one
        round trip (a multi-statement query the server runs in order: nothing is held across a
        client round trip).

        Returns ``(finished, started)``: whether the trial was ours to finish (if not, nothing
        was written), and the ``_start_next`` triple of the trial started, if any (none when
        concurrent creations took the number three times: the next ``ask`` creates one).

        Design note: every value is a literal this method formats itself from ints, floats and
        datetimes (no user text), which is what lets the statements travel together (a query
        with bound parameters is one statement per round trip in psycopg).
        """
        def ts(value: datetime.datetime) -> str:
            return f"'{value.isoformat(sep=' ')}'::timestamp"

        tid, sid, num = int(live.trial_id), int(live.study_id), int(live.number)
        assert live.datetime_start is not None
        mine = (f"EXISTS (SELECT 1 FROM trials WHERE trial_id = {tid} AND state = '{state}' "
                f"AND datetime_complete = {ts(done)})")
        # The trial this transaction starts is recorded, as it is started, in a setting local to
        # the transaction (set_config(..., true)); the later statements name it by that id.
        # Design note: its start time does not name it: another worker's transaction may start a
        # trial at the same microsecond, and both workers would be handed that one trial.
        nxt = "NULLIF(current_setting('skipjack.next_trial'), '')::integer"
        keep = "SELECT set_config('skipjack.next_trial', trial_id::text, true) FROM started"
        sql = [
            "BEGIN",
            "SELECT set_config('skipjack.next_trial', '', true)",
            f"UPDATE trials SET state = '{state}', datetime_complete = {ts(done)} "
            f"WHERE trial_id = {tid} AND study_id = {sid} AND number = {num} "
            f"AND datetime_start = {ts(live.datetime_start)} AND state IN ('RUNNING', 'WAITING')",
        ]
        for i, (value, value_type) in enumerate(encoded):
            literal = "NULL" if value is None else repr(float(value))
            sql.append(f"INSERT INTO trial_values (trial_id, objective, value, value_type) "
                       f"SELECT {tid}, {i}, {literal}, '{value_type}'::trialvaluetype "
                       f"WHERE {mine}")
        sql += [
            f"WITH started AS (UPDATE trials SET state = 'RUNNING', datetime_start = {ts(start)} "
            f"WHERE trial_id = (SELECT trial_id FROM trials WHERE study_id = {sid} AND state = "
            f"'WAITING' ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED) AND state = 'WAITING' "
            f"AND {mine} RETURNING trial_id) {keep}",
        ]
        # No study row lock: the unique (study_id, number) index refuses a duplicate, and a
        # statement that lost the number to a concurrent creation does nothing (ON CONFLICT, after
        # waiting for that creation's commit); the next one, with a fresh snapshot, takes the
        # number after it. Three tries; when all lose, no trial is started (the next ask creates
        # one). Design note: a lock held through the rest of the query and the commit's flush
        # serialized every worker behind a lock holder the scheduler had put aside.
        sql += [
            f"WITH started AS (INSERT INTO trials (number, study_id, state, datetime_start) "
            f"SELECT COALESCE(MAX(number), -1) + 1, {sid}, 'RUNNING'::trialstate, {ts(start)} "
            f"FROM trials WHERE study_id = {sid} "
            f"HAVING {mine} AND current_setting('skipjack.next_trial') = '' "
            f"ON CONFLICT DO NOTHING RETURNING trial_id) {keep}"
        ] * 3
        if self.heartbeats:
            sql.append(f"INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial_id, now() "
                       f"FROM trials WHERE trial_id = {nxt} ON CONFLICT (trial_id) DO UPDATE SET "
                       f"heartbeat = EXCLUDED.heartbeat")
        sql += [
            f"SELECT {mine}, n.trial_id, n.number, EXISTS (SELECT 1 FROM trial_params p WHERE "
            f"p.trial_id = n.trial_id) OR EXISTS (SELECT 1 FROM trial_system_attributes a WHERE "
            f"a.trial_id = n.trial_id) OR EXISTS (SELECT 1 FROM trial_user_attributes u WHERE "
            f"u.trial_id = n.trial_id) FROM (SELECT 1) one LEFT JOIN (SELECT trial_id, number "
            f"FROM trials WHERE trial_id = {nxt}) n ON TRUE",
            "COMMIT",
        ]
        # The leading SELECT gives the result a first row set, so the cursor stays open and the
        # last one (the answer) can be reached; the statements go through SQLAlchemy (events,
        # error classification and retries, invalidation of a lost connection).
        result = conn.exec_driver_sql("SELECT 0; " + "; ".join(sql))
        cursor = result.cursor
        row = None
        while cursor.nextset():
            if cursor.description is not None:
                row = cursor.fetchone()
        result.close()
        assert row is not None
        if not row[0]:
            return False, None
        if row[1] is None:
            return True, None
        return True, (int(row[1]), int(row[2]), bool(row[3]))

    def _recover_next(
        self, conn: Connection, study_id: int, start: datetime.datetime | None
    ) -> tuple[int, int, bool] | None:
        """The trial a committed attempt of the finish started (its answer was lost)."""
        if start is None:
            return None
        mine = conn.execute(self._created_by_attempt(), {"p_sid": study_id,
                                                         "p_start": start}).first()
        if mine is None:
            return None
        return int(mine[0]), int(mine[1]), True  # taken from the queue or not: read it back

    def _keep_ready(
        self, study_id: int, started: tuple[int, int, bool], start: datetime.datetime | None,
        born: float,
    ) -> None:
        trial_id, number, read_back = started
        self._reader.remember(trial_id, study_id, number)
        if read_back:
            try:
                self._own(trial_id)  # an enqueued trial's fixed parameters and attributes
            except Exception:  # noqa: BLE001 - the finish itself succeeded
                # The trial stays RUNNING without a worker: with heartbeats it is failed
                # after the grace period, as a trial of a killed worker is.
                return
            live = self._live.get(trial_id)
            if live is None:
                return
        else:
            base = FrozenTrial._make(number, TrialState.RUNNING, None, start, None, {}, {},
                                     {}, {}, {}, trial_id)
            live = LiveTrial(base, study_id)
            self._live.add(live)
        self._plans.ready[study_id] = (live, born)

    def _release(self, live: LiveTrial) -> None:
        """Put a started, untouched trial back as WAITING (the next ``ask`` takes it)."""
        back = self._db.statement(("release", live.datetime_start is None), lambda: (
            _t.update().where(*_same_trial(live), _t.c.state == "RUNNING")
            .values(state="WAITING", datetime_start=None)))
        hb = m.trial_heartbeats

        def work(conn: Connection) -> None:
            with transaction(conn):
                if conn.execute(back, live.identity()).rowcount and self.heartbeats:
                    conn.execute(hb.delete().where(hb.c.trial_id == live.trial_id))

        try:
            with live.lock:
                self._db.run("release next trial", work)
        finally:
            self._live.discard(live.trial_id)

    def _find_waiting(self) -> Any:
        return (sa.select(_t.c.trial_id)
                .where(_t.c.study_id == sa.bindparam("p_sid"), _t.c.state == "WAITING")
                .order_by(_t.c.number).limit(1))

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        find = self._db.statement("find_waiting", lambda: (
            sa.select(_t.c.trial_id)
            .where(_t.c.study_id == sa.bindparam("p_sid"), _t.c.state == "WAITING")
            .order_by(_t.c.number).limit(1)))
        params = {"p_sid": study_id}
        dialect = self._db.dialect
        now = self._now()
        attempts = 0

        def work(conn: Connection) -> int | None:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                # As in create_new_trial: the previous attempt may have taken a trial and lost
                # the answer; the trial RUNNING since our start time (to the microsecond) is it.
                mine = conn.execute(self._created_by_attempt(), {
                    "p_sid": study_id, "p_start": now}).first()
                if mine is not None:
                    return int(mine[0])
            # Fast path: a plain read, no lock, when nothing is waiting (the common case).
            if conn.execute(find, params).first() is None:
                return None
            if dialect in ("postgresql", "sqlite"):
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

        trial_id = self._db.run("pop_waiting_trial_id", work)
        if trial_id is not None:
            self._own(trial_id)
        return trial_id


class _Plans(threading.local):
    """One thread's plan for its next trial (see ``TrialWriter.prepare_next_trial``)."""

    def __init__(self) -> None:
        self.after: dict[int, int] = {}  # study_id -> the trial whose finish starts the next
        # study_id -> (the trial started for the next ask, time.monotonic() when the transaction
        # that started it was sent: its heartbeat is younger than that)
        self.ready: dict[int, tuple[LiveTrial, float]] = {}


class _no_transaction:
    """Context manager standing in for ``transaction`` when one statement needs none."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None


def _same_trial(live: LiveTrial) -> tuple[Any, ...]:
    """The WHERE clauses naming ``live``'s row (bound by ``LiveTrial.identity``).

    Design note: the id alone is not enough. SQLite reuses the ids of deleted rows, and a database
    dropped and recreated starts its ids again, so when a study is deleted while this process
    still runs one of its trials, the id (and even the study id and number) may name a trial of
    the next study. The start time, stored to the microsecond, tells them apart.
    """
    same = [_t.c.trial_id == sa.bindparam("p_tid"), _t.c.study_id == sa.bindparam("p_sid"),
            _t.c.number == sa.bindparam("p_num")]
    if live.datetime_start is not None:
        same.append(_t.c.datetime_start == sa.bindparam("p_start",
                                                        type_=_t.c.datetime_start.type))
    return tuple(same)


def _raise_gone(live: LiveTrial) -> NoReturn:
    raise KeyError(
        f"Trial#{live.number} (trial_id {live.trial_id}) no longer exists in the database: its "
        "study was deleted or the database was reset while the trial was running."
    )

"""Write-behind of the trials this process runs (``WriteBehindMixin``); see ``_owned``.

The mixin keeps an ``OwnedTrial`` per running trial of this process, serves reads of those trials
from memory, and writes their buffered rows: in the ``tell`` transaction, before a heartbeat, from a
background thread after ``WRITE_BEHIND_SECONDS``, at exit, and before another storage object of the
same process finishes the trial.
"""

from __future__ import annotations

import atexit
import datetime
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import T, cached, normalize_url, transaction
from skipjack.storages._rdb._owned import INTERMEDIATE, PARAMS, SYSTEM, USER, OwnedTrial
from skipjack.storages._rdb._reader import (
    STATE_BY_NAME,
    STATE_NAMES,
    decode_value,
    encode_intermediate,
    encode_value,
)

__all__ = ["WriteBehindMixin", "flush_other_owners", "abandon_running_trials"]

_t = m.trials
_UNFINISHED = ("RUNNING", "WAITING")


class WriteBehindMixin:
    """Buffered writes of this process's running trials (part of ``RDBStorage``)."""

    url: str
    _lock: threading.RLock
    _owned: dict[int, OwnedTrial]
    _finished: dict[int, FrozenTrial]
    _flusher: threading.Thread | None
    _statements: dict[Any, Any]

    def _run(self, what: str, fn: Callable[[Connection], T]) -> T:  # pragma: no cover
        raise NotImplementedError

    def _read_trial(self, trial_id: int) -> FrozenTrial:  # pragma: no cover
        raise NotImplementedError

    def _study_of(self, trial_id: int) -> int:  # pragma: no cover
        raise NotImplementedError

    def _raise_not_updatable(self, conn: Connection, trial_id: int) -> None:  # pragma: no cover
        raise NotImplementedError

    def _dist_to_json(self, dist: BaseDistribution) -> str:  # pragma: no cover
        raise NotImplementedError

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:  # pragma: no cover
        raise NotImplementedError

    def _register_owned(self, trial_id: int, owned: OwnedTrial) -> None:
        self._owned[trial_id] = owned
        _WITH_RUNNING.add(self)

    def _own(self, trial_id: int) -> None:
        """Start write-behind for a trial this process just moved to RUNNING."""
        record = self._read_trial(trial_id)
        study_id = self._study_of(trial_id)
        with self._lock:
            self._register_owned(trial_id, OwnedTrial(record, study_id))

    def _owned_trial(self, trial_id: int) -> OwnedTrial | None:
        owned = self._owned.get(trial_id)
        if owned is not None and self._flusher is None:
            self._start_flusher()
        return owned

    def _start_flusher(self) -> None:
        with self._lock:
            if self._flusher is not None:
                return
            ref = weakref.ref(self)
            self._flusher = threading.Thread(target=_flush_loop, args=(ref,), daemon=True,
                                             name="skipjack-rdb-flusher")
            self._flusher.start()

    def flush(self) -> None:
        """Write the buffered writes of this process's running trials now."""
        for owned in list(self._owned.values()):
            if owned.has_pending():
                try:
                    self._flush_owned(owned)
                except (KeyError, UpdateFinishedTrialError):
                    pass

    def _flush_before_heartbeat(self, trial_id: int) -> None:
        owned = self._owned.get(trial_id)
        if owned is not None and owned.has_pending():
            self._flush_owned(owned)

    def _flush_overdue(self) -> None:
        now = time.monotonic()
        for owned in list(self._owned.values()):
            if owned.overdue(now):
                try:
                    self._flush_owned(owned)
                except Exception:  # noqa: BLE001 - reported by the next write or tell
                    pass

    def _flush_owned(self, owned: OwnedTrial) -> None:
        trial_id = owned.trial_id
        with owned.lock:
            if not owned.has_pending() or self._owned.get(trial_id) is not owned:
                return

            lock_row = cached(self._statements, ("owned_state", owned.datetime_start is None),
                               lambda: sa.select(_t.c.state).where(*_same_trial(owned))
                               .with_for_update())

            attempts = 0

            def work(conn: Connection) -> None:
                nonlocal attempts
                attempts += 1
                with transaction(conn):
                    state = conn.execute(lock_row, _identity(owned)).scalar()
                    if state is None:
                        _raise_gone(owned)
                    if STATE_BY_NAME[state].is_finished():
                        self._raise_not_updatable(conn, trial_id)
                    self._write_pending(conn, owned, retry=attempts > 1)

            try:
                self._run("flush trial writes", work)
            except (UpdateFinishedTrialError, KeyError):
                self._owned.pop(trial_id, None)
                raise
            owned.mark_flushed()

    def _write_pending(self, conn: Connection, owned: OwnedTrial, retry: bool = False) -> None:
        """Write ``owned``'s buffered rows. On a retry, the previous attempt may have committed
        without this process hearing back (connection lost during COMMIT): rows it inserted are
        replaced, not inserted twice."""
        tid = owned.trial_id
        for table_key, (inserts, updates) in owned.pending().items():
            if retry and inserts:
                table = _PENDING_TABLES[table_key]
                key_column = table.c[_KEY_COLUMN[table_key]]
                conn.execute(
                    table.delete().where(table.c.trial_id == tid, key_column.in_(inserts))
                )
            rows: list[dict[str, Any]] = []
            for key in inserts + updates:
                if table_key == PARAMS:
                    row = {"param_name": key, "param_value": owned.internal[key],
                           "distribution_json": self._dist_to_json(owned.dists[key])}
                elif table_key == INTERMEDIATE:
                    value, vtype = encode_intermediate(owned.intermediate[key])
                    row = {"step": key, "intermediate_value": value,
                           "intermediate_value_type": vtype}
                else:
                    row = {"key": key, "value_json": owned.attr_json(table_key, key)}
                rows.append(row)
            table = _PENDING_TABLES[table_key]
            if inserts:
                conn.execute(table.insert(), [dict(r, trial_id=tid) for r in rows[:len(inserts)]])
            if updates:
                key_col = _KEY_COLUMN[table_key]
                stmt = self._pending_update(table, key_col)
                conn.execute(stmt, [
                    {"tid": tid, "k": r[key_col], **{f"v_{c}": v for c, v in r.items()
                                                      if c != key_col}}
                    for r in rows[len(inserts):]
                ])

    def _pending_update(self, table: sa.Table, key_col: str) -> Any:
        def build() -> Any:
            data = [c.name for c in table.columns
                    if c.name not in (key_col, "trial_id") and not c.primary_key]
            return (table.update()
                    .where(table.c.trial_id == sa.bindparam("tid"),
                           table.c[key_col] == sa.bindparam("k"))
                    .values({c: sa.bindparam(f"v_{c}", type_=table.c[c].type) for c in data}))

        return cached(self._statements, ("pending_update", table.name), build)

    def _finish_owned(
        self, owned: OwnedTrial, state: TrialState, values: Sequence[float] | None,
        now: datetime.datetime,
    ) -> bool:
        trial_id = owned.trial_id
        encoded = [encode_value(v) for v in values] if values is not None else []
        no_start = owned.datetime_start is None
        stmt = cached(self._statements, ("owned_finish", no_start), lambda: (
            _t.update().where(*_same_trial(owned), _t.c.state.in_(_UNFINISHED))
            .values(state=sa.bindparam("p_state", type_=_t.c.state.type),
                    datetime_complete=sa.bindparam("p_done", type_=_t.c.datetime_complete.type))))
        exists = cached(self._statements, ("owned_exists", no_start), lambda: (
            sa.select(_t.c.trial_id, _t.c.state, _t.c.datetime_complete)
            .where(*_same_trial(owned))))
        params = dict(_identity(owned), p_state=STATE_NAMES[state], p_done=now)
        with owned.lock:
            if self._owned.get(trial_id) is not owned:
                return self.set_trial_state_values(trial_id, state, values)

            attempts = 0

            def work(conn: Connection) -> None:
                nonlocal attempts
                attempts += 1
                with transaction(conn):
                    if not conn.execute(stmt, params).rowcount:
                        row = conn.execute(exists, _identity(owned)).first()
                        if row is None:
                            _raise_gone(owned)
                        if attempts > 1 and (row[1], row[2]) == (params["p_state"], now):
                            # The previous attempt committed and the connection was lost before
                            # its answer arrived (its completion time is ours, to the
                            # microsecond): the trial is finished, exactly once.
                            return
                        self._raise_not_updatable(conn, trial_id)
                        raise KeyError(f"No trial with trial_id {trial_id} exists.")
                    self._write_pending(conn, owned, retry=attempts > 1)
                    if encoded:
                        conn.execute(m.trial_values.insert(), [
                            {"trial_id": trial_id, "objective": i, "value": v, "value_type": vt}
                            for i, (v, vt) in enumerate(encoded)
                        ])

            try:
                self._run("finish trial", work)
            except (UpdateFinishedTrialError, KeyError):
                self._owned.pop(trial_id, None)
                raise
            owned.mark_flushed()
            running = owned.record()
            final = FrozenTrial._make(
                owned.number, state,
                [decode_value(v, vt) for v, vt in encoded] if encoded else None,
                owned.datetime_start, now, running.params, running.distributions,
                running.user_attrs, running.system_attrs, running.intermediate_values, trial_id,
            )
            self._finished[trial_id] = final
            self._owned.pop(trial_id, None)
            if not self._owned:
                _WITH_RUNNING.discard(self)
        return True


def _same_trial(owned: OwnedTrial) -> tuple[Any, ...]:
    """The WHERE clauses naming ``owned``'s row (bound by ``_identity``).

    Design note: the id alone is not enough. SQLite reuses the ids of deleted rows, and a database
    dropped and recreated starts its ids again, so when a study is deleted while this process
    still buffers writes of one of its trials, the id (and even the study id and number) may name
    a trial of the next study. The start time, stored to the microsecond, tells them apart;
    buffered writes must never land on another trial.
    """
    same = [_t.c.trial_id == sa.bindparam("p_tid"), _t.c.study_id == sa.bindparam("p_sid"),
            _t.c.number == sa.bindparam("p_num")]
    if owned.datetime_start is not None:
        same.append(_t.c.datetime_start == sa.bindparam("p_start",
                                                        type_=_t.c.datetime_start.type))
    return tuple(same)


def _identity(owned: OwnedTrial) -> dict[str, Any]:
    out: dict[str, Any] = {"p_tid": owned.trial_id, "p_sid": owned.study_id, "p_num": owned.number}
    if owned.datetime_start is not None:
        out["p_start"] = owned.datetime_start
    return out


def _raise_gone(owned: OwnedTrial) -> NoReturn:
    raise KeyError(
        f"Trial#{owned.number} (trial_id {owned.trial_id}) no longer exists in the database: its "
        "study was deleted or the database was reset while the trial was running. Its buffered "
        "parameters and reports were not written."
    )


# Storages of this process with running trials, held (strongly) until those trials finish and
# flushed at exit, so that buffered writes are not lost when the storage object is dropped or the
# process ends (e.g. `skipjack ask` ends right after suggesting the parameters).
_WITH_RUNNING: set[WriteBehindMixin] = set()


@atexit.register
def _flush_at_exit() -> None:
    for storage in list(_WITH_RUNNING):
        try:
            storage.flush()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def flush_other_owners(storage: WriteBehindMixin, trial_id: int) -> None:
    """Before finishing a trial another storage object of this process runs (ask with one
    object, tell with another), write that object's buffered writes of the trial."""
    for other in list(_WITH_RUNNING):
        if other is storage or other.url != storage.url:
            continue
        owned = other._owned.get(trial_id)
        if owned is not None:
            try:
                other._flush_owned(owned)
            except Exception:  # noqa: BLE001 - the finish below reports the real state
                pass
            with other._lock:
                other._owned.pop(trial_id, None)


def abandon_running_trials(url: str) -> int:
    """Drop, unwritten, the buffered writes of every running trial this process holds for ``url``.

    For a database that was dropped and recreated (test suites do this): its trial ids start again
    and may name the new trials, so the old buffers must not be flushed there. Returns the number
    of trials abandoned.
    """
    url = normalize_url(url)
    abandoned = 0
    for storage in list(_WITH_RUNNING):
        if storage.url != url:
            continue
        with storage._lock:
            abandoned += len(storage._owned)
            storage._owned.clear()
            _WITH_RUNNING.discard(storage)
    return abandoned


_PENDING_TABLES = {
    PARAMS: m.trial_params,
    INTERMEDIATE: m.trial_intermediate_values,
    USER: m.trial_user_attributes,
    SYSTEM: m.trial_system_attributes,
}
_KEY_COLUMN = {PARAMS: "param_name", INTERMEDIATE: "step", USER: "key", SYSTEM: "key"}


def _flush_loop(ref: weakref.ReferenceType[WriteBehindMixin]) -> None:
    """Background flusher: writes buffered trial writes older than ``WRITE_BEHIND_SECONDS``."""
    while True:
        time.sleep(0.25)
        storage = ref()
        if storage is None:
            return
        try:
            storage._flush_overdue()
        except Exception:  # noqa: BLE001 - the next tell reports persistent errors
            pass
        del storage

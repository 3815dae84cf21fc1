"""``RDBStorage``: studies in a relational database, in Optuna's schema (version 12).

The storage is a thin facade over parts that each own their state and lock (none is held across a
database round trip):

- ``Database`` (``_engine``): the engine, retries of transient errors, built statements;
- ``StudyStore`` (``_studies``): study rows, directions, study attributes;
- ``TrialReader`` (``_trial_reader``): one trial, a study's history by incremental sync, the
  caches of finished trials;
- ``TrialWriter`` (``_trial_writer``): trial creation, the queue, parameters, reports,
  attributes, state and values, all written through (in the database when the call returns);
- ``LiveTrials`` (``_live``): this process's running trials as it wrote them (reads without a
  round trip);
- ``HeartbeatStore`` (``_heartbeat``): Optuna's ``trial_heartbeats`` table.

Round trips per trial event (PostgreSQL; see docs/storage.md for all backends): ask = 1 read for a
WAITING trial + 1 ``INSERT ... SELECT MAX(number)+1 ... RETURNING``; each ``suggest_*``,
``report`` and ``set_*_attr`` = 1 conditional statement (its own transaction); tell = one
transaction (UPDATE state, INSERT values); reading the history = 1 statement returning only the
trials changed since this process's last sync. Inside ``optimize`` (no callbacks) the tell also
starts the next trial in its transaction (``prepare_next_trial``; one query on PostgreSQL) and the
next ask takes it without a round trip: one durable commit per trial's life cycle.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Container, Sequence
from typing import Any

import sqlalchemy as sa

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.exceptions import ExperimentalWarning
from skipjack.storages._base import BaseStorage, TrialSession
from skipjack.storages._heartbeat import BaseHeartbeat
from skipjack.storages._rdb import _schema
from skipjack.storages._rdb import models as m
from skipjack.storages._rdb._engine import Database, normalize_url
from skipjack.storages._rdb._heartbeat import HeartbeatStore
from skipjack.storages._rdb._live import LiveTrials
from skipjack.storages._rdb._studies import StudyStore
from skipjack.storages._rdb._trial_reader import TrialReader
from skipjack.storages._rdb._trial_writer import TrialWriter

__all__ = ["RDBStorage"]


class RDBStorage(BaseStorage, BaseHeartbeat):
    """A storage in a relational database: SQLite, PostgreSQL (psycopg 3) or MySQL/MariaDB (PyMySQL).

    Process safe: many processes on many hosts may share one study. Thread safe. Every write is
    in the database when the call that made it returns.

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
            self._db.engine, create=not skip_table_creation, check=not skip_compatibility_check
        )

    def _init_runtime(self) -> None:
        self._db = Database(self.url, self.engine_kwargs)
        self._studies = StudyStore(self._db)
        self._live = LiveTrials()
        self._reader = TrialReader(self._db, self._studies, self._live)
        self._writer = TrialWriter(self._db, self._reader, self._live)
        self._reader.on_forget(self._writer.forget_study)
        self._heartbeats = HeartbeatStore(self._db)

    def __getstate__(self) -> dict[str, Any]:
        keep = ("url", "engine_kwargs", "skip_compatibility_check", "skip_table_creation",
                "heartbeat_interval", "grace_period", "heartbeat_stale_trial_callback")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    def __repr__(self) -> str:
        return f"RDBStorage({sa.engine.make_url(self.url).render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> sa.engine.Engine:
        """The SQLAlchemy engine (Optuna's attribute; e.g. ``storage.engine.dispose()``)."""
        return self._db.engine

    @property
    def _engine(self) -> sa.engine.Engine:
        return self._db.engine

    @staticmethod
    def _set_default_engine_kwargs_for_mysql(url: str, engine_kwargs: dict[str, Any]) -> None:
        """Optuna's helper: MySQL connections are checked before use unless told otherwise."""
        if url.split(":", 1)[0].split("+", 1)[0].lower() in ("mysql", "mariadb"):
            engine_kwargs.setdefault("pool_pre_ping", True)

    def remove_session(self) -> None:
        """Close pooled connections (e.g. after a fork)."""
        self._db.dispose()

    # --- studies ----------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        study_id = self._studies.create_new_study(directions, study_name)
        self._reader.forget_study(study_id)  # SQLite may reuse the id of a deleted study
        self._studies.remember_directions(study_id, list(directions))
        return study_id

    def delete_study(self, study_id: int) -> None:
        self._studies.delete_study(study_id)
        self._reader.forget_study(study_id)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._studies.set_study_user_attr(study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._studies.set_study_system_attr(study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return self._studies.get_study_id_from_name(study_name)

    def get_study_name_from_id(self, study_id: int) -> str:
        return self._studies.get_study_name_from_id(study_id)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return self._studies.get_study_directions(study_id)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._studies.get_study_user_attrs(study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._studies.get_study_system_attrs(study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        return self._studies.get_all_studies()

    # --- trials: writes ---------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        return self._writer.create_new_trial(study_id, template_trial)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._writer.set_trial_param(trial_id, param_name, param_value_internal, distribution)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        return self._writer.set_trial_state_values(trial_id, state, values)

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        return self._writer.pop_waiting_trial_id(study_id)

    def start_trial(self, study_id: int) -> TrialSession:
        """``BaseStorage.start_trial``; a trial the calling thread's last finish started for the
        study (see ``prepare_next_trial``) is handed over without a round trip."""
        grace = self.get_grace_period()
        # With heartbeats, hand it over only while it is far from stale: within half the grace
        # period of the moment the transaction that started it (and wrote its beat) was sent,
        # by this process's clock, which runs at least as long as the database's since then.
        live = self._writer.take_ready(study_id, None if grace is None else grace / 2)
        if live is not None:
            return TrialSession(self, live.trial_id, live.record())
        return super().start_trial(study_id)

    def prepare_next_trial(self, study_id: int, after_trial_id: int | None) -> None:
        """The trial loop's hint: finishing ``after_trial_id`` also starts the study's next trial,
        in the same transaction (one durable commit per trial instead of two); None releases a
        started trial this thread did not take (see docs/storage.md, "One commit per trial")."""
        self._writer.heartbeats = self.get_heartbeat_interval() is not None
        self._writer.prepare_next_trial(study_id, after_trial_id)

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._writer.set_trial_intermediate_value(trial_id, step, intermediate_value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._writer.set_trial_attr(False, trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._writer.set_trial_attr(True, trial_id, key, value)

    # --- trials: reads ----------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return self._reader.get_trial(trial_id)

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        return self._reader.get_trials_since(study_id, watermark)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        import copy

        trials = self._reader.get_all_trials(study_id, states)
        if deepcopy:
            return [copy.deepcopy(t) for t in trials]
        return trials

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        if isinstance(state, TrialState):
            state = (state,)
        return len(self._reader.get_all_trials(study_id, state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        return self._reader.get_best_trial(study_id)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return self._reader.id_from_number(study_id, trial_number)

    def get_trials_by_number(self, study_id: int, numbers: list[int]) -> list[FrozenTrial]:
        """The study's trials with those numbers, in number order (one indexed round trip)."""
        return self._reader.get_trials_by_number(study_id, numbers)

    def get_study_overview(self, study_id: int) -> dict[str, Any]:
        """Counts by state, highest number, first start, last activity and best ``(number,
        value)`` of a study, computed by the database (no trial is read; see ``TrialReader``)."""
        return self._reader.get_study_overview(study_id)

    def get_trial_number_from_id(self, trial_id: int) -> int:
        return self._reader.owner(trial_id)[1]

    # --- heartbeats -------------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the worker running ``trial_id`` is alive (at the database's time)."""
        self._heartbeats.record(trial_id)

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        grace = self.get_grace_period()
        if grace is None:
            return []
        return self._heartbeats.stale_trial_ids(study_id, grace)

    def fail_stale_trial(
        self, study_id: int, trial_id: int, reason: str,
        retry: Callable[[FrozenTrial], FrozenTrial | None] | None = None,
    ) -> bool:
        """``BaseHeartbeat.fail_stale_trial`` in one transaction: the failure, its reason and
        the retry copy commit together or not at all."""
        return self._writer.fail_stale_trial(study_id, trial_id, reason, retry)

    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or None when heartbeats are off."""
        return self.heartbeat_interval

    def get_heartbeat_ages(self, study_id: int) -> dict[int, float]:
        """Seconds since the last heartbeat of each RUNNING trial (by trial id), on the
        database server's clock."""
        return self._heartbeats.ages(study_id)

    def get_grace_period(self) -> float | None:
        """Seconds without a heartbeat after which a trial is stale (default 2 x interval)."""
        if self.heartbeat_interval is None:
            return None
        return self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval

    # --- schema -----------------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Migrate the database to the schema this version uses (``skipjack storage upgrade``)."""
        _schema.upgrade(self._db.engine)

    def get_current_version(self) -> str:
        """The database's Alembic revision."""
        with self._db.engine.connect() as conn:
            return str(_schema.current_revision(conn))

    def get_head_version(self) -> str:
        """The Alembic revision this version of skipjack uses."""
        return m.ALEMBIC_HEAD

    def get_all_versions(self) -> list[str]:
        """Every schema revision skipjack can open or upgrade, newest first (as Optuna lists them)."""
        from skipjack.storages._rdb._legacy import ALL_REVISIONS

        return list(ALL_REVISIONS)


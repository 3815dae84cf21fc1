"""The storage contract: ``BaseStorage``.

A storage is the only place where study state lives. It knows nothing of samplers, pruners or
studies; it stores records and checks state transitions atomically.

Contract every implementation keeps (checked by ``skipjack.testing.storage_suite``):

- Pass-by-value: a storage never changes a record (``FrozenTrial``) it has handed out; later
  writes build new records. Records are shared between callers (``get_all_trials(deepcopy=False)``)
  unless a copy is asked for, so callers must not mutate shared ones.
- Thread safety: every method may be called from many threads at once. Persistent storages are
  also process safe: many processes (on many hosts) may share one study.
- Trial numbers within a study are unique and contiguous (0, 1, 2, ...), across processes.
- A finished trial (COMPLETE, PRUNED, FAIL) cannot be changed: writes raise
  ``UpdateFinishedTrialError``.
- A WAITING trial is taken (moved to RUNNING) by exactly one caller
  (``set_trial_state_values(..., RUNNING)`` returns False for every other caller).
- Unknown ids raise ``KeyError`` with a message naming the id.

Beyond Optuna's ``BaseStorage`` a storage offers ``get_trials_since`` (incremental sync, so that a
study never reloads its whole history per trial), ``pop_waiting_trial_id`` (take the oldest
enqueued trial in one atomic step) and the trial session: ``start_trial(study_id)`` /
``open_trial(trial_id)`` return a ``TrialSession``, the one object through which a live ``Trial``
writes to the storage. All have correct defaults here, built on the public methods; a backend
that can do better overrides them (the in-memory storage's session skips the trial lookup per
parameter).
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Container, Sequence
from typing import Any

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.exceptions import UpdateFinishedTrialError

__all__ = ["BaseStorage", "TrialSession", "DEFAULT_STUDY_NAME_PREFIX"]

DEFAULT_STUDY_NAME_PREFIX = "no-name-"


class TrialSession:
    """A live trial's line to its storage: every write of a running ``Trial`` goes through it.

    Obtained from ``BaseStorage.start_trial`` or ``BaseStorage.open_trial``. This default sends
    each write to the storage's public method of the same meaning, so a storage subclass or
    wrapper sees every write; a backend may return a faster subclass (it must keep the same
    checks: a finished trial refuses writes with ``UpdateFinishedTrialError``, an incompatible
    distribution raises ``ValueError``).

    Attributes:
        storage: the storage written to.
        trial_id: the trial's id.
        record: the trial's record when the session was opened (RUNNING, or the WAITING trial
            just taken). Shared with the storage unless ``owned``: read it, do not mutate it.
        owned: True when ``record`` and its dictionaries belong to the caller alone (a new trial),
            so a live trial may keep them as its own instead of copying them.
    """

    __slots__ = ("storage", "trial_id", "record", "owned")

    def __init__(
        self, storage: BaseStorage, trial_id: int, record: FrozenTrial, owned: bool = False
    ) -> None:
        self.storage = storage
        self.trial_id = trial_id
        self.record = record
        self.owned = owned

    def set_param(
        self, name: str, internal: float, external: Any, distribution: BaseDistribution
    ) -> None:
        """Record parameter ``name``: ``internal`` is its value in ``distribution``'s internal
        representation, ``external`` the same value as the objective sees it."""
        self.storage.set_trial_param(self.trial_id, name, internal, distribution)

    def set_intermediate_value(self, step: int, value: float) -> None:
        """Record the value reported at ``step``."""
        self.storage.set_trial_intermediate_value(self.trial_id, step, value)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute of the trial."""
        self.storage.set_trial_user_attr(self.trial_id, key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        """Set a system attribute of the trial."""
        self.storage.set_trial_system_attr(self.trial_id, key, value)

    def finish(self, state: TrialState, values: Sequence[float] | None = None) -> FrozenTrial:
        """Finish the trial (``state`` COMPLETE, PRUNED or FAIL) and return its finished record.

        The default is ``set_trial_state_values`` then ``get_trial``.

        Raises:
            UpdateFinishedTrialError: the trial has finished already (e.g. failed by another
                worker's heartbeat check).
        """
        self.storage.set_trial_state_values(self.trial_id, state, values)
        return self.storage.get_trial(self.trial_id)


class BaseStorage(abc.ABC):
    """Base class of all storages (Optuna's method names and semantics).

    Who calls it: the ``Study`` and ``Trial`` objects, the CLI, and analysis tools. Samplers and
    pruners never write to a storage.
    """

    # --- studies ----------------------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        """Create a study and return its id.

        Raises:
            DuplicatedStudyError: a study named ``study_name`` exists already.
        """

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and all its trials. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a JSON-serialisable user attribute of a study."""

    @abc.abstractmethod
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a JSON-serialisable system attribute of a study."""

    @abc.abstractmethod
    def get_study_id_from_name(self, study_name: str) -> int:
        """Return the id of the study named ``study_name``.

        Raises:
            KeyError: no such study; the message lists the studies that exist.
        """

    @abc.abstractmethod
    def get_study_name_from_id(self, study_id: int) -> str:
        """Return the name of a study."""

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        """Return the directions of a study."""

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        """Return a copy of a study's user attributes."""

    @abc.abstractmethod
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        """Return a copy of a study's system attributes."""

    @abc.abstractmethod
    def get_all_studies(self) -> list[FrozenStudy]:
        """Return every study, ordered by id."""

    # --- trials: writes ---------------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        """Create a trial (RUNNING, or a copy of ``template_trial``) and return its id.

        The trial's number is the next one in the study, unique and contiguous across processes.
        """

    @abc.abstractmethod
    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        """Record a parameter of a running trial.

        Raises:
            UpdateFinishedTrialError: the trial is finished.
            ValueError: ``distribution`` is incompatible with the one the study used for the name.
        """

    @abc.abstractmethod
    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        """Move a trial to ``state`` and record ``values``.

        Returns False (and changes nothing) when ``state`` is RUNNING and the trial is not WAITING:
        somebody else took it. Sets ``datetime_start`` on RUNNING and ``datetime_complete`` on a
        finished state.

        Raises:
            UpdateFinishedTrialError: the trial is finished.
        """

    @abc.abstractmethod
    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        """Record a reported value of a running trial."""

    @abc.abstractmethod
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a user attribute of a running trial."""

    @abc.abstractmethod
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a system attribute of a running trial."""

    # --- trials: reads ----------------------------------------------------------------------------

    @abc.abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial:
        """Return a snapshot of a trial. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        """Return the study's trials ordered by number, optionally only those in ``states``."""

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        """Return the trials that changed since ``watermark``, and a new watermark.

        ``watermark`` is None for "everything", otherwise a value this method returned before (an
        opaque, picklable value). The result may include trials that did not change (a superset)
        but never misses one that did. This is the incremental read that keeps per-trial cost flat.
        """
        return self.get_all_trials(study_id, deepcopy=False), None

    def get_heartbeat_ages(self, study_id: int) -> dict[int, float]:
        """Seconds since the last heartbeat of each RUNNING trial of the study, by trial id.

        Only trials with a recorded heartbeat are listed; ages are measured on the storage's
        clock (database, file or Redis server), so worker clocks need not agree. The default
        (a storage without heartbeats, e.g. in-memory) is ``{}``.
        """
        return {}

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        """Atomically move the oldest WAITING trial to RUNNING and return its id (None if none)."""
        for trial in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.WAITING,)):
            if self.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING):
                return trial._trial_id
        return None

    def start_trial(self, study_id: int) -> TrialSession:
        """Start the study's next trial and open a session on it: the oldest enqueued (WAITING)
        trial if any, else a new RUNNING one (what ``Study.ask`` does).

        The default takes ``pop_waiting_trial_id``, else ``create_new_trial``, then
        ``open_trial``."""
        trial_id = self.pop_waiting_trial_id(study_id)
        if trial_id is None:
            trial_id = self.create_new_trial(study_id)
        return self.open_trial(trial_id)

    def prepare_next_trial(self, study_id: int, after_trial_id: int | None) -> None:
        """A hint from the calling thread's trial loop (``optimize``); the default ignores it.

        ``after_trial_id``: the loop will start another trial of ``study_id`` right after it
        finishes this one (nothing runs in between that could stop it), so a backend may start
        that next trial in the same step as the finish and hand it to this thread's next
        ``start_trial`` (the RDB storage does: one durable commit per trial). None: this thread
        starts no more trials of the study; a backend releases a trial it started for it and
        that was not taken (it must stay runnable by anyone: numbers stay contiguous).
        """

    def open_trial(self, trial_id: int) -> TrialSession:
        """Open a session on a running trial (the default reads the trial with ``get_trial``).

        Raises:
            KeyError: no trial has this id.
        """
        return TrialSession(self, trial_id, self.get_trial(trial_id))

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        """Return the number of trials of a study, optionally only those in ``state``."""
        if isinstance(state, TrialState):
            state = (state,)
        return len(self.get_all_trials(study_id, deepcopy=False, states=state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        """Return the best COMPLETE trial of a single-objective study.

        Raises:
            RuntimeError: the study has several objectives.
            ValueError: no trial is complete yet.
        """
        directions = self.get_study_directions(study_id)
        if len(directions) > 1:
            raise RuntimeError(
                "Best trial can be obtained only for single-objective optimization: "
                "use `best_trials`."
            )
        trials = self.get_all_trials(study_id, deepcopy=False, states=(TrialState.COMPLETE,))
        if not trials:
            raise ValueError("No trials are completed yet.")
        key = lambda t: t.values[0]  # noqa: E731
        if directions[0] == StudyDirection.MAXIMIZE:
            return max(trials, key=key)
        return min(trials, key=key)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        """Return the id of trial ``trial_number`` of a study. Raises KeyError if there is none."""
        for trial in self.get_all_trials(study_id, deepcopy=False):
            if trial.number == trial_number:
                return trial._trial_id
        raise KeyError(
            f"No trial with trial number {trial_number} exists in study with study_id {study_id}."
        )

    def get_trial_number_from_id(self, trial_id: int) -> int:
        """Return the number of a trial."""
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        """Return the internal (float) value of a parameter of a trial."""
        trial = self.get_trial(trial_id)
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    def get_trial_params(self, trial_id: int) -> dict[str, Any]:
        """Return a copy of a trial's parameters."""
        return dict(self.get_trial(trial_id).params)

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        """Return a copy of a trial's user attributes."""
        return copy.deepcopy(self.get_trial(trial_id).user_attrs)

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        """Return a copy of a trial's system attributes."""
        return copy.deepcopy(self.get_trial(trial_id).system_attrs)

    def remove_session(self) -> None:
        """Release connections held by this process (no-op where there are none)."""

    def check_trial_is_updatable(self, trial_id: int, trial_state: TrialState) -> None:
        """Raise UpdateFinishedTrialError if ``trial_state`` is finished."""
        if trial_state.is_finished():
            trial = self.get_trial(trial_id)
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished and can not be updated."
            )

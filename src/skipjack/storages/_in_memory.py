"""``InMemoryStorage``: the default storage when no ``storage=`` is given.

Design note: each trial is kept as a small mutable record guarded by the storage lock, and the
immutable ``FrozenTrial`` snapshot handed to callers is built lazily and cached until the next
write. A trial is read a couple of times per write at most, so building the snapshot on read is
cheaper than copy-on-write on every ``suggest_*``. Finished trials keep their snapshot forever.

Performance note: the methods called once per trial or per parameter take the lock with
``acquire()``/``try``/``finally`` rather than ``with``: CPython runs half the instructions for it
(the ``with`` statement looks up and calls ``__enter__``/``__exit__``), which is measurable at a
few microseconds per trial. The other methods keep ``with``.
"""

from __future__ import annotations

import copy
import datetime
import threading
from collections import deque
from collections.abc import Container, Sequence
from typing import Any

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution, check_distribution_compatibility
from skipjack.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from skipjack.logging import get_logger
from skipjack.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage, TrialSession

__all__ = ["InMemoryStorage"]

_logger = get_logger(__name__)

_RUNNING = TrialState.RUNNING
_WAITING = TrialState.WAITING
_COMPLETE = TrialState.COMPLETE
_MAXIMIZE = StudyDirection.MAXIMIZE
_now = datetime.datetime.now
# Attribute values stored as they are: ``copy.deepcopy`` returns these unchanged anyway, after a
# Python-level call (GA samplers write one int per trial).
_IMMUTABLE = frozenset({int, float, str, bool, type(None)})


class _Trial:
    __slots__ = (
        "number",
        "trial_id",
        "state",
        "values",
        "datetime_start",
        "datetime_complete",
        "params",
        "internal",
        "distributions",
        "user_attrs",
        "system_attrs",
        "intermediate_values",
        "snapshot",
    )

    # Built by ``new_trial`` (or field by field in ``start_trial``): no ``__init__``, so creating
    # one costs no constructor frame.
    number: int
    trial_id: int
    state: TrialState
    values: list[float] | None
    datetime_start: datetime.datetime | None
    datetime_complete: datetime.datetime | None
    params: dict[str, Any]
    # internal values that differ from the external ones (ints, categorical indices)
    internal: dict[str, float]
    distributions: dict[str, BaseDistribution]
    user_attrs: dict[str, Any]
    system_attrs: dict[str, Any]
    intermediate_values: dict[int, float]
    snapshot: FrozenTrial | None

    def freeze(self) -> FrozenTrial:
        snapshot = self.snapshot
        if snapshot is None:
            if self.state is _RUNNING or self.state is _WAITING:
                snapshot = FrozenTrial._make(
                    self.number,
                    self.state,
                    None if self.values is None else list(self.values),
                    self.datetime_start,
                    self.datetime_complete,
                    dict(self.params),
                    dict(self.distributions),
                    copy.deepcopy(self.user_attrs) if self.user_attrs else {},
                    copy.deepcopy(self.system_attrs) if self.system_attrs else {},
                    dict(self.intermediate_values),
                    self.trial_id,
                )
            else:
                # A finished trial never changes again: its snapshot takes the record's own
                # dictionaries instead of copies (attribute values were copied when written).
                snapshot = FrozenTrial._make(
                    self.number,
                    self.state,
                    self.values,
                    self.datetime_start,
                    self.datetime_complete,
                    self.params,
                    self.distributions,
                    self.user_attrs,
                    self.system_attrs,
                    self.intermediate_values,
                    self.trial_id,
                )
            self.snapshot = snapshot
        return snapshot


def new_trial(number: int, trial_id: int) -> _Trial:
    """A RUNNING trial record with no start time, parameters or attributes."""
    trial = _Trial()
    trial.number = number
    trial.trial_id = trial_id
    trial.state = _RUNNING
    trial.values = None
    trial.datetime_start = None
    trial.datetime_complete = None
    trial.params = {}
    trial.internal = {}
    trial.distributions = {}
    trial.user_attrs = {}
    trial.system_attrs = {}
    trial.intermediate_values = {}
    trial.snapshot = None
    return trial


class _Study:
    __slots__ = (
        "study_id",
        "name",
        "directions",
        "user_attrs",
        "system_attrs",
        "trials",
        "param_distribution",
        "best_number",
        "waiting",
        "unfinished",
        "deleted",
    )

    def __init__(self, study_id: int, name: str, directions: list[StudyDirection]) -> None:
        self.study_id = study_id
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.trials: list[_Trial] = []
        self.param_distribution: dict[str, BaseDistribution] = {}
        self.best_number: int | None = None
        self.waiting: deque[int] = deque()
        # Numbers of the trials that are RUNNING or WAITING. Finished trials never change, so
        # "what changed since watermark (n, unfinished)" is: the trials numbered n and above,
        # plus those unfinished at the watermark. No per-write bookkeeping is needed.
        self.unfinished: set[int] = set()
        self.deleted = False

    def touched(self, trial: _Trial) -> None:
        trial.snapshot = None
        if trial.state is _RUNNING or trial.state is _WAITING:
            self.unfinished.add(trial.number)
        else:
            self.unfinished.discard(trial.number)


class _Session(TrialSession):
    """The in-memory storage's trial session: ``set_param`` and ``finish`` hold the storage's record
    of the trial, so a parameter write is one locked update without a trial lookup, and finishing
    is one locked step that returns the finished record (the other writes go through the
    storage's methods, as in the default session)."""

    __slots__ = ("_study", "_trial", "_lock", "_owner")

    def __init__(
        self,
        storage: InMemoryStorage,
        study: _Study,
        trial: _Trial,
        record: FrozenTrial,
        owned: bool,
    ) -> None:
        # the base's four fields set here: one constructor frame per trial instead of two
        self.storage = storage
        self.trial_id = trial.trial_id
        self.record = record
        self.owned = owned
        self._study = study
        self._trial = trial
        self._lock = storage._lock
        self._owner = storage

    def set_param(
        self, name: str, internal: float, external: Any, distribution: BaseDistribution
    ) -> None:
        lock = self._lock
        lock.acquire()
        try:
            trial = self._trial
            study = self._study
            if trial.state is not _RUNNING or study.deleted:
                # raises, or records a parameter of a WAITING trial
                self.storage.set_trial_param(trial.trial_id, name, internal, distribution)
                return
            known_distributions = study.param_distribution
            known = known_distributions.get(name)
            if known is not distribution:
                if known is not None:
                    check_distribution_compatibility(known, distribution)
                known_distributions[name] = distribution
            trial.params[name] = external
            if external is not internal:  # a float parameter: the same object
                trial.internal[name] = internal
            trial.distributions[name] = distribution
            trial.snapshot = None
        finally:
            lock.release()

    def finish(self, state: TrialState, values: Sequence[float] | None = None) -> FrozenTrial:
        # one locked step: the state change and the finished record (no second trial lookup)
        lock = self._lock
        lock.acquire()
        try:
            trial = self._trial
            study = self._study
            if (trial.state is not _RUNNING or study.deleted or state is _RUNNING
                    or state is _WAITING):
                # raises, or the storage's general path (the lock is re-entrant)
                self.storage.set_trial_state_values(trial.trial_id, state, values)
                return self.storage.get_trial(trial.trial_id)
            trial.datetime_complete = _now()
            if values is not None:
                trial.values = list(map(float, values))
            trial.state = state
            trial.snapshot = None
            study.unfinished.discard(trial.number)
            if state is _COMPLETE:
                self._owner._update_best(study, trial)
            return trial.freeze()
        finally:
            lock.release()


# The methods the fast session and ``start_trial`` stand for: a subclass that overrides one of
# them gets the default session, built on its own methods.
_SESSION_METHODS = (
    "create_new_trial", "pop_waiting_trial_id", "get_trial", "set_trial_param",
    "set_trial_state_values",
)


class InMemoryStorage(BaseStorage):
    """A storage that keeps everything in this process's memory. Thread safe; not shared between
    processes, and gone when the process ends (use an RDB or journal storage to persist)."""

    # Optuna's "A new study created in memory" log line; off in subclasses that only hold a
    # replayed copy of another storage (the journal logs its own line).
    _log_new_study = True

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, _Study] = {}
        self._name_to_id: dict[str, int] = {}
        self._trial_index: dict[int, tuple[_Study, _Trial]] = {}
        self._next_study_id = 0
        self._next_trial_id = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # --- helpers ----------------------------------------------------------------------------------

    def _replaced(self, names: tuple[str, ...]) -> bool:
        """True when this instance's class (a subclass) overrides one of the methods ``names``:
        the fast paths that stand for those methods must then step aside. (Patching a method on
        an instance is not detected: reading ``__dict__`` would slow every attribute access.)"""
        cls = type(self)
        return cls is not InMemoryStorage and any(
            getattr(cls, name) is not getattr(InMemoryStorage, name) for name in names
        )

    def _study(self, study_id: int) -> _Study:
        try:
            return self._studies[study_id]
        except KeyError:
            raise KeyError(f"No study with study_id {study_id} exists.") from None

    def _trial(self, trial_id: int) -> tuple[_Study, _Trial]:
        try:
            return self._trial_index[trial_id]
        except KeyError:
            raise KeyError(f"No trial with trial_id {trial_id} exists.") from None

    def _updatable(self, trial_id: int) -> tuple[_Study, _Trial]:
        study, trial = self._trial(trial_id)
        if trial.state.is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished and can not be updated."
            )
        return study, trial

    # --- studies ----------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        with self._lock:
            if study_name is None:
                import uuid  # on first use: it loads `platform`, slow to import

                study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
            if study_name in self._name_to_id:
                raise DuplicatedStudyError(
                    f"Another study with name '{study_name}' already exists. Pass "
                    "load_if_exists=True to load it, or choose another name."
                )
            study_id = self._next_study_id
            self._next_study_id += 1
            self._studies[study_id] = _Study(study_id, study_name, list(directions))
            self._name_to_id[study_name] = study_id
        if self._log_new_study:
            _logger.info(f"A new study created in memory with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            study = self._study(study_id)
            for trial in study.trials:
                del self._trial_index[trial.trial_id]
            del self._name_to_id[study.name]
            del self._studies[study_id]
            study.deleted = True

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).user_attrs[key] = copy.deepcopy(value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).system_attrs[key] = copy.deepcopy(value)

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            try:
                return self._name_to_id[study_name]
            except KeyError:
                names = sorted(self._name_to_id)
                raise KeyError(
                    f"Record does not exist: no study named {study_name!r}. "
                    f"Studies in this storage: {names}."
                ) from None

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._lock:
            return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            return list(self._study(study_id).directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._study(study_id).user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._study(study_id).system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._lock:
            return [
                FrozenStudy(
                    study_name=s.name,
                    direction=None,
                    directions=list(s.directions),
                    user_attrs=copy.deepcopy(s.user_attrs),
                    system_attrs=copy.deepcopy(s.system_attrs),
                    study_id=s.study_id,
                )
                for s in sorted(self._studies.values(), key=lambda s: s.study_id)
            ]

    # --- trials: writes ---------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        self._lock.acquire()
        try:
            study = self._study(study_id)
            trial_id = self._next_trial_id
            self._next_trial_id += 1
            trial = new_trial(len(study.trials), trial_id)
            if template_trial is None:
                trial.datetime_start = _now()
                study.trials.append(trial)
                self._trial_index[trial_id] = (study, trial)
                study.unfinished.add(trial.number)
                return trial_id
            t = template_trial
            for name, dist in t.distributions.items():
                if name in study.param_distribution:
                    check_distribution_compatibility(study.param_distribution[name], dist)
            trial.state = t.state
            trial.values = None if t.values is None else list(t.values)
            trial.datetime_start = t.datetime_start
            trial.datetime_complete = t.datetime_complete
            trial.params = dict(t.params)
            trial.distributions = dict(t.distributions)
            trial.internal = {
                n: d.to_internal_repr(t.params[n]) for n, d in t.distributions.items()
            }
            trial.user_attrs = copy.deepcopy(t.user_attrs)
            trial.system_attrs = copy.deepcopy(t.system_attrs)
            trial.intermediate_values = dict(t.intermediate_values)
            study.param_distribution.update(t.distributions)
            if t.state == _WAITING:
                study.waiting.append(trial_id)
            study.trials.append(trial)
            self._trial_index[trial_id] = (study, trial)
            study.touched(trial)
            if trial.state == _COMPLETE:
                self._update_best(study, trial)
            return trial_id
        finally:
            self._lock.release()

    def start_trial(self, study_id: int) -> TrialSession:
        """``BaseStorage.start_trial`` in one locked step when nothing is enqueued: the session's
        record is new and the caller's own (``owned``)."""
        if type(self) is not InMemoryStorage and self._replaced(_SESSION_METHODS):
            return super().start_trial(study_id)
        lock = self._lock
        lock.acquire()
        try:
            study = self._studies.get(study_id) or self._study(study_id)  # (raises)
            if study.waiting:
                trial_id = None
            else:
                trial_id = self._next_trial_id
                self._next_trial_id = trial_id + 1
                trials = study.trials
                number = len(trials)
                # ``new_trial(number, trial_id)`` without its call frame (once per trial)
                trial = _Trial()
                trial.number = number
                trial.trial_id = trial_id
                trial.state = _RUNNING
                trial.values = None
                trial.datetime_start = start = _now()
                trial.datetime_complete = None
                trial.params = {}
                trial.internal = {}
                trial.distributions = {}
                trial.user_attrs = {}
                trial.system_attrs = {}
                trial.intermediate_values = {}
                trial.snapshot = None
                trials.append(trial)
                self._trial_index[trial_id] = (study, trial)
                study.unfinished.add(number)
        finally:
            lock.release()
        if trial_id is None:  # an enqueued trial: take it the usual way
            return super().start_trial(study_id)
        record = FrozenTrial._make(
            number, _RUNNING, None, start, None, {}, {}, {}, {}, {}, trial_id
        )
        return _Session(self, study, trial, record, True)

    def open_trial(self, trial_id: int) -> TrialSession:
        if type(self) is not InMemoryStorage and self._replaced(_SESSION_METHODS):
            return super().open_trial(trial_id)
        study, trial = self._trial(trial_id)
        return _Session(self, study, trial, self.get_trial(trial_id), False)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._lock.acquire()
        try:
            entry = self._trial_index.get(trial_id)
            if entry is None or (entry[1].state is not _RUNNING and entry[1].state is not _WAITING):
                self._updatable(trial_id)  # raises the right error
            study, trial = entry  # type: ignore[misc]
            known = study.param_distribution.get(param_name)
            if known is not distribution:
                if known is not None:
                    check_distribution_compatibility(known, distribution)
                study.param_distribution[param_name] = distribution
            trial.params[param_name] = distribution.to_external_repr(param_value_internal)
            trial.internal[param_name] = param_value_internal
            trial.distributions[param_name] = distribution
            trial.snapshot = None  # the trial stays RUNNING: nothing else to track
        finally:
            self._lock.release()

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        self._lock.acquire()
        try:
            entry = self._trial_index.get(trial_id)
            if entry is None:
                self._trial(trial_id)  # raises the right error
            study, trial = entry  # type: ignore[misc]
            current = trial.state
            if current is not _RUNNING and current is not _WAITING:
                raise UpdateFinishedTrialError(
                    f"Trial#{trial.number} has already finished and can not be updated."
                )
            if state == _RUNNING and current is not _WAITING:
                return False
            if state == _RUNNING:
                trial.datetime_start = _now()
                try:
                    study.waiting.remove(trial_id)
                except ValueError:
                    pass
            elif state != _WAITING:
                trial.datetime_complete = _now()
            if values is not None:
                trial.values = list(map(float, values))
            trial.state = state
            study.touched(trial)
            if state == _COMPLETE:
                self._update_best(study, trial)
            return True
        finally:
            self._lock.release()

    def _update_best(self, study: _Study, trial: _Trial) -> None:
        values = trial.values
        if values is None or len(study.directions) != 1:
            return
        best_number = study.best_number
        if best_number is None:
            study.best_number = trial.number
            return
        best = study.trials[best_number].values
        assert best is not None
        # ``_MAXIMIZE``, not ``StudyDirection.MAXIMIZE``: an Enum class attribute read goes
        # through ``EnumType.__getattr__`` (about 1 000 instructions on CPython 3.11)
        if values[0] > best[0] if study.directions[0] is _MAXIMIZE else values[0] < best[0]:
            study.best_number = trial.number

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        study = self._studies.get(study_id)
        if study is not None and not study.waiting:  # nothing enqueued: no lock needed to see it
            return None
        with self._lock:
            study = self._study(study_id)
            while study.waiting:
                trial_id = study.waiting[0]
                if self.set_trial_state_values(trial_id, _RUNNING):
                    return trial_id
                study.waiting.popleft()
            return None

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._lock:
            study, trial = self._updatable(trial_id)
            trial.intermediate_values[step] = intermediate_value
            study.touched(trial)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            study, trial = self._updatable(trial_id)
            trial.user_attrs[key] = value if type(value) in _IMMUTABLE else copy.deepcopy(value)
            study.touched(trial)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            study, trial = self._updatable(trial_id)
            trial.system_attrs[key] = value if type(value) in _IMMUTABLE else copy.deepcopy(value)
            study.touched(trial)

    # --- trials: reads ----------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        self._lock.acquire()
        try:
            entry = self._trial_index.get(trial_id)
            if entry is None:
                self._trial(trial_id)  # raises the right error
            return entry[1].freeze()  # type: ignore[index]
        finally:
            self._lock.release()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            trials = self._study(study_id).trials
            if states is None:
                result = [t.freeze() for t in trials]
            else:
                result = [t.freeze() for t in trials if t.state in states]
        if deepcopy:
            return [copy.deepcopy(t) for t in result]
        return result

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        with self._lock:
            study = self._study(study_id)
            trials = study.trials
            mark = (len(trials), frozenset(study.unfinished))
            if watermark is None:
                return [t.freeze() for t in trials], mark
            n_known, unfinished = watermark
            numbers = sorted(unfinished.union(range(n_known, len(trials))))
            return [trials[n].freeze() for n in numbers], mark

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        with self._lock:
            trials = self._study(study_id).trials
            if state is None:
                return len(trials)
            if isinstance(state, TrialState):
                state = (state,)
            return sum(1 for t in trials if t.state in state)

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        with self._lock:
            study = self._study(study_id)
            if len(study.directions) > 1:
                raise RuntimeError(
                    "Best trial can be obtained only for single-objective optimization: "
                    "use `best_trials`."
                )
            if study.best_number is None:
                raise ValueError("No trials are completed yet.")
            return study.trials[study.best_number].freeze()

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            trials = self._study(study_id).trials
            if 0 <= trial_number < len(trials):
                return trials[trial_number].trial_id
            raise KeyError(
                f"No trial with trial number {trial_number} exists in study with study_id "
                f"{study_id}."
            )

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._lock:
            return self._trial(trial_id)[1].number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        with self._lock:
            trial = self._trial(trial_id)[1]
            internal = trial.internal.get(param_name)
            if internal is None:  # float parameters keep only their (identical) external value
                internal = float(trial.params[param_name])
            return internal

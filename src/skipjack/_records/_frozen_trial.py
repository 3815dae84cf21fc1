"""``FrozenTrial``: the record of one trial (Optuna's, setters included), and ``create_trial``.

Design note: storages never mutate a record they handed out; they build a new one for every state
(the in-memory storage caches it until the next write). A record is therefore a consistent
snapshot that can be shared between threads and samplers without copies
(``get_trials(deepcopy=False)``), while the public paths that hand records to user code
(``study.trials``, ``get_trials()``, ``best_trial(s)``, ``tell``, callbacks) give copies, so a
user who mutates one (as Optuna allows) never changes what the storage holds. ``_make`` builds a
record without validation for storages that have already checked their data.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Sequence
from typing import Any

from skipjack.distributions import (
    BaseDistribution,
    _convert_old_distribution_to_new_distribution,
    check_distribution_compatibility,
)
from skipjack._records._state import TrialState
from skipjack._records._suggest import SuggestAPI, as_external

__all__ = ["FrozenTrial", "create_trial", "CONSTRAINTS_KEY", "CONSTRAINT_NAMES_KEY",
           "with_constraint", "constraints_of"]

# System attribute keys shared with Optuna's samplers (constraints as a list of floats).
CONSTRAINTS_KEY = "constraints"
# skipjack's own key: the names given to ``Trial.set_constraint``, in the order of the list above.
CONSTRAINT_NAMES_KEY = "skipjack:constraint_names"


def with_constraint(
    system_attrs: dict[str, Any], key: str, value: Any
) -> tuple[list[str], list[float]] | None:
    """The constraint names and values of ``system_attrs`` with ``key`` set to ``value`` (new
    lists; ``system_attrs`` is not changed), or None when ``key`` is set already: as Optuna's
    ``set_constraint``, a constraint is not overridden (a UserWarning says so).

    Raises:
        TypeError: ``value`` is not a number.
        ValueError: ``value`` is NaN.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"The value of constraint {key!r} must be a float. Got {value!r} of type "
            f"{type(value).__name__}."
        ) from None
    if math.isnan(number):
        raise ValueError(f"The value of constraint {key!r} must not be NaN.")
    names = list(system_attrs.get(CONSTRAINT_NAMES_KEY) or [])
    if key in names or f"{CONSTRAINTS_KEY}:{key}" in system_attrs:
        warnings.warn(
            f"The constraint value is ignored because the constraint {key!r} is already set.",
            stacklevel=3,
        )
        return None
    values = list(system_attrs.get(CONSTRAINTS_KEY) or [])
    names.append(key)
    values.append(number)
    return names, values


def constraints_of(system_attrs: dict[str, Any]) -> dict[str, float]:
    """The constraint values recorded in ``system_attrs``, by name: skipjack's list under
    ``constraints`` (names under ``skipjack:constraint_names``, else "0", "1"...) and Optuna 5's
    per-name ``constraints:<name>`` entries."""
    result: dict[str, float] = {}
    values = system_attrs.get(CONSTRAINTS_KEY)
    if values is not None:
        names = system_attrs.get(CONSTRAINT_NAMES_KEY) or [str(i) for i in range(len(values))]
        result.update(zip(names, values))
    prefix = CONSTRAINTS_KEY + ":"
    for k, v in system_attrs.items():
        if k.startswith(prefix):
            result[k[len(prefix):]] = v
    return result


# Fields Optuna keeps as plain attributes (no leading underscore) in its ``FrozenTrial.__dict__``.
_OPTUNA_ATTR = {
    "_state": "state",
    "_datetime_complete": "datetime_complete",
    "_intermediate_values": "intermediate_values",
}


class FrozenTrial(SuggestAPI):
    """Status and results of a trial, as Optuna's ``FrozenTrial``: a plain record with setters.

    Storages hand out records; what a storage holds never changes when a caller mutates a
    record obtained from ``study.trials``, ``get_trials()``, ``best_trial``, ``best_trials``,
    ``tell`` or a callback (those are copies). ``get_trials(deepcopy=False)`` returns records
    shared with the storage: read them, do not mutate them.

    Records compare equal when every field is equal and sort by trial number. A FrozenTrial can
    also stand in for a trial when an objective is re-run: its ``suggest_*`` methods return the
    recorded values.

    The constructor does not validate (as Optuna's); ``create_trial`` and ``Study.add_trial``
    call ``_validate``.

    Raises:
        ValueError: on construction, when both ``value`` and ``values`` are given.
    """

    __slots__ = (
        "_number",
        "_state",
        "_values",
        "_datetime_start",
        "_datetime_complete",
        "_params",
        "_distributions",
        "_user_attrs",
        "_system_attrs",
        "_intermediate_values",
        "_trial_id",
    )

    # Optuna's field order (its ``__dict__`` order): used by ``__repr__`` and ``__hash__``.
    _FIELDS = (
        "_number",
        "_state",
        "_values",
        "_datetime_start",
        "_datetime_complete",
        "_params",
        "_user_attrs",
        "_system_attrs",
        "_intermediate_values",
        "_distributions",
        "_trial_id",
    )

    def __init__(
        self,
        number: int,
        state: TrialState,
        value: float | None,
        datetime_start: datetime.datetime | None,
        datetime_complete: datetime.datetime | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        intermediate_values: dict[int, float],
        trial_id: int,
        *,
        values: Sequence[float] | None = None,
    ) -> None:
        if value is not None and values is not None:
            raise ValueError(
                "FrozenTrial takes either `value` or `values`, not both: pass `values=[...]` "
                "for several objectives."
            )
        self._number = number
        self._state = state
        if value is not None:
            self._values: list[float] | None = [value]
        else:
            self._values = list(values) if values is not None else None
        self._datetime_start = datetime_start
        self._datetime_complete = datetime_complete
        self._params = params
        self._distributions = distributions
        self._user_attrs = user_attrs
        self._system_attrs = system_attrs
        self._intermediate_values = intermediate_values
        self._trial_id = trial_id

    @classmethod
    def _make(
        cls,
        number: int,
        state: TrialState,
        values: list[float] | None,
        datetime_start: datetime.datetime | None,
        datetime_complete: datetime.datetime | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        intermediate_values: dict[int, float],
        trial_id: int,
    ) -> FrozenTrial:
        """Build a record from data a storage has already validated; takes ownership of the dicts."""
        t = object.__new__(cls)
        t._number = number
        t._state = state
        t._values = values
        t._datetime_start = datetime_start
        t._datetime_complete = datetime_complete
        t._params = params
        t._distributions = distributions
        t._user_attrs = user_attrs
        t._system_attrs = system_attrs
        t._intermediate_values = intermediate_values
        t._trial_id = trial_id
        return t

    def _replace(self, **changes: Any) -> FrozenTrial:
        """Return a copy with some fields replaced (names without the leading underscore)."""
        fields = {s[1:]: getattr(self, s) for s in self.__slots__}
        fields.update(changes)
        return FrozenTrial._make(**fields)

    # --- validation -------------------------------------------------------------------------------

    def _validate(self) -> None:
        """Check that the record is consistent (Optuna's rules).

        Raises:
            ValueError: the message names the inconsistent field.
        """
        state = self._state
        if not isinstance(state, TrialState):
            raise ValueError(f"`state` must be a TrialState, got {state!r}.")
        if state != TrialState.WAITING and self._datetime_start is None:
            raise ValueError(
                f"`datetime_start` is required for a trial in state {state.name}; only WAITING "
                "trials have no start time."
            )
        if state.is_finished():
            if self._datetime_complete is None:
                raise ValueError(f"`datetime_complete` is required for a {state.name} trial.")
        elif self._datetime_complete is not None:
            raise ValueError(f"`datetime_complete` must be None for a {state.name} trial.")
        if state == TrialState.FAIL and self._values is not None:
            raise ValueError(
                f"A FAIL trial has no objective values; got values={self._values!r}."
            )
        if state == TrialState.COMPLETE:
            if self._values is None:
                raise ValueError(
                    "A COMPLETE trial needs its objective value: pass `value=` or `values=`."
                )
            for v in self._values:
                if math.isnan(v):
                    raise ValueError(
                        f"A COMPLETE trial cannot have a NaN value (got values={self._values!r}); "
                        "use state=FAIL for a trial whose objective gave NaN."
                    )
        if set(self._params) != set(self._distributions):
            raise ValueError(
                "`params` and `distributions` must have the same keys; got params "
                f"{sorted(self._params)} and distributions {sorted(self._distributions)}."
            )
        for name, value in self._params.items():
            distribution = self._distributions[name]
            try:
                internal = distribution.to_internal_repr(value)
            except ValueError as e:
                raise ValueError(f"Parameter {name!r}: {e}") from None
            if not distribution._contains(internal):
                raise ValueError(
                    f"The value {value!r} of parameter {name!r} is outside its distribution "
                    f"{distribution!r}."
                )

    # --- properties -------------------------------------------------------------------------------

    @property
    def number(self) -> int:
        """The trial's number: 0, 1, 2... in order of creation within its study."""
        return self._number

    @number.setter
    def number(self, value: int) -> None:
        self._number = value

    @property
    def trial_id(self) -> int:
        """The trial's storage-wide id (unique across studies of one storage)."""
        return self._trial_id

    @property
    def state(self) -> TrialState:
        """The trial's state."""
        return self._state

    @state.setter
    def state(self, value: TrialState) -> None:
        self._state = value

    @property
    def value(self) -> float | None:
        """The objective value of a single-objective trial (None if not finished).

        Raises:
            RuntimeError: the trial has several objective values; use ``values``.
        """
        values = self._values
        if values is None:
            return None
        if len(values) != 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization: "
                "use `values`."
            )
        return values[0]

    @value.setter
    def value(self, v: float | None) -> None:
        if self._values is not None and len(self._values) > 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization: "
                "set `values`."
            )
        self._values = None if v is None else [v]

    @property
    def values(self) -> list[float] | None:
        """The objective values (None if not finished); set from any sequence (stored as a list)."""
        return self._values

    @values.setter
    def values(self, v: Sequence[float] | None) -> None:
        self._values = None if v is None else list(v)

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started (None while WAITING)."""
        return self._datetime_start

    @datetime_start.setter
    def datetime_start(self, value: datetime.datetime | None) -> None:
        self._datetime_start = value

    @property
    def datetime_complete(self) -> datetime.datetime | None:
        """When the trial finished (None while not finished)."""
        return self._datetime_complete

    @datetime_complete.setter
    def datetime_complete(self, value: datetime.datetime | None) -> None:
        self._datetime_complete = value

    @property
    def params(self) -> dict[str, Any]:
        """Parameter values as the objective saw them."""
        return self._params

    @params.setter
    def params(self, value: dict[str, Any]) -> None:
        self._params = value

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """The distribution each parameter was suggested from."""
        return self._distributions

    @distributions.setter
    def distributions(self, value: dict[str, BaseDistribution]) -> None:
        self._distributions = value

    @property
    def user_attrs(self) -> dict[str, Any]:
        """Attributes set with ``set_user_attr``."""
        return self._user_attrs

    @user_attrs.setter
    def user_attrs(self, value: dict[str, Any]) -> None:
        self._user_attrs = value

    @property
    def system_attrs(self) -> dict[str, Any]:
        """Attributes skipjack and its samplers keep about the trial."""
        return self._system_attrs

    @system_attrs.setter
    def system_attrs(self, value: dict[str, Any]) -> None:
        self._system_attrs = value

    @property
    def intermediate_values(self) -> dict[int, float]:
        """Values reported with ``report``, by step."""
        return self._intermediate_values

    @intermediate_values.setter
    def intermediate_values(self, value: dict[int, float]) -> None:
        self._intermediate_values = value

    @property
    def last_step(self) -> int | None:
        """The largest reported step, or None."""
        if not self._intermediate_values:
            return None
        return max(self._intermediate_values)

    @property
    def duration(self) -> datetime.timedelta | None:
        """``datetime_complete - datetime_start``, or None."""
        if self._datetime_start is None or self._datetime_complete is None:
            return None
        return self._datetime_complete - self._datetime_start

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values by name; a trial is feasible when every value is <= 0."""
        return constraints_of(self._system_attrs)

    # --- attributes (on this record only: a record is not connected to a storage) ----------------

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute on this record (the storage is not written)."""
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Deprecated since Optuna 3.1: set a system attribute on this record."""
        warnings.warn(
            "FrozenTrial.set_system_attr has been deprecated in v3.1.0. This feature will be "
            "removed in v6.0.0. Use FrozenTrial.set_user_attr instead.",
            FutureWarning,
            stacklevel=2,
        )
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record constraint ``key`` on this record; feasible when every value is <= 0.

        Raises:
            ValueError: ``value`` is not a number, or is NaN.
        """
        update = with_constraint(self._system_attrs, key, value)
        if update is not None:
            self._system_attrs[CONSTRAINT_NAMES_KEY] = update[0]
            self._system_attrs[CONSTRAINTS_KEY] = update[1]

    # --- the fixed-trial protocol: re-run an objective on a recorded trial -----------------------

    def report(self, value: float, step: int) -> None:
        """Does nothing: a recorded trial cannot take new intermediate values."""

    def should_prune(self) -> bool:
        """Always False: a recorded trial is never pruned."""
        return False

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise ValueError(
                f"The value of the parameter {name!r} is not found: this record holds "
                f"{sorted(self._params)}; set it in the record's `params`."
            )
        value = self._params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            warnings.warn(
                f"The value {value!r} of the parameter {name!r} is out of the range of "
                f"{distribution!r}.",
                stacklevel=3,
            )
        recorded = self._distributions.get(name)
        if recorded is not None:
            check_distribution_compatibility(recorded, distribution)
        self._distributions[name] = distribution
        return as_external(distribution, value)

    # --- value semantics (Optuna's) ---------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __lt__(self, other: FrozenTrial) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._number < other._number

    def __le__(self, other: FrozenTrial) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._number <= other._number

    def __hash__(self) -> int:
        # As Optuna's: the hash of all fields, so a record holding dicts is not hashable
        # (TypeError), and equal records hash equal.
        return hash(tuple(getattr(self, f) for f in self._FIELDS))

    def __repr__(self) -> str:
        # As Optuna's: ``eval(repr(trial)) == trial`` with the record classes in scope.
        fields = ", ".join(f"{f[1:]}={getattr(self, f)!r}" for f in self._FIELDS)
        return f"FrozenTrial({fields}, value=None)"

    @property
    def __dict__(self) -> dict[str, Any]:  # type: ignore[override]
        """A new dict of the fields under Optuna's attribute names (add-ons read ``trial.__dict__``)."""
        return {_OPTUNA_ATTR.get(f, f): getattr(self, f) for f in self._FIELDS}

    def __getstate__(self) -> dict[str, Any]:
        return {s: getattr(self, s) for s in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def __copy__(self) -> FrozenTrial:
        # a new record sharing the field values (as ``copy.copy`` of Optuna's record)
        return FrozenTrial._make(
            self._number, self._state, self._values, self._datetime_start,
            self._datetime_complete, self._params, self._distributions, self._user_attrs,
            self._system_attrs, self._intermediate_values, self._trial_id,
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenTrial:
        return FrozenTrial._make(
            self._number,
            self._state,
            None if self._values is None else list(self._values),
            self._datetime_start,
            self._datetime_complete,
            _copy_plain(self._params, memo),
            dict(self._distributions),
            _copy_plain(self._user_attrs, memo),
            _copy_plain(self._system_attrs, memo),
            dict(self._intermediate_values),
            self._trial_id,
        )


_SCALARS = (str, int, float, bool, type(None))



def _copy_plain(d: dict[Any, Any], memo: dict[int, Any]) -> dict[Any, Any]:
    """A deep copy of ``d``; a dict copy when every value is immutable (the common case)."""
    for v in d.values():
        if type(v) not in _SCALARS:
            import copy

            return copy.deepcopy(d, memo)
    return dict(d)


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    user_attrs: dict[str, Any] | None = None,
    system_attrs: dict[str, Any] | None = None,
    intermediate_values: dict[int, float] | None = None,
    constraints: Sequence[float] | dict[str, float] | None = None,
) -> FrozenTrial:
    """Build a validated trial record, e.g. to pass to ``Study.add_trial``.

    Raises:
        ValueError: the record is inconsistent; the message says which field to fix.
    """
    now = datetime.datetime.now()
    system_attrs = dict(system_attrs or {})
    if constraints is not None:
        if isinstance(constraints, dict):
            names = list(constraints)
            values_ = [_constraint_value(k, v) for k, v in constraints.items()]
            system_attrs[CONSTRAINT_NAMES_KEY] = names
        else:
            values_ = [_constraint_value(str(i), v) for i, v in enumerate(constraints)]
        system_attrs[CONSTRAINTS_KEY] = values_
    distributions = {
        k: _convert_old_distribution_to_new_distribution(d)
        for k, d in (distributions or {}).items()
    }
    trial = FrozenTrial(
        number=-1,
        state=state,
        value=value,
        values=values,
        datetime_start=None if state == TrialState.WAITING else now,
        datetime_complete=now if state.is_finished() else None,
        params=dict(params or {}),
        distributions=distributions,
        user_attrs=dict(user_attrs or {}),
        system_attrs=system_attrs,
        intermediate_values=dict(intermediate_values or {}),
        trial_id=-1,
    )
    trial._validate()
    return trial


def _constraint_value(key: str, value: Any) -> float:
    """``value`` as a float (Optuna: TypeError when it is not a number, ValueError for NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"The value of constraint {key!r} must be a float. Got {value!r} of type "
            f"{type(value).__name__}."
        ) from None
    if math.isnan(number):
        raise ValueError(f"The value of constraint {key!r} must not be NaN.")
    return number

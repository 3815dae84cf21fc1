"""``FrozenTrial``: the immutable record of one trial, and ``create_trial`` to build one.

Design note: Optuna's FrozenTrial has setters and is mutated in place by the storages and by the
live trial. Here a record never changes after it is built: storages build a new record for every
state they hand out, so a record a caller holds is a consistent snapshot (pass-by-value) and can be
shared between threads without copies. ``_make`` builds a record without validation for storages
that have already checked their data; every public path validates.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Sequence
from typing import Any

from skipjack.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    check_distribution_compatibility,
)
from skipjack._records._state import TrialState

__all__ = ["FrozenTrial", "create_trial", "CONSTRAINTS_KEY", "CONSTRAINT_NAMES_KEY",
           "with_constraint"]

# System attribute keys shared with Optuna's samplers (constraints as a list of floats).
CONSTRAINTS_KEY = "constraints"
# skipjack's own key: the names given to ``Trial.set_constraint``, in the order of the list above.
CONSTRAINT_NAMES_KEY = "skipjack:constraint_names"


def with_constraint(
    system_attrs: dict[str, Any], key: str, value: Any
) -> tuple[list[str], list[float]]:
    """The constraint names and values of ``system_attrs`` with ``key`` set to ``value`` (new
    lists; ``system_attrs`` is not changed).

    Raises:
        ValueError: ``value`` is not a float, or is NaN.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"The value of constraint {key!r} must be a float. Got {value!r}.") from None
    if math.isnan(number):
        raise ValueError(f"The value of constraint {key!r} must not be NaN.")
    names = list(system_attrs.get(CONSTRAINT_NAMES_KEY) or [])
    values = list(system_attrs.get(CONSTRAINTS_KEY) or [])
    if key in names:
        values[names.index(key)] = number
    else:
        names.append(key)
        values.append(number)
    return names, values


class FrozenTrial:
    """Status and results of a trial: an immutable record.

    Records sort and hash by trial number. A FrozenTrial can also stand in for a trial when an
    objective is re-run: its ``suggest_*`` methods return the recorded values.

    Raises:
        ValueError: on construction, when the record is inconsistent (e.g. a COMPLETE trial without
            values, parameters without distributions, a value outside its distribution).
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
        if value is not None:
            values = [value]
        self._number = number
        self._state = state
        self._values = list(values) if values is not None else None
        self._datetime_start = datetime_start
        self._datetime_complete = datetime_complete
        self._params = dict(params)
        self._distributions = dict(distributions)
        self._user_attrs = dict(user_attrs)
        self._system_attrs = dict(system_attrs)
        self._intermediate_values = dict(intermediate_values)
        self._trial_id = trial_id
        self._validate()

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

    @property
    def trial_id(self) -> int:
        """The trial's storage-wide id (unique across studies of one storage)."""
        return self._trial_id

    @property
    def state(self) -> TrialState:
        """The trial's state."""
        return self._state

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

    @property
    def values(self) -> list[float] | None:
        """The objective values (None if not finished)."""
        return self._values

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started (None while WAITING)."""
        return self._datetime_start

    @property
    def datetime_complete(self) -> datetime.datetime | None:
        """When the trial finished (None while not finished)."""
        return self._datetime_complete

    @property
    def params(self) -> dict[str, Any]:
        """Parameter values as the objective saw them."""
        return self._params

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """The distribution each parameter was suggested from."""
        return self._distributions

    @property
    def user_attrs(self) -> dict[str, Any]:
        """Attributes set with ``set_user_attr``."""
        return self._user_attrs

    @property
    def system_attrs(self) -> dict[str, Any]:
        """Attributes skipjack and its samplers keep about the trial."""
        return self._system_attrs

    @property
    def intermediate_values(self) -> dict[int, float]:
        """Values reported with ``report``, by step."""
        return self._intermediate_values

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
        values = self._system_attrs.get(CONSTRAINTS_KEY)
        if values is None:
            return {}
        names = self._system_attrs.get(CONSTRAINT_NAMES_KEY) or [
            f"constraint_{i}" for i in range(len(values))
        ]
        return dict(zip(names, values))

    # --- the fixed-trial protocol: re-run an objective on a recorded trial -----------------------

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Return the recorded value of ``name`` (checked against the given distribution)."""
        return float(self._suggest(name, FloatDistribution(low, high, log=log, step=step)))

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float``."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(..., log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated: use ``suggest_float(..., step=q)``."""
        return self.suggest_float(name, low, high, step=q)

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Return the recorded value of ``name`` (checked against the given distribution)."""
        return int(self._suggest(name, IntDistribution(low, high, log=log, step=step)))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Return the recorded value of ``name`` (checked against the given choices)."""
        value: CategoricalChoiceType = self._suggest(name, CategoricalDistribution(choices))
        return value

    def report(self, value: float, step: int) -> None:
        """Does nothing: a recorded trial cannot take new intermediate values."""

    def should_prune(self) -> bool:
        """Always False: a recorded trial is never pruned."""
        return False

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise ValueError(
                f"The parameter {name!r} is not in this trial's recorded params "
                f"{sorted(self._params)}."
            )
        recorded = self._distributions[name]
        check_distribution_compatibility(recorded, distribution)
        value = self._params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            warnings.warn(
                f"The value {value!r} of the parameter {name!r} is out of the range of "
                f"{distribution!r}.",
                stacklevel=3,
            )
        return value

    # --- value semantics --------------------------------------------------------------------------

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
        return hash((self._number, self._trial_id))

    def __repr__(self) -> str:
        return (
            f"FrozenTrial(number={self._number!r}, state={self._state!r}, "
            f"values={self._values!r}, datetime_start={self._datetime_start!r}, "
            f"datetime_complete={self._datetime_complete!r}, params={self._params!r}, "
            f"user_attrs={self._user_attrs!r}, system_attrs={self._system_attrs!r}, "
            f"intermediate_values={self._intermediate_values!r}, "
            f"distributions={self._distributions!r}, trial_id={self._trial_id!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {s: getattr(self, s) for s in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def __copy__(self) -> FrozenTrial:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenTrial:
        import copy

        return FrozenTrial._make(
            self._number,
            self._state,
            None if self._values is None else list(self._values),
            self._datetime_start,
            self._datetime_complete,
            copy.deepcopy(self._params, memo),
            dict(self._distributions),
            copy.deepcopy(self._user_attrs, memo),
            copy.deepcopy(self._system_attrs, memo),
            dict(self._intermediate_values),
            self._trial_id,
        )


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
            system_attrs[CONSTRAINT_NAMES_KEY] = list(constraints)
            system_attrs[CONSTRAINTS_KEY] = [float(v) for v in constraints.values()]
        else:
            system_attrs[CONSTRAINTS_KEY] = [float(v) for v in constraints]
    return FrozenTrial(
        number=-1,
        state=state,
        value=value,
        values=values,
        datetime_start=None if state == TrialState.WAITING else now,
        datetime_complete=now if state.is_finished() else None,
        params=params or {},
        distributions=distributions or {},
        user_attrs=user_attrs or {},
        system_attrs=system_attrs,
        intermediate_values=intermediate_values or {},
        trial_id=-1,
    )

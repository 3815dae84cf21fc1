"""Parameter distributions: the search space of one parameter.

Design note: ``decimal`` and ``json`` are imported where they are used (step checks, the JSON
form), not at module load, to keep ``import skipjack`` cheap.

Internal representation: every parameter value is stored as a float ("internal repr"): the value
itself for float and int parameters, the index of the choice for categorical ones. The JSON form
(``distribution_to_json``) is Optuna's, byte for byte, because the RDB and journal formats store it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Union

from skipjack._validation import check_bound, check_choices, check_log, check_step

__all__ = [
    "BaseDistribution",
    "FloatDistribution",
    "IntDistribution",
    "CategoricalDistribution",
    "UniformDistribution",
    "LogUniformDistribution",
    "DiscreteUniformDistribution",
    "IntUniformDistribution",
    "IntLogUniformDistribution",
    "CategoricalChoiceType",
    "json_to_distribution",
    "DISTRIBUTION_CLASSES",
    "distribution_to_json",
    "check_distribution_compatibility",
]

CategoricalChoiceType = Union[None, bool, int, float, str]


class BaseDistribution:
    """A parameter's search space. Subclasses are immutable value objects.

    Design note: distributions use ``__slots__`` and compare by value. They are created on every
    ``suggest_*`` call, so construction is on the hot path and kept cheap.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def to_external_repr(self, param_value_in_internal_repr: float) -> Any:
        """Convert a stored (internal) value to the value the objective sees."""
        return param_value_in_internal_repr

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        """Convert a value the objective sees to its stored (internal) float."""
        return float(param_value_in_external_repr)

    def single(self) -> bool:
        """Return True if the distribution holds exactly one value."""
        raise NotImplementedError

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        raise NotImplementedError

    def _asdict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self._fields}

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(self) is not type(other):
            return False
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(getattr(self, f) for f in self._fields))

    def __repr__(self) -> str:
        kwargs = ", ".join(f"{k}={v!r}" for k, v in sorted(self._asdict().items()))
        return f"{type(self).__name__}({kwargs})"

    def __getstate__(self) -> dict[str, Any]:
        return {
            s: getattr(self, s)
            for cls in type(self).__mro__
            for s in getattr(cls, "__slots__", ())
            if not s.startswith("_")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; create a new distribution.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; create a new distribution.")


def _adjust_discrete_high(low: float, high: float, step: float) -> float:
    import decimal

    d_high = decimal.Decimal(str(high))
    d_low = decimal.Decimal(str(low))
    d_step = decimal.Decimal(str(step))
    d_r = d_high - d_low
    if d_r % d_step != decimal.Decimal("0"):
        old_high = high
        high = float((d_r // d_step) * d_step + d_low)
        warnings.warn(
            f"The distribution is specified by [{low}, {old_high}] and step={step}, but the range "
            f"is not divisible by `step`. It will be replaced by [{low}, {high}].",
            stacklevel=4,
        )
    return high


def _adjust_int_high(low: int, high: int, step: int) -> int:
    r = high - low
    if r % step != 0:
        old_high = high
        high = r // step * step + low
        warnings.warn(
            f"The distribution is specified by [{low}, {old_high}] and step={step}, but the range "
            f"is not divisible by `step`. It will be replaced by [{low}, {high}].",
            stacklevel=4,
        )
    return high


_set = object.__setattr__


class FloatDistribution(BaseDistribution):
    """A float parameter in ``[low, high]``, optionally log-scaled or discretized by ``step``.

    Raises:
        TypeError: a bound or ``step`` that is not a real number, ``log`` that is not a bool.
        ValueError: an infinite or NaN bound; ``low > high``; ``log=True`` with ``low <= 0``;
            ``step`` together with ``log``; ``step <= 0``. The message names the argument and
            the fix (rules in ``skipjack._validation``).
    """

    __slots__ = ("step", "low", "high", "log")
    _fields: tuple[str, ...] = ("step", "low", "high", "log")

    step: float | None
    low: float
    high: float
    log: bool

    def __init__(
        self, low: float, high: float, log: bool = False, step: float | None = None
    ) -> None:
        check_bound(low, "low", "FloatDistribution/suggest_float", finite=False)
        check_bound(high, "high", "FloatDistribution/suggest_float", finite=False)
        check_step(step, "step", "FloatDistribution/suggest_float")
        check_log(log, "FloatDistribution/suggest_float")
        if log and step is not None:
            raise ValueError(
                f"FloatDistribution cannot combine log=True with step={step!r}: "
                "pass either log=True or a step, not both."
            )
        if low > high:  # as Optuna: NaN and infinite bounds build (suggest_* refuses them)
            raise ValueError(
                f"FloatDistribution needs low <= high, got low={low!r} > high={high!r}: "
                "swap the bounds or fix the range."
            )
        if log and low <= 0.0:
            raise ValueError(
                f"FloatDistribution with log=True needs low > 0, got low={low!r}: "
                "use a positive lower bound or log=False."
            )
        if step is not None:
            if step <= 0:
                raise ValueError(
                    f"The 'step' of FloatDistribution must be > 0. Got {step!r}."
                )
            high = _adjust_discrete_high(low, high, step)
            step = float(step)
        _set(self, "step", step)
        _set(self, "low", float(low))
        _set(self, "high", float(high))
        _set(self, "log", bool(log))

    def single(self) -> bool:
        if self.step is None:
            return self.low == self.high
        if self.low == self.high:
            return True
        import decimal

        high = decimal.Decimal(str(self.high))
        low = decimal.Decimal(str(self.low))
        step = decimal.Decimal(str(self.step))
        return (high - low) < step

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        if self.step is None:
            return self.low <= value <= self.high
        k = (value - self.low) / self.step
        return self.low <= value <= self.high and abs(k - round(k)) < 1.0e-8

    def to_internal_repr(self, param_value_in_external_repr: float) -> float:
        try:
            value = float(param_value_in_external_repr)
        except (ValueError, TypeError) as e:
            raise ValueError(
                f"'{param_value_in_external_repr!r}' is not a valid value of FloatDistribution: "
                "pass a real number."
            ) from e
        if math.isnan(value):
            raise ValueError(f"NaN is not a valid value of {self!r}.")
        if self.log and value <= 0.0:
            raise ValueError(
                f"The value {param_value_in_external_repr!r} is not a valid value of {self!r}: "
                "a log-scaled distribution takes positive values only."
            )
        return value


class IntDistribution(BaseDistribution):
    """An int parameter in ``[low, high]``, optionally log-scaled or with a ``step``.

    Raises:
        TypeError: a bound or ``step`` that is not a real number, ``log`` that is not a bool.
        ValueError: an infinite or NaN bound; ``low > high``; ``log=True`` with ``low < 1``;
            ``step != 1`` with ``log``; ``step <= 0``.
    """

    __slots__ = ("log", "step", "low", "high")
    _fields: tuple[str, ...] = ("log", "step", "low", "high")

    log: bool
    step: int
    low: int
    high: int

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        check_bound(low, "low", "IntDistribution/suggest_int", integer=True, finite=False)
        check_bound(high, "high", "IntDistribution/suggest_int", integer=True, finite=False)
        check_step(step, "step", "IntDistribution/suggest_int", integer=True)
        check_log(log, "IntDistribution/suggest_int")
        if log and step != 1:
            raise ValueError(
                f"IntDistribution cannot combine log=True with step={step!r}: "
                "pass either log=True or a step, not both."
            )
        if low > high:  # as Optuna: NaN and infinite bounds build (suggest_* refuses them)
            raise ValueError(
                f"IntDistribution needs low <= high, got low={low!r} > high={high!r}: "
                "swap the bounds or fix the range."
            )
        if log and low < 1:
            raise ValueError(
                f"IntDistribution with log=True needs low >= 1, got low={low!r}: "
                "use a positive lower bound or log=False."
            )
        if step <= 0:
            raise ValueError(f"The 'step' of IntDistribution must be > 0. Got {step!r}.")
        low = int(low)
        step = int(step)
        high = int(high)
        if step != 1:
            high = _adjust_int_high(low, high, step)
        _set(self, "log", bool(log))
        _set(self, "step", step)
        _set(self, "low", low)
        _set(self, "high", high)

    def to_external_repr(self, param_value_in_internal_repr: float) -> int:
        return int(param_value_in_internal_repr)

    def to_internal_repr(self, param_value_in_external_repr: int) -> float:
        try:
            value = float(param_value_in_external_repr)
        except (ValueError, TypeError) as e:
            raise ValueError(
                f"'{param_value_in_external_repr!r}' is not a valid value of IntDistribution: "
                "pass an integer."
            ) from e
        if math.isnan(value):
            raise ValueError(f"NaN is not a valid value of {self!r}.")
        if self.log and value <= 0.0:
            raise ValueError(
                f"The value {param_value_in_external_repr!r} is not a valid value of {self!r}: "
                "a log-scaled distribution takes positive values only."
            )
        return value

    def single(self) -> bool:
        if self.log:
            return self.low == self.high
        if self.low == self.high:
            return True
        return (self.high - self.low) < self.step

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        value = param_value_in_internal_repr
        return self.low <= value <= self.high and (value - self.low) % self.step == 0


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class CategoricalDistribution(BaseDistribution):
    """A categorical parameter over ``choices`` (None, bool, int, float or str values).

    Raises:
        TypeError: ``choices`` is a string, a mapping or not iterable (a string is not a list of
            choices: ``"abc"`` would otherwise become ``a``, ``b``, ``c``).
        ValueError: empty ``choices``, or a choice that is not hashable.
    """

    __slots__ = ("choices", "_index")
    _fields = ("choices",)

    choices: tuple[CategoricalChoiceType, ...]
    # Lazily built lookup from (type, value) -- or "nan" -- to the first index of that choice.
    _index: dict[tuple[type, CategoricalChoiceType] | str, int] | None

    def __init__(self, choices: Sequence[CategoricalChoiceType]) -> None:
        if not isinstance(choices, (tuple, list)):
            check_choices(choices, "CategoricalDistribution/suggest_categorical")
            if not isinstance(choices, Sequence):
                choices = tuple(choices)
        if len(choices) == 0:
            raise ValueError(
                "The 'choices' of CategoricalDistribution must contain at least one element. "
                "Got an empty sequence."
            )
        for choice in choices:
            if choice is not None and not isinstance(choice, (bool, int, float, str)):
                message = (
                    "Choices for a categorical distribution should be a tuple of None, bool, "
                    f"int, float and str for persistent storage but contains {choice!r} which "
                    f"is of type {type(choice).__name__}."
                )
                warnings.warn(message, stacklevel=2)  # Optuna's warning, before any error
                if not _is_hashable(choice):
                    raise ValueError(
                        f"The choice {choice!r} of CategoricalDistribution is not hashable: "
                        "use None, bool, int, float or str choices (e.g. the name of the option)."
                    )
        _set(self, "choices", tuple(choices))
        _set(self, "_index", None)

    def _asdict(self) -> dict[str, Any]:
        return {"choices": self.choices}

    def __getstate__(self) -> dict[str, Any]:
        return {"choices": self.choices}

    def __setstate__(self, state: dict[str, Any]) -> None:
        _set(self, "choices", state["choices"])
        _set(self, "_index", None)

    def to_external_repr(self, param_value_in_internal_repr: float) -> CategoricalChoiceType:
        return self.choices[int(param_value_in_internal_repr)]

    def to_internal_repr(self, param_value_in_external_repr: CategoricalChoiceType) -> int:
        """The index of the choice (an int, as Optuna's)."""
        index = self._index
        if index is None:
            index = {}
            for i, c in enumerate(self.choices):
                key = (type(c), c) if not (isinstance(c, float) and math.isnan(c)) else "nan"
                if _is_hashable(c):  # unhashable choices (warned about) are found by equality
                    index.setdefault(key, i)
            _set(self, "_index", index)
        v = param_value_in_external_repr
        key = (type(v), v) if not (isinstance(v, float) and math.isnan(v)) else "nan"
        try:
            return index[key]
        except (KeyError, TypeError):
            pass
        for i, c in enumerate(self.choices):  # 1 == 1.0 == True: fall back to equality
            if c == v:
                return i
        raise ValueError(
            f"'{v!r}' is not one of the choices {list(self.choices)!r} of this "
            "CategoricalDistribution."
        )

    def single(self) -> bool:
        return len(self.choices) == 1

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        index = int(param_value_in_internal_repr)
        return 0 <= index < len(self.choices)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, CategoricalDistribution):
            return False
        if len(self.choices) != len(other.choices):
            return False
        for a, b in zip(self.choices, other.choices):
            if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
                continue
            if type(a) is not type(b) or a != b:
                return False
        return True

    def __hash__(self) -> int:
        return hash(("CategoricalDistribution", self.choices))


# --- deprecated classes: kept for user code and for reading old databases ------------------------

_DEPRECATION = (
    "{name} has been deprecated in v3.0.0. This feature will be removed in v6.0.0. "
    "Use {alternative} instead."
)


class UniformDistribution(FloatDistribution):
    """Deprecated: use ``FloatDistribution(low, high)``."""

    __slots__ = ()
    _fields = ("low", "high")

    def __init__(self, low: float, high: float) -> None:
        warnings.warn(
            _DEPRECATION.format(name="UniformDistribution", alternative="FloatDistribution"),
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(low=low, high=high, log=False, step=None)


class LogUniformDistribution(FloatDistribution):
    """Deprecated: use ``FloatDistribution(low, high, log=True)``."""

    __slots__ = ()
    _fields = ("low", "high")

    def __init__(self, low: float, high: float) -> None:
        warnings.warn(
            _DEPRECATION.format(
                name="LogUniformDistribution", alternative="FloatDistribution(log=True)"
            ),
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(low=low, high=high, log=True, step=None)


class DiscreteUniformDistribution(FloatDistribution):
    """Deprecated: use ``FloatDistribution(low, high, step=q)``."""

    __slots__ = ()
    _fields = ("low", "high", "q")

    def __init__(self, low: float, high: float, q: float) -> None:
        warnings.warn(
            _DEPRECATION.format(
                name="DiscreteUniformDistribution", alternative="FloatDistribution(step=...)"
            ),
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(low=low, high=high, step=q)

    @property
    def q(self) -> float:
        """The step between values."""
        assert self.step is not None
        return self.step


class IntUniformDistribution(IntDistribution):
    """Deprecated: use ``IntDistribution(low, high, step=step)``."""

    __slots__ = ()
    _fields = ("low", "high", "step")

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        warnings.warn(
            _DEPRECATION.format(name="IntUniformDistribution", alternative="IntDistribution"),
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(low=low, high=high, log=False, step=step)


class IntLogUniformDistribution(IntDistribution):
    """Deprecated: use ``IntDistribution(low, high, log=True)``."""

    __slots__ = ()
    _fields = ("low", "high", "step")

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        warnings.warn(
            _DEPRECATION.format(
                name="IntLogUniformDistribution", alternative="IntDistribution(log=True)"
            ),
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(low=low, high=high, log=True, step=step)


_CLASSES: dict[str, type[BaseDistribution]] = {
    cls.__name__: cls
    for cls in (
        FloatDistribution,
        IntDistribution,
        CategoricalDistribution,
        UniformDistribution,
        LogUniformDistribution,
        DiscreteUniformDistribution,
        IntUniformDistribution,
        IntLogUniformDistribution,
    )
}

# Optuna's tuple of the distribution classes (the current ones and the deprecated ones).
DISTRIBUTION_CLASSES = (
    IntDistribution,
    IntLogUniformDistribution,
    IntUniformDistribution,
    FloatDistribution,
    UniformDistribution,
    LogUniformDistribution,
    DiscreteUniformDistribution,
    CategoricalDistribution,
)

_JSON_CACHE: dict[str, BaseDistribution] = {}


def json_to_distribution(json_str: str) -> BaseDistribution:
    """Deserialize a distribution from Optuna's JSON form.

    Raises:
        ValueError: the JSON names an unknown distribution class.
    """
    cached = _JSON_CACHE.get(json_str)
    if cached is not None:
        return cached
    import json

    loaded = json.loads(json_str)
    if "type" in loaded:  # the abbreviated form: {"type": "int", "low": 1, "high": 9, ...}
        kind = loaded["type"]
        fields = {k: v for k, v in loaded.items() if k != "type"}
        abbreviated: BaseDistribution
        if kind == "float":
            abbreviated = FloatDistribution(**fields)
        elif kind == "int":
            abbreviated = IntDistribution(**fields)
        elif kind == "categorical":
            abbreviated = CategoricalDistribution(**fields)
        else:
            raise ValueError(
                f"Unknown distribution type {kind!r} in {json_str!r}: expected 'float', 'int' or "
                "'categorical'."
            )
        return abbreviated
    name = loaded.get("name")
    attributes = loaded.get("attributes", {})
    if name == "CategoricalDistribution":
        dist: BaseDistribution = CategoricalDistribution(choices=attributes["choices"])
    elif name in _CLASSES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            try:
                dist = _CLASSES[name](**attributes)
            except ValueError:
                # An infinite bound written by Optuna (which accepts one): keep the study
                # readable; new suggestions with such a bound are refused.
                dist = _stored_with_infinite_bound(name, attributes)
    else:
        raise ValueError(
            f"Unknown distribution class {name!r} in {json_str!r}: expected one of "
            f"{sorted(_CLASSES)}."
        )
    if len(_JSON_CACHE) < 4096:
        _JSON_CACHE[json_str] = dist
    return dist


def _stored_with_infinite_bound(name: str, attributes: dict[str, Any]) -> BaseDistribution:
    cls = _CLASSES[name]
    low, high = attributes.get("low"), attributes.get("high")
    if not all(isinstance(v, (int, float)) for v in (low, high)) or (
        math.isfinite(low) and math.isfinite(high)  # type: ignore[arg-type]
    ):
        return cls(**attributes)  # raises the constructor's own error
    dist = object.__new__(cls)
    int_kind = issubclass(cls, IntDistribution)
    step = attributes.get("step", attributes.get("q", 1 if int_kind else None))
    _set(dist, "low", low)
    _set(dist, "high", high)
    _set(dist, "log", bool(attributes.get("log", cls is LogUniformDistribution)))
    _set(dist, "step", step)
    return dist


def distribution_to_json(dist: BaseDistribution) -> str:
    """Serialize a distribution to Optuna's JSON form (what the RDB and journal formats store)."""
    attributes = dist._asdict()
    if isinstance(dist, CategoricalDistribution):
        attributes = {"choices": list(dist.choices)}
    import json

    return json.dumps({"name": type(dist).__name__, "attributes": attributes})


def check_distribution_compatibility(
    dist_old: BaseDistribution, dist_new: BaseDistribution
) -> None:
    """Check that a parameter may be suggested with ``dist_new`` after ``dist_old``.

    Ranges may change between trials (dynamic search spaces); the kind of distribution, the log
    setting and categorical choices may not.

    Raises:
        ValueError: the two distributions are incompatible; the message names both.
    """
    old_type = type(dist_old)
    if old_type is type(dist_new) and (
        old_type is FloatDistribution or old_type is IntDistribution
    ):
        if dist_old.log != dist_new.log:  # type: ignore[attr-defined]
            raise ValueError(
                f"Cannot set different log configuration to the same parameter name: "
                f"{dist_old!r} was used before, now {dist_new!r}."
            )
        return
    old_kind = _kind(dist_old)
    new_kind = _kind(dist_new)
    if old_kind is not new_kind:
        raise ValueError(
            f"Cannot set different distribution kind to the same parameter name: {dist_old!r} "
            f"was used before, now {dist_new!r}. Use a new parameter name for the new kind."
        )
    if isinstance(dist_old, (FloatDistribution, IntDistribution)):
        assert isinstance(dist_new, (FloatDistribution, IntDistribution))
        if dist_old.log != dist_new.log:
            raise ValueError(
                f"Cannot set different log configuration to the same parameter name: "
                f"{dist_old!r} was used before, now {dist_new!r}."
            )
    if isinstance(dist_old, CategoricalDistribution):
        assert isinstance(dist_new, CategoricalDistribution)
        if dist_old != dist_new:
            raise ValueError(
                "CategoricalDistribution does not support dynamic value space: "
                f"{dist_old!r} was used before, now {dist_new!r}."
            )


def _kind(dist: BaseDistribution) -> type[BaseDistribution]:
    if isinstance(dist, FloatDistribution):
        return FloatDistribution
    if isinstance(dist, IntDistribution):
        return IntDistribution
    if isinstance(dist, CategoricalDistribution):
        return CategoricalDistribution
    return type(dist)


def _convert_old_distribution_to_new_distribution(
    distribution: BaseDistribution,
    suppress_warning: bool = False,
) -> BaseDistribution:
    """Map a deprecated distribution onto Float/IntDistribution (others unchanged), with
    Optuna's FutureWarning when it converts one (unless ``suppress_warning``)."""
    new: BaseDistribution = distribution
    if isinstance(distribution, FloatDistribution) and type(distribution) is not FloatDistribution:
        new = FloatDistribution(
            distribution.low, distribution.high, log=distribution.log, step=distribution.step
        )
    elif isinstance(distribution, IntDistribution) and type(distribution) is not IntDistribution:
        new = IntDistribution(
            distribution.low, distribution.high, log=distribution.log, step=distribution.step
        )
    if new is not distribution and not suppress_warning:
        warnings.warn(
            f"{distribution} is deprecated and internally converted to {new}. See "
            "https://github.com/optuna/optuna/issues/2941.",
            FutureWarning,
            stacklevel=3,
        )
    return new

"""The trial front-end: Optuna's ``suggest_*`` methods, written once for every kind of trial.

``SuggestAPI`` checks the parameter name, finds (or builds and validates) the distribution of each
``suggest_*`` call, and hands it to one of two primitives, which return the parameter's value as
the objective sees it:

- ``_suggest(name, distribution)``: the primitive every kind implements (the live ``Trial``,
  ``FixedTrial``, ``FrozenTrial``, the isolated process's ``RemoteTrial``).
- ``_suggest_plain(name, distribution)``: called instead when the distribution holds more than
  one value (a sampler must draw it). Same contract; the default is ``_suggest``. The live
  ``Trial`` makes it the fast path of a new parameter (``trial/_trial.py``).

Every ``suggest_*`` method, the deprecated ``suggest_uniform``/``loguniform``/``discrete_uniform``
included, is defined here only.

Design note: distributions are immutable values, so the objects built for the same arguments are
shared between suggest calls (a small cache per kind). This skips re-validation on the hot path
and lets the storage recognise an unchanged distribution by identity. Keys carry the argument
values exactly as given (0 and 0.0 build equal float distributions, so sharing them is safe);
categorical keys also carry the type of each choice, because 1 == 1.0 == True would otherwise
conflate different choice lists. A cache entry is ``(distribution, plain)``: ``plain`` is True when
the distribution holds more than one value (and, for categoricals, only choices every storage
writes: None, bool, int, float, str).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from skipjack._validation import MAX_NAME_LENGTH, check_bound, check_param_name
from skipjack.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

__all__ = ["SuggestAPI", "as_external", "portable"]

_FLOAT_CACHE: dict[tuple[Any, ...], tuple[FloatDistribution, bool]] = {}
_INT_CACHE: dict[tuple[Any, ...], tuple[IntDistribution, bool]] = {}
_CATEGORICAL_CACHE: dict[tuple[Any, ...], tuple[CategoricalDistribution, bool]] = {}
_CACHE_LIMIT = 4096

_PORTABLE_CHOICE_TYPES = (type(None), bool, int, float, str)


# Names that passed ``check_param_name`` (a str, no NUL, at most MAX_NAME_LENGTH characters): a
# set lookup (the str's hash is cached) instead of the three checks on every suggest.
_CHECKED_NAMES: set[str] = set()


def _check_name(name: Any, method: str) -> None:
    if type(name) is not str or len(name) > MAX_NAME_LENGTH or "\x00" in name:
        check_param_name(name, method)  # raises for a bad name
    if type(name) is str:
        if len(_CHECKED_NAMES) >= _CACHE_LIMIT:
            _CHECKED_NAMES.clear()
        _CHECKED_NAMES.add(name)


def _remember(
    cache: dict[tuple[Any, ...], Any], key: tuple[Any, ...], distribution: BaseDistribution
) -> tuple[Any, bool]:
    entry = (distribution, not distribution.single())
    if key[1] is not None and getattr(distribution, "high", key[1]) != key[1]:
        # The constructor moved ``high`` onto the step grid, with a warning that every such
        # suggest must repeat (as Optuna's): not cached.
        return entry
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    try:
        cache[key] = entry
    except TypeError:  # unhashable arguments (the constructor accepted them): do not cache
        pass
    return entry


def as_external(distribution: BaseDistribution, value: Any) -> Any:
    """``value`` as the type ``distribution`` hands out: a float or an int (choices as given)."""
    if isinstance(distribution, FloatDistribution):
        return float(value)
    if isinstance(distribution, IntDistribution):
        return int(value)
    return value


def portable(distribution: CategoricalDistribution) -> bool:
    """True when every choice is None, bool, int, float or str (what every storage keeps)."""
    return all(type(c) in _PORTABLE_CHOICE_TYPES for c in distribution.choices)


def _categorical_key(choices: Any) -> tuple[Any, ...] | None:
    # Only lists and tuples: other iterables may be consumed by reading them.
    if type(choices) is tuple or type(choices) is list:
        return (tuple(choices), tuple(map(type, choices)))
    return None


def _float(low: Any, high: Any, step: Any, log: Any) -> tuple[FloatDistribution, bool]:
    check_bound(low, "low", "suggest_float")  # a sampler cannot draw from inf
    check_bound(high, "high", "suggest_float")
    return _remember(
        _FLOAT_CACHE, (low, high, step, log), FloatDistribution(low, high, log=log, step=step)
    )


def _int(low: Any, high: Any, step: Any, log: Any) -> tuple[IntDistribution, bool]:
    check_bound(low, "low", "suggest_int", integer=True)
    check_bound(high, "high", "suggest_int", integer=True)
    return _remember(
        _INT_CACHE, (low, high, step, log), IntDistribution(low, high, log=log, step=step)
    )


def _categorical(choices: Any) -> tuple[CategoricalDistribution, bool]:
    try:
        key = _categorical_key(choices)
        if key is not None:
            entry = _CATEGORICAL_CACHE.get(key)
            if entry is not None:
                return entry
    except TypeError:  # an unhashable choice: the constructor says what to do
        key = None
    distribution = CategoricalDistribution(choices)
    # choices a storage may not write (e.g. objects) take ``_suggest``, which checks them
    entry = (distribution, not distribution.single() and portable(distribution))
    if key is not None:
        if len(_CATEGORICAL_CACHE) >= _CACHE_LIMIT:
            _CATEGORICAL_CACHE.clear()
        _CATEGORICAL_CACHE[key] = entry
    return entry


class SuggestAPI:
    """``suggest_*`` over the primitives ``_suggest``/``_suggest_plain`` (a mixin, no state)."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A class that implements ``_suggest`` without its own ``_suggest_plain`` gets
        # ``_suggest`` itself (no extra frame, so warnings point at the objective). A subclass of
        # the live ``Trial`` that overrides ``_suggest`` thus sees every suggest.
        if "_suggest" in cls.__dict__ and "_suggest_plain" not in cls.__dict__:
            cls._suggest_plain = cls._suggest  # type: ignore[method-assign]

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        """Return the value of parameter ``name`` drawn from (or checked against)
        ``distribution``, in its external representation (a float for a ``FloatDistribution``,
        an int for an ``IntDistribution``: see ``as_external``)."""
        raise NotImplementedError

    def _suggest_plain(self, name: str, distribution: BaseDistribution) -> Any:
        """``_suggest`` for a distribution that holds more than one value (a kind may do it
        faster)."""
        return self._suggest(name, distribution)

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]``; ``log=True`` samples in log space, ``step`` on a grid.

        Raises:
            TypeError: ``name`` is not a str, or a bound/step/log of the wrong type.
            ValueError: invalid bounds/step/log (the message names the value and the fix), or
                ``name`` was suggested before in this trial with an incompatible distribution.
        """
        if type(name) is not str or name not in _CHECKED_NAMES:
            _check_name(name, "suggest_float")
        try:
            distribution, plain = _FLOAT_CACHE[(low, high, step, log)]
        except (KeyError, TypeError):  # TypeError: unhashable bounds, rejected by the constructor
            distribution, plain = _float(low, high, step, log)
        if plain:
            return self._suggest_plain(name, distribution)  # type: ignore[no-any-return]
        return self._suggest(name, distribution)  # type: ignore[no-any-return]

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]`` (on a ``step`` grid, or in log space with ``log``)."""
        if type(name) is not str or name not in _CHECKED_NAMES:
            _check_name(name, "suggest_int")
        try:
            distribution, plain = _INT_CACHE[(low, high, step, log)]
        except (KeyError, TypeError):
            distribution, plain = _int(low, high, step, log)
        if plain:
            return self._suggest_plain(name, distribution)  # type: ignore[no-any-return]
        return self._suggest(name, distribution)  # type: ignore[no-any-return]

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices`` (None, bool, int, float or str values).

        Other hashable choices work with the in-memory storage only (a warning says so); a
        storage that writes JSON refuses a choice it cannot write, naming the parameter.
        """
        if type(name) is not str or name not in _CHECKED_NAMES:
            _check_name(name, "suggest_categorical")
        distribution, plain = _categorical(choices)
        value: CategoricalChoiceType
        if plain:
            value = self._suggest_plain(name, distribution)
        else:
            value = self._suggest(name, distribution)
        return value

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high)``."""
        _warn_deprecated("suggest_uniform", "")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high, log=True)``."""
        _warn_deprecated("suggest_loguniform", "(..., log=True)")
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated since Optuna 3.0: use ``suggest_float(name, low, high, step=q)``."""
        _warn_deprecated("suggest_discrete_uniform", "(..., step=...)")
        return self.suggest_float(name, low, high, step=q)


def _warn_deprecated(name: str, args: str) -> None:
    warnings.warn(
        f"{name} has been deprecated in v3.0.0. This feature will be removed in v6.0.0. "
        f"Use suggest_float{args} instead.",
        FutureWarning,
        stacklevel=3,
    )

"""Checks of user input at the public entry points, declared in one place.

Every check raises the exception type Optuna raises for the same mistake (``TypeError`` for a
value of the wrong type, ``ValueError`` for a value of the right type that is out of range), with
a message that names the argument, what was expected, what was received, and the fix::

    The 'high' argument of suggest_float must be a finite number. Got inf: use a finite bound
    (log=True covers wide ranges).

The rules are data (:data:`RULES`: one entry per kind of argument), so tests generate bad values
from the same table the checks use. Checks run once per call on the cold path (a distribution is
built once per distinct arguments, see ``trial/_trial.py``); the hot path only tests
``type(name) is str``.

Design note: this module sits in layer 0 beside ``distributions`` and imports nothing of
skipjack's but ``exceptions``; storages may use it too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = [
    "MAX_NAME_LENGTH",
    "RULES",
    "check_bound",
    "check_step",
    "check_log",
    "check_param_name",
    "check_choices",
    "check_study_name",
    "check_sampler",
    "check_pruner",
    "check_enqueue_params",
    "check_json_value",
]

# What the RDB schema keeps (VARCHAR(512)) for study, parameter and attribute names; the other
# storages take the same limit so a study can move between them.
MAX_NAME_LENGTH = 512

# Argument kind -> (what is expected, the usual fix). The checks below and the property-based
# tests (tests/faults/test_bad_input.py) read this table.
RULES: dict[str, tuple[str, str]] = {
    "bound": ("a finite real number", "pass a number such as 0 or 1e-3"),
    "int_bound": ("an integer", "pass a whole number, or use suggest_float for a real range"),
    "step": ("None or a finite real number > 0", "pass a positive step such as 0.1, or None"),
    "log": ("a bool", "pass log=True or log=False"),
    "param_name": (
        f"a str without NUL characters, at most {MAX_NAME_LENGTH} characters long",
        "name the parameter with a short string such as 'lr'",
    ),
    "choices": (
        "a list or tuple of None, bool, int, float or str values",
        "pass the choices as a list, e.g. ['a', 'b'] (a string is not a list of choices)",
    ),
    "study_name": (
        f"None or a str without NUL characters, at most {MAX_NAME_LENGTH} characters long",
        "pass a short string such as 'my-study', or None for a generated name",
    ),
    "sampler": (
        "None or a sampler instance",
        "pass e.g. sampler=skipjack.samplers.TPESampler(), or None for the default",
    ),
    "pruner": (
        "None or a pruner instance",
        "pass e.g. pruner=skipjack.pruners.MedianPruner(), or None for the default",
    ),
    "params": (
        "a dict from parameter names (str) to values",
        "pass e.g. params={'x': 1.5, 'kind': 'a'}",
    ),
    "json_value": (
        "a JSON-serializable value (None, bool, int, float, str, or lists/dicts of them)",
        "convert the value to one of these types (e.g. str(value) or a number)",
    ),
}


def _fail(
    error: type[Exception], kind: str, arg: str, where: str, got: Any, detail: str = "",
    fix: str | None = None,
) -> NoReturn:
    expected, usual_fix = RULES[kind]
    fix = fix or usual_fix
    shown = repr(got)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    extra = f" ({detail})" if detail else ""
    raise error(
        f"The '{arg}' argument of {where} must be {expected}. Got {shown} of type "
        f"{type(got).__name__}{extra}: {fix}."
    )


def _is_real(value: Any) -> bool:
    if type(value) is float or type(value) is int:
        return True
    import numbers  # numpy scalars and other registered reals; not loaded by `import skipjack`

    return isinstance(value, numbers.Real)


def check_bound(
    value: Any, arg: str, where: str, *, integer: bool = False, finite: bool = True
) -> None:
    """``low``/``high`` of a float or int distribution: a real number, finite for ``suggest_*``
    (a distribution itself may hold an infinite bound, as Optuna's may; an int bound must be
    integral: 0.5 would be truncated silently)."""
    if not _is_real(value):
        _fail(TypeError, "bound", arg, where, value)
    if finite and not math.isfinite(value):
        _fail(ValueError, "bound", arg, where, value,
              fix="use a finite bound such as 1e10 (with log=True for ranges over many "
              "orders of magnitude)")
    if integer and math.isfinite(value) and value != int(value):
        _fail(ValueError, "int_bound", arg, where, value)


def check_step(value: Any, arg: str, where: str, *, integer: bool = False) -> None:
    """``step``: None or a finite positive real number (the sign is checked by the caller)."""
    if value is None:
        return
    if not _is_real(value):
        _fail(TypeError, "step", arg, where, value)
    if not math.isfinite(value):
        _fail(ValueError, "step", arg, where, value)
    if integer and math.isfinite(value) and value != int(value):
        _fail(ValueError, "int_bound", arg, where, value)


def check_log(value: Any, where: str) -> None:
    """``log``: a bool (numpy's bool and the ints 0/1 compare equal and are accepted)."""
    try:
        ok = value is True or value is False or value in (True, False)
    except Exception:  # noqa: BLE001 - an object whose == raises is not a bool
        ok = False
    if not ok or isinstance(value, float):
        _fail(TypeError, "log", "log", where, value)


def check_param_name(name: Any, where: str) -> None:
    """A parameter name: a str, no NUL (PostgreSQL refuses it), at most 512 characters."""
    if not isinstance(name, str):
        _fail(TypeError, "param_name", "name", where, name)
    if "\x00" in name:
        _fail(ValueError, "param_name", "name", where, name, "it contains a NUL character")
    if len(name) > MAX_NAME_LENGTH:
        _fail(ValueError, "param_name", "name", where, name, f"{len(name)} characters")


def check_choices(choices: Any, where: str) -> None:
    """``choices`` of a categorical parameter: a non-string sequence (or other iterable)."""
    if isinstance(choices, (str, bytes, bytearray, Mapping)):
        _fail(TypeError, "choices", "choices", where, choices)
    try:
        iter(choices)
    except TypeError:
        _fail(TypeError, "choices", "choices", where, choices)


def check_study_name(name: Any, where: str) -> None:
    """A study name: None (generated) or a str, no NUL, at most 512 characters."""
    if name is None:
        return
    if not isinstance(name, str):
        _fail(TypeError, "study_name", "study_name", where, name)
    if "\x00" in name:
        _fail(ValueError, "study_name", "study_name", where, name, "it contains a NUL character")
    if len(name) > MAX_NAME_LENGTH:
        _fail(ValueError, "study_name", "study_name", where, name, f"{len(name)} characters")


# A sampler is anything with the sampler protocol's methods (a BaseSampler subclass, or a
# duck-typed object as Optuna allows); a pruner anything with ``prune``.
_SAMPLER_METHODS = ("infer_relative_search_space", "sample_relative", "sample_independent")


def check_sampler(sampler: Any, where: str) -> None:
    if sampler is None or (not isinstance(sampler, type) and all(
        callable(getattr(sampler, m, None)) for m in _SAMPLER_METHODS
    )):
        return
    detail = ""
    if isinstance(sampler, str):
        detail = "a sampler is an object, not its name"
    elif isinstance(sampler, type):
        detail = "a class: call it to make an instance"
    _fail(TypeError, "sampler", "sampler", where, sampler, detail)


def check_pruner(pruner: Any, where: str) -> None:
    if pruner is None or (
        not isinstance(pruner, type) and callable(getattr(pruner, "prune", None))
    ):
        return
    detail = ""
    if isinstance(pruner, str):
        detail = "a pruner is an object, not its name"
    elif isinstance(pruner, type):
        detail = "a class: call it to make an instance"
    _fail(TypeError, "pruner", "pruner", where, pruner, detail)


def check_json_value(value: Any, arg: str, where: str) -> None:
    """A value a persistent storage writes as JSON (enqueued parameters, attributes)."""
    import json

    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as e:
        _fail(TypeError, "json_value", arg, where, value, str(e))


def check_enqueue_params(params: Any, where: str = "enqueue_trial", *, json: bool) -> None:
    """``params`` of ``enqueue_trial``: a dict of str names to values, JSON-serializable when
    the storage writes JSON (``json=True``: every storage but the in-memory one)."""
    if not isinstance(params, Mapping):
        _fail(TypeError, "params", "params", where, params)
    for name, value in params.items():
        check_param_name(name, f"{where} (a key of 'params')")
        if json:
            check_json_value(value, f"params[{name!r}]", where)

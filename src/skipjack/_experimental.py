"""``optuna._experimental``: ``experimental_func``, ``experimental_class`` and the argument warning."""

from __future__ import annotations

import warnings
from typing import Any, Callable, TypeVar

from skipjack._deprecation import experimental
from skipjack.exceptions import ExperimentalWarning

__all__ = ["experimental_func", "experimental_class", "warn_experimental_argument"]

F = TypeVar("F", bound=Callable[..., Any])


def experimental_func(version: str, name: str | None = None) -> Callable[[F], F]:
    """Mark a function experimental since ``version``: calling it emits ExperimentalWarning."""
    return experimental(version, name)


def experimental_class(version: str, name: str | None = None) -> Callable[[F], F]:
    """Mark a class experimental since ``version``: creating one emits ExperimentalWarning."""
    return experimental(version, name)


def warn_experimental_argument(option_name: str) -> None:
    """Emit ExperimentalWarning for an experimental keyword argument."""
    warnings.warn(
        f"Argument ``{option_name}`` is an experimental feature. "
        "The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=3,
    )

"""Decorators that mark a feature's stage: ``experimental`` and ``deprecated``.

Each warns once per call site kind, names the replacement, and records the versions so that a test can
check removal versions against ``__version__``.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar, cast

from skipjack.exceptions import ExperimentalWarning

__all__ = ["experimental", "deprecated", "warn_deprecated_argument", "warn_experimental_argument",
           "REGISTRY"]

F = TypeVar("F", bound=Callable[..., Any])

# (qualified name, since, removed_in) of every deprecated feature, checked by a test.
REGISTRY: list[tuple[str, str, str]] = []


def experimental(version: str, name: str | None = None) -> Callable[[F], F]:
    """Mark a function or class as experimental since ``version``; calling it warns."""

    def decorator(obj: F) -> F:
        label = name or obj.__qualname__
        message = (
            f"{label} is experimental (supported from v{version}). "
            "The interface can change in the future."
        )
        if isinstance(obj, type):
            cls: type[Any] = obj
            original_init = cls.__init__

            @functools.wraps(original_init)
            def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
                warnings.warn(message, ExperimentalWarning, stacklevel=2)
                original_init(self, *args, **kwargs)

            cls.__init__ = __init__
            return obj

        @functools.wraps(obj)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, ExperimentalWarning, stacklevel=2)
            return obj(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def deprecated(
    since: str, removed_in: str, alternative: str | None = None, name: str | None = None
) -> Callable[[F], F]:
    """Mark a function or class deprecated; calling it emits a FutureWarning naming the alternative."""

    def decorator(obj: F) -> F:
        label = name or obj.__qualname__
        REGISTRY.append((label, since, removed_in))
        message = (
            f"{label} has been deprecated in v{since}. "
            f"This feature will be removed in v{removed_in}."
        )
        if alternative:
            message += f" Use {alternative} instead."
        if isinstance(obj, type):
            cls: type[Any] = obj
            original_init = cls.__init__

            @functools.wraps(original_init)
            def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
                warnings.warn(message, FutureWarning, stacklevel=2)
                original_init(self, *args, **kwargs)

            cls.__init__ = __init__
            return obj

        @functools.wraps(obj)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, FutureWarning, stacklevel=2)
            return obj(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def warn_deprecated_argument(
    owner: str, argument: str, since: str, removed_in: str, alternative: str | None = None
) -> None:
    """Emit Optuna's FutureWarning for a deprecated keyword argument."""
    message = (
        f"`{argument}` argument of {owner} has been deprecated in v{since}. "
        f"This feature will be removed in v{removed_in}."
    )
    if alternative:
        message += f" Use {alternative} instead."
    warnings.warn(message, FutureWarning, stacklevel=3)


def warn_experimental_argument(argument: str) -> None:
    """Emit Optuna's ExperimentalWarning for an experimental keyword argument."""
    warnings.warn(
        f"Argument ``{argument}`` is an experimental feature. The interface can change in the "
        "future.",
        ExperimentalWarning,
        stacklevel=3,
    )

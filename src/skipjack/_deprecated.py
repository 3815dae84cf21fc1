"""``optuna._deprecated``: ``deprecated_func``, ``deprecated_class`` and the message template."""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar, cast

__all__ = ["deprecated_func", "deprecated_class", "_DEPRECATION_WARNING_TEMPLATE"]

F = TypeVar("F", bound=Callable[..., Any])

# placeholders as add-ons fill them: name, d_ver (deprecated in), r_ver (removed in)
_DEPRECATION_WARNING_TEMPLATE = (
    "{name} has been deprecated in v{d_ver}. This feature will be removed in v{r_ver}."
)


def _message(obj: Any, deprecated_version: str, removed_version: str, name: str | None,
             text: str | None) -> str:
    label = name or getattr(obj, "__qualname__", repr(obj))
    message = _DEPRECATION_WARNING_TEMPLATE.format(
        name=label, d_ver=deprecated_version, r_ver=removed_version
    )
    return f"{message} {text}" if text else message


def deprecated_func(
    deprecated_version: str,
    removed_version: str,
    name: str | None = None,
    text: str | None = None,
) -> Callable[[F], F]:
    """Mark a function deprecated: calling it emits FutureWarning."""

    def decorator(func: F) -> F:
        message = _message(func, deprecated_version, removed_version, name, text)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, FutureWarning, stacklevel=2)
            return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def deprecated_class(
    deprecated_version: str,
    removed_version: str,
    name: str | None = None,
    text: str | None = None,
) -> Callable[[F], F]:
    """Mark a class deprecated: creating one emits FutureWarning."""

    def decorator(cls: F) -> F:
        message = _message(cls, deprecated_version, removed_version, name, text)
        klass: Any = cls
        original_init = klass.__init__

        @functools.wraps(original_init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(message, FutureWarning, stacklevel=2)
            original_init(self, *args, **kwargs)

        klass.__init__ = __init__
        return cls

    return decorator

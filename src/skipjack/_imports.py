"""``optuna._imports``: deferred optional imports (``try_import``) and ``_LazyImport``."""

from __future__ import annotations

import importlib
import types
from types import TracebackType
from typing import Any

__all__ = ["try_import", "_LazyImport", "_DeferredImportExceptionContextManager"]


class _DeferredImportExceptionContextManager:
    """Swallow an ImportError inside ``with``; ``check()`` re-raises it when the feature is used.

    Usage (as add-ons write it)::

        with try_import() as _imports:
            import lightgbm
        ...
        _imports.check()   # ImportError naming the missing package, if the import failed
    """

    def __init__(self) -> None:
        self._error: tuple[BaseException, str] | None = None

    def __enter__(self) -> _DeferredImportExceptionContextManager:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        if exc_value is None:
            return None
        if isinstance(exc_value, (ImportError, SyntaxError)):
            if isinstance(exc_value, ImportError) and exc_value.name:
                what = f"'{exc_value.name}'"
            else:
                what = "an optional package"
            message = (
                f"Tried to import {what} but failed. Please make sure that the package is "
                f"installed correctly to use this feature. Actual error: {exc_value}."
            )
            self._error = (exc_value, message)
            return True
        return None

    def is_successful(self) -> bool:
        """True when the guarded imports worked."""
        return self._error is None

    def check(self) -> None:
        """Raise the deferred ImportError, if any."""
        if self._error is not None:
            error, message = self._error
            raise ImportError(message) from error


def try_import() -> _DeferredImportExceptionContextManager:
    """Return a context manager that defers an ImportError to ``check()``."""
    return _DeferredImportExceptionContextManager()


class _LazyImport(types.ModuleType):
    """A module imported on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._name = name

    def _load(self) -> types.ModuleType:
        module = importlib.import_module(self._name)
        self.__dict__.update(module.__dict__)
        return module

    def __getattr__(self, item: str) -> Any:
        return getattr(self._load(), item)

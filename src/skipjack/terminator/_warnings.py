"""The deprecation notice of the terminator module (Optuna 5 deprecates ``optuna.terminator``)."""

from __future__ import annotations

import warnings

__all__ = ["warn_terminator_deprecated"]

_MESSAGE = (
    "`skipjack.terminator` module has been deprecated in v4.9.0 (as `optuna.terminator`). "
    "This feature will be removed in v6.0.0. "
    "See https://github.com/optuna/optuna/releases/tag/v4.9.0."
)


def warn_terminator_deprecated(stacklevel: int = 3) -> None:
    """Emit Optuna's FutureWarning for the deprecated terminator module."""
    warnings.warn(_MESSAGE, FutureWarning, stacklevel=stacklevel)

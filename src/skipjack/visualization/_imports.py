"""Lazy imports of the plotting libraries, with an install hint when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["is_importable", "require"]

_HINT = "pip install 'skipjack[visualization]'"


def is_importable(module: str) -> bool:
    """True when ``module`` (e.g. ``"plotly"``) imports."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def require(module: str) -> ModuleType:
    """Import ``module`` (e.g. ``"plotly.graph_objects"``), or say how to install it.

    Raises:
        ImportError: the plotting library is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise ImportError(
            f"{top} is needed for this plot but could not be imported ({exc}). Install it: {_HINT}."
        ) from exc

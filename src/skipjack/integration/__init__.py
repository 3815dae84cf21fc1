"""Integrations with training libraries (Optuna-integration names), each loaded on first use.

``LightGBMPruningCallback`` needs ``lightgbm`` (``pip install skipjack[lightgbm]``) and
``XGBoostPruningCallback`` needs ``xgboost`` (``pip install skipjack[xgboost]``); the library is
imported only when the callback is first accessed.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["LightGBMPruningCallback", "XGBoostPruningCallback"]

_LAZY = {
    "LightGBMPruningCallback": "skipjack.integration._lightgbm",
    "XGBoostPruningCallback": "skipjack.integration._xgboost",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skipjack.integration' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

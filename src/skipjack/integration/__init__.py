"""Integrations with training libraries (Optuna's ``optuna.integration`` names).

skipjack implements ``LightGBMPruningCallback`` (needs ``lightgbm``) and
``XGBoostPruningCallback`` (needs ``xgboost``) itself; each library is imported only when its
callback is first accessed. Every other name of Optuna's ``optuna.integration``
(``OptunaSearchCV``, ``LightGBMTuner``, ``LightGBMTunerCV``, ``DaskStorage``, ``MLflowCallback``,
``CatBoostPruningCallback``, ...) is handed on to the ``optuna-integration`` package, as Optuna
does. optuna-integration does ``import optuna`` itself, so handing a name on installs skipjack as
optuna first (``skipjack.install_as_optuna()``), unless the real optuna is imported already, in
which case the error says to install the alias before importing it.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

# skipjack's own names; the forwarded ones (``_FORWARDED``) are documented by optuna-integration.
__all__ = ["LightGBMPruningCallback", "XGBoostPruningCallback"]

_LAZY = {
    "LightGBMPruningCallback": "skipjack.integration._lightgbm",
    "XGBoostPruningCallback": "skipjack.integration._xgboost",
}

# optuna-integration's module of each name it provides (Optuna's table).
_FORWARDED = {
    "BoTorchSampler": "botorch",
    "CatBoostPruningCallback": "catboost",
    "PyCmaSampler": "cma",
    "DaskStorage": "dask",
    "MLflowCallback": "mlflow",
    "WeightsAndBiasesCallback": "wandb",
    "KerasPruningCallback": "keras",
    "LightGBMTuner": "lightgbm",
    "LightGBMTunerCV": "lightgbm",
    "TorchDistributedTrial": "pytorch_distributed",
    "PyTorchIgnitePruningHandler": "pytorch_ignite",
    "PyTorchLightningPruningCallback": "pytorch_lightning",
    "OptunaSearchCV": "sklearn",
    "ShapleyImportanceEvaluator": "shap",
    "SkorchPruningCallback": "skorch",
    "TensorBoardCallback": "tensorboard",
    "TensorFlowPruningHook": "tensorflow",
    "TFKerasPruningCallback": "tfkeras",
    "FastAIV2PruningCallback": "fastaiv2",
    "FastAIPruningCallback": "fastaiv2",
}
SUBMODULES = frozenset(_FORWARDED.values()) | {"xgboost"}


def optuna_integration_module(submodule: str) -> ModuleType:
    """Import ``optuna_integration.<submodule>`` running on skipjack.

    Raises:
        ImportError: optuna-integration is not installed, or the real optuna is imported in this
            process already (then optuna-integration would run on it, not on skipjack).
    """
    from skipjack._optuna_alias import install_as_optuna, is_installed

    if not is_installed():
        real = sys.modules.get("optuna")
        if real is not None and not getattr(real, "__name__", "").startswith("skipjack"):
            raise ImportError(
                f"optuna_integration.{submodule} would run on the real optuna, which this "
                "process imported already. Call skipjack.install_as_optuna() before anything "
                "imports optuna (or run the program with `python -m skipjack run`)."
            )
        install_as_optuna()
    try:
        return importlib.import_module(f"optuna_integration.{submodule}")
    except ModuleNotFoundError as e:
        if e.name not in ("optuna_integration", f"optuna_integration.{submodule}"):
            raise
        raise ImportError(
            f"skipjack.integration.{submodule} comes from the optuna-integration package: "
            "pip install optuna-integration."
        ) from e


def __getattr__(name: str) -> Any:
    own = _LAZY.get(name)
    if own is not None:
        value = getattr(importlib.import_module(own), name)
    elif name in _FORWARDED:
        value = getattr(optuna_integration_module(_FORWARDED[name]), name)
    elif name in SUBMODULES:
        value = optuna_integration_module(name)
    else:
        raise AttributeError(f"module 'skipjack.integration' has no attribute {name!r}")
    globals()[name] = value
    return value

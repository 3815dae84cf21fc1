"""Pruners: decide whether a running trial should stop early."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skipjack.pruners._base import BasePruner
from skipjack.pruners._decision import PruneDecision, PruneVerdict
from skipjack.pruners._log import (
    decision_log,
    intermediate_vectors,
    is_pruning_paused,
    set_pruning_paused,
)
from skipjack.pruners._nop import NopPruner

if TYPE_CHECKING:  # the lazily loaded names, for type checkers
    from skipjack.pruners._hyperband import HyperbandPruner
    from skipjack.pruners._median import MedianPruner
    from skipjack.pruners._pareto import ParetoPruner
    from skipjack.pruners._patient import PatientPruner
    from skipjack.pruners._percentile import PercentilePruner
    from skipjack.pruners._successive_halving import SuccessiveHalvingPruner
    from skipjack.pruners._threshold import ThresholdPruner
    from skipjack.pruners._wilcoxon import WilcoxonPruner

__all__ = [
    "BasePruner",
    "NopPruner",
    "MedianPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "HyperbandPruner",
    "ThresholdPruner",
    "PatientPruner",
    "WilcoxonPruner",
    "ParetoPruner",
    "PruneDecision",
    "PruneVerdict",
    "decision_log",
    "intermediate_vectors",
    "is_pruning_paused",
    "set_pruning_paused",
]

_LAZY = {
    "MedianPruner": "skipjack.pruners._median",
    "PercentilePruner": "skipjack.pruners._percentile",
    "SuccessiveHalvingPruner": "skipjack.pruners._successive_halving",
    "HyperbandPruner": "skipjack.pruners._hyperband",
    "ThresholdPruner": "skipjack.pruners._threshold",
    "PatientPruner": "skipjack.pruners._patient",
    "WilcoxonPruner": "skipjack.pruners._wilcoxon",
    "ParetoPruner": "skipjack.pruners._pareto",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skipjack.pruners' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

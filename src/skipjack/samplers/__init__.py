"""Samplers: decide the parameters of each trial.

``BaseSampler`` and ``RandomSampler`` load with the package; the other samplers load on first use
(some need scipy or cmaes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skipjack.samplers._base import BaseSampler
from skipjack.samplers._random import RandomSampler

if TYPE_CHECKING:  # the lazily loaded names, for type checkers
    from skipjack.samplers._auto import AutoSampler
    from skipjack.samplers._brute_force import BruteForceSampler
    from skipjack.samplers._cmaes import CmaEsSampler
    from skipjack.samplers._ga._base import BaseGASampler
    from skipjack.samplers._gp.sampler import GPSampler
    from skipjack.samplers._grid import GridSampler
    from skipjack.samplers._nsgaiii._sampler import NSGAIIISampler
    from skipjack.samplers._partial_fixed import PartialFixedSampler
    from skipjack.samplers._qmc import QMCSampler
    from skipjack.samplers._tpe.sampler import TPESampler
    from skipjack.samplers.nsgaii._sampler import NSGAIISampler
    from skipjack.search_space import IntersectionSearchSpace, intersection_search_space
    from skipjack.samplers import nsgaii

__all__ = [
    "BaseSampler",
    "RandomSampler",
    "TPESampler",
    "GridSampler",
    "QMCSampler",
    "BruteForceSampler",
    "PartialFixedSampler",
    "CmaEsSampler",
    "GPSampler",
    "NSGAIISampler",
    "NSGAIIISampler",
    "BaseGASampler",
    "AutoSampler",
    "IntersectionSearchSpace",
    "intersection_search_space",
    "nsgaii",
]

_LAZY = {
    "AutoSampler": "skipjack.samplers._auto",
    "TPESampler": "skipjack.samplers._tpe.sampler",
    "GridSampler": "skipjack.samplers._grid",
    "QMCSampler": "skipjack.samplers._qmc",
    "BruteForceSampler": "skipjack.samplers._brute_force",
    "PartialFixedSampler": "skipjack.samplers._partial_fixed",
    "CmaEsSampler": "skipjack.samplers._cmaes",
    "GPSampler": "skipjack.samplers._gp.sampler",
    "NSGAIISampler": "skipjack.samplers.nsgaii._sampler",
    "NSGAIIISampler": "skipjack.samplers._nsgaiii._sampler",
    "BaseGASampler": "skipjack.samplers._ga._base",
    "IntersectionSearchSpace": "skipjack.search_space",
    "intersection_search_space": "skipjack.search_space",
    "nsgaii": "skipjack.samplers.nsgaii",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skipjack.samplers' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if name == "nsgaii" else getattr(mod, name)
    globals()[name] = value
    return value

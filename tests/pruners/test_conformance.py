"""Every pruner exported by ``skipjack.pruners`` runs through the conformance suite."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import skipjack.pruners as pruners_module
from skipjack.pruners import BasePruner
from skipjack.testing.pruner_suite import PrunerConformance

# Pruners that need constructor arguments.
FACTORIES: dict[str, Callable[[], BasePruner]] = {
    "PercentilePruner": lambda: pruners_module.PercentilePruner(25.0, n_startup_trials=2),
    "ThresholdPruner": lambda: pruners_module.ThresholdPruner(lower=0.0, upper=0.8),
    "PatientPruner": lambda: pruners_module.PatientPruner(pruners_module.MedianPruner(), 2),
    "SuccessiveHalvingPruner": lambda: pruners_module.SuccessiveHalvingPruner(min_resource=1),
}


def _available() -> list[str]:
    names = []
    for name in pruners_module.__all__:
        try:
            obj = getattr(pruners_module, name)
        except (AttributeError, ImportError):
            continue
        if inspect.isclass(obj) and issubclass(obj, BasePruner) and not inspect.isabstract(obj):
            names.append(name)
    return names


for _name in _available():
    _factory = FACTORIES.get(_name, getattr(pruners_module, _name))

    def _make(self: PrunerConformance, _f: Callable[[], BasePruner] = _factory) -> BasePruner:
        return _f()

    globals()[f"Test{_name}Conformance"] = type(
        f"Test{_name}Conformance", (PrunerConformance,), {"make_pruner": _make}
    )

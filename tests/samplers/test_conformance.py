"""Every sampler exported by ``skipjack.samplers`` runs through the conformance suite.

Samplers are found from ``skipjack.samplers.__all__``; those that need constructor arguments
are built by the ``FACTORIES`` table below, and a test fails when a new sampler is neither
default-constructible nor in the table.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest

import skipjack.samplers as samplers_module
from skipjack.samplers import BaseSampler
from skipjack.testing.sampler_suite import SamplerConformance

# name -> (factory(seed), capabilities)
FACTORIES: dict[str, tuple[Callable[[Any], BaseSampler], dict[str, Any]]] = {
    "RandomSampler": (lambda seed: samplers_module.RandomSampler(seed=seed),
                      {"multi_objective": True, "constrained": False}),
    "TPESampler": (lambda seed: samplers_module.TPESampler(seed=seed),
                   {"multi_objective": True, "constrained": True}),
    "GPSampler": (lambda seed: samplers_module.GPSampler(seed=seed, n_startup_trials=5),
                  {"multi_objective": True, "constrained": True, "n_trials": 16}),
}


def _available_samplers() -> list[str]:
    names = []
    for name in samplers_module.__all__:
        try:
            obj = getattr(samplers_module, name)
        except (AttributeError, ImportError):
            continue  # not built yet
        if inspect.isclass(obj) and issubclass(obj, BaseSampler) and not inspect.isabstract(obj):
            names.append(name)
    return names


def _factory(name: str) -> tuple[Callable[[Any], BaseSampler], dict[str, Any]]:
    if name in FACTORIES:
        return FACTORIES[name]
    cls = getattr(samplers_module, name)
    params = inspect.signature(cls).parameters
    if "seed" in params:
        return (lambda seed: cls(seed=seed)), {}
    return (lambda seed: cls()), {"seed_reproducible": False}


@pytest.fixture(params=_available_samplers())
def sampler_name(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_sampler_is_constructible(sampler_name: str) -> None:
    factory, _ = _factory(sampler_name)
    assert isinstance(factory(0), BaseSampler)


def _make_suite(name: str) -> type:
    factory, caps = _factory(name)

    class Suite(SamplerConformance):
        multi_objective = caps.get("multi_objective", False)
        constrained = caps.get("constrained", False)
        seed_reproducible = caps.get("seed_reproducible", True)
        n_trials = int(caps.get("n_trials", SamplerConformance.n_trials))

        def make_sampler(self, seed: Any) -> BaseSampler:
            return factory(seed)

    Suite.__name__ = f"Test{name}Conformance"
    return Suite


for _name in _available_samplers():
    globals()[f"Test{_name}Conformance"] = _make_suite(_name)

_ = importlib

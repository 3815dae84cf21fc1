"""Every sampler exported by ``skipjack.samplers`` runs through the conformance suite.

Samplers are found from ``skipjack.samplers.__all__``; those that need constructor arguments
are built by the ``FACTORIES`` table below, and a test fails when a new sampler is neither
default-constructible nor in the table. ``EXPECTED_FAILURES`` lists the checks a sampler cannot
pass by design, each with the error it fails with and the reason; they run as strict xfails.
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
    # Small populations, so the suite's 30 trials run several generations of children.
    "NSGAIISampler": (lambda seed: samplers_module.NSGAIISampler(seed=seed, population_size=6),
                      {"multi_objective": True, "constrained": True}),
    "NSGAIIISampler": (lambda seed: samplers_module.NSGAIIISampler(seed=seed, population_size=6),
                       {"multi_objective": True, "constrained": True}),
    "CmaEsSampler": (lambda seed: samplers_module.CmaEsSampler(seed=seed, popsize=4),
                     {"multi_objective": False, "constrained": False}),
    "TPESampler": (lambda seed: samplers_module.TPESampler(seed=seed),
                   {"multi_objective": True, "constrained": True}),
    "GPSampler": (lambda seed: samplers_module.GPSampler(seed=seed, n_startup_trials=5),
                  {"multi_objective": True, "constrained": True, "n_trials": 16}),
    "AutoSampler": (lambda seed: samplers_module.AutoSampler(seed=seed, gp_max_trials=8),
                    {"multi_objective": True, "constrained": True, "n_trials": 16}),
    # One grid serves every check: its values lie in the ranges of all the suite's objectives.
    "GridSampler": (lambda seed: samplers_module.GridSampler(_SUITE_GRID, seed=seed),
                    {"multi_objective": True}),
    "BruteForceSampler": (lambda seed: samplers_module.BruteForceSampler(seed=seed),
                          {"multi_objective": True}),
    "QMCSampler": (lambda seed: samplers_module.QMCSampler(seed=seed, scramble=True),
                   {"multi_objective": True}),
    "PartialFixedSampler": (
        lambda seed: samplers_module.PartialFixedSampler(
            {"i": 2, "y": 2}, samplers_module.RandomSampler(seed=seed)),
        {"multi_objective": True}),
}

_SUITE_GRID: dict[str, list[Any]] = {
    "x": [k / 20 for k in range(21)], "lg": [1e-3, 0.1], "st": [0.25, 0.5], "i": [-1, 2],
    "il": [2, 64], "istep": [0, 4], "c": ["a", "b", None, 1.5], "a_only": [0.1, 0.9],
    "b_only": [0, 3], "y": [0, 1, 2], "d": [0.25, 0.75],
}

# Checks a sampler cannot pass by design: (sampler, check) -> (exception the check fails with,
# reason). Each runs as a strict xfail, so the table fails when the reason stops holding.
_CONTINUOUS = ("the check suggests a float without step; an exhaustive search needs a finite "
               "space and raises ValueError (tests/samplers/test_brute_force.py covers the "
               "same behaviour on finite spaces)")
EXPECTED_FAILURES: dict[tuple[str, str], tuple[type[BaseException], str]] = {
    ("GridSampler", "test_multi_objective"): (
        ValueError, "the check's categorical 'c' has choices [0, 1, 2], those of "
        "mixed_objective are ['a', 'b', None, 1.5]: no grid fits both (test_grid.py runs a "
        "multi-objective grid)"),
    **{("BruteForceSampler", check): (ValueError, _CONTINUOUS) for check in (
        "test_values_lie_in_their_distributions", "test_same_seed_same_suggestions",
        "test_survives_failed_pruned_and_nan_reports", "test_single_value_distributions",
        "test_dynamic_range_changes", "test_enqueued_and_added_trials_are_used",
        "test_parallel_threads", "test_pickle_mid_study", "test_ask_tell_with_fixed_distributions",
        "test_multi_objective",
    )},
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

    for (sampler, check), (error, reason) in EXPECTED_FAILURES.items():
        if sampler == name:
            setattr(Suite, check, _expected_failure(check, error, reason))
    Suite.__name__ = f"Test{name}Conformance"
    return Suite


def _expected_failure(check: str, error: type[BaseException], reason: str) -> Any:
    base = getattr(SamplerConformance, check)

    def run(self: SamplerConformance) -> None:
        base(self)

    run.__name__ = check
    return pytest.mark.xfail(raises=error, strict=True, reason=reason)(run)


for _name in _available_samplers():
    globals()[f"Test{_name}Conformance"] = _make_suite(_name)

_ = importlib

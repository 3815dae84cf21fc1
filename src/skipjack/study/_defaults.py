"""The sampler and pruner a study gets when none is given."""

from __future__ import annotations

from skipjack.pruners import BasePruner
from skipjack.samplers import BaseSampler

__all__ = ["default_sampler", "default_pruner"]


def default_sampler(n_objectives: int) -> BaseSampler:
    """TPESampler with its defaults, for one objective or several: as in Optuna 5."""
    from skipjack.samplers import TPESampler

    return TPESampler()


def default_pruner() -> BasePruner:
    """MedianPruner with its defaults (as in Optuna)."""
    from skipjack.pruners import MedianPruner

    return MedianPruner()

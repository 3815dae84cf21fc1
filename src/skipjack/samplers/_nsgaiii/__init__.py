"""NSGA-III sampler."""

from skipjack.samplers._nsgaiii._sampler import NSGAIIISampler

__all__ = ["NSGAIIISampler"]

"""CMA-ES sampler (needs the optional ``cmaes`` package)."""

from skipjack.samplers._cmaes._sampler import CmaEsSampler

__all__ = ["CmaEsSampler"]

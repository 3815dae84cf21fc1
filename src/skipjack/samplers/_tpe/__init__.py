"""Tree-structured Parzen Estimator sampler (``TPESampler``) and its building blocks."""

from skipjack.samplers._tpe.sampler import TPESampler

__all__ = ["TPESampler"]

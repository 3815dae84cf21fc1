"""NSGA-II and its operators: crossovers and mutations for the GA samplers."""

from skipjack.samplers.nsgaii._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from skipjack.samplers.nsgaii._mutations import BaseMutation, PolynomialMutation, UniformMutation
from skipjack.samplers.nsgaii._sampler import NSGAIISampler

__all__ = [
    "BaseCrossover",
    "BaseMutation",
    "BLXAlphaCrossover",
    "NSGAIISampler",
    "PolynomialMutation",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "UniformMutation",
    "VSBXCrossover",
]

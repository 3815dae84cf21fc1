"""Improvement evaluators: how much room for improvement a study has left."""

from skipjack.terminator.improvement.emmr import EMMREvaluator
from skipjack.terminator.improvement.evaluator import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)

__all__ = [
    "BaseImprovementEvaluator",
    "BestValueStagnationEvaluator",
    "EMMREvaluator",
    "RegretBoundEvaluator",
]

"""Automatic termination of studies (Optuna's ``optuna.terminator``, on skipjack's own GP).

A ``Terminator`` compares an improvement evaluator (room left for optimization) with an error
evaluator (statistical error of the objective); ``TerminatorCallback`` stops ``optimize`` when
the first falls below the second. Optuna 5 deprecates the module; so does skipjack, with the same
warnings. numpy and scipy are imported on first evaluation.
"""

from skipjack.terminator.callback import TerminatorCallback
from skipjack.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from skipjack.terminator.improvement.emmr import EMMREvaluator
from skipjack.terminator.improvement.evaluator import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from skipjack.terminator.median_erroreval import MedianErrorEvaluator
from skipjack.terminator.terminator import BaseTerminator, Terminator

__all__ = [
    "BaseErrorEvaluator",
    "BaseImprovementEvaluator",
    "BaseTerminator",
    "BestValueStagnationEvaluator",
    "CrossValidationErrorEvaluator",
    "EMMREvaluator",
    "MedianErrorEvaluator",
    "RegretBoundEvaluator",
    "StaticErrorEvaluator",
    "Terminator",
    "TerminatorCallback",
    "report_cross_validation_scores",
]

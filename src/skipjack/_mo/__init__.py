"""Multi-objective helpers shared by the study and the samplers: dominance, Pareto fronts, hypervolume.

Numeric helpers at the data layer: they read trial records and import nothing above them.
"""

from skipjack._mo._dominance import (
    constrained_non_dominated_sort,
    constraint_violation,
    dominates,
    fast_non_dominated_sort,
    is_feasible,
    pareto_front_trials,
)
from skipjack._mo._hypervolume import compute_hypervolume, hypervolume_contributions, solve_hssp

__all__ = [
    "compute_hypervolume",
    "constrained_non_dominated_sort",
    "constraint_violation",
    "dominates",
    "fast_non_dominated_sort",
    "hypervolume_contributions",
    "is_feasible",
    "pareto_front_trials",
    "solve_hssp",
]

"""Multi-objective helpers shared by the study and the samplers: dominance, Pareto fronts.

Numeric helpers at the data layer: they read trial records and import nothing above them.
"""

from skipjack._mo._dominance import (
    dominates,
    fast_non_dominated_sort,
    is_feasible,
    pareto_front_trials,
)

__all__ = ["dominates", "fast_non_dominated_sort", "is_feasible", "pareto_front_trials"]

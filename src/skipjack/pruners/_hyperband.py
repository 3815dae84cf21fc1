"""``HyperbandPruner``: several successive-halving brackets run side by side (Li et al. 2018).

Bracket ``b`` (``0 <= b < n_brackets``) is an ASHA with ``min_early_stopping_rate = b``: bracket
0 prunes aggressively from ``min_resource`` on, the last bracket barely prunes. With
``n = n_brackets = floor(log_eta(max_resource / min_resource)) + 1``, bracket ``b`` gets a trial
budget ``ceil(n * eta ** (n - 1 - b) / (n - b))``; a trial's bracket is chosen by hashing
``"<study name>_<trial number>"`` (CRC-32) into the total budget, so every worker assigns the same
trial to the same bracket without coordination. A trial competes only with the trials of its
bracket.

Design note: ``max_resource="auto"`` is taken from the first trial to complete (its last step + 1)
rather than from whichever trials one worker happened to see, so all workers agree on it; that
trial ran before the brackets existed and, as in Optuna, competes in none of them.
``n_brackets`` uses floating-point ``math.log`` as Optuna does, so bracket counts match Optuna's.
"""

from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING

from skipjack._records import FrozenTrial
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import check_int, keep, single_direction
from skipjack.pruners._decision import PruneDecision, Rule
from skipjack.pruners._successive_halving import decide_by_rungs, first_completed

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["HyperbandPruner", "bracket_budgets", "bracket_of"]


def bracket_budgets(min_resource: int, max_resource: int, reduction_factor: int) -> list[int]:
    """The trial budget of each bracket, bracket 0 (most aggressive) first."""
    n = math.floor(math.log(max_resource / min_resource, reduction_factor)) + 1
    return [
        math.ceil(n * reduction_factor ** (n - 1 - b) / (n - b)) for b in range(n)
    ]


def bracket_of(study_name: str, trial_number: int, budgets: list[int]) -> int:
    """The bracket of a trial: CRC-32 of ``"<study_name>_<number>"`` into the budgets."""
    n = zlib.crc32(f"{study_name}_{trial_number}".encode()) % sum(budgets)
    for bracket, budget in enumerate(budgets):
        n -= budget
        if n < 0:
            return bracket
    return len(budgets) - 1


class HyperbandPruner(BasePruner):
    """Hyperband over asynchronous successive-halving brackets.

    Args:
        min_resource: the step of the first rung of bracket 0.
        max_resource: the largest step a trial reports, or ``"auto"`` (the first completed trial's
            last step + 1).
        reduction_factor: each rung keeps the best ``1 / reduction_factor`` of its trials.
        bootstrap_count: passed to every bracket's successive halving.

    Raises:
        ValueError: an argument is out of range (the message names it).
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: str | int = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        owner = "HyperbandPruner"
        self._min_resource = check_int(owner, "min_resource", min_resource, 1)
        if isinstance(max_resource, str):
            if max_resource != "auto":
                raise ValueError(
                    f"The 'max_resource' argument of {owner} must be 'auto' or an int. "
                    f"Got {max_resource!r}."
                )
            self._max_resource: int | None = None
        else:
            check_int(owner, "max_resource", max_resource, 1)
            if max_resource < min_resource:
                raise ValueError(
                    f"The 'max_resource' argument of {owner} must be >= min_resource "
                    f"({min_resource}). Got {max_resource}."
                )
            self._max_resource = int(max_resource)
        self._reduction_factor = check_int(owner, "reduction_factor", reduction_factor, 2)
        self._bootstrap_count = check_int(owner, "bootstrap_count", bootstrap_count, 0)
        if self._max_resource is None and self._bootstrap_count > 0:
            raise ValueError(
                f"{owner} cannot take bootstrap_count={bootstrap_count} with "
                "max_resource='auto': the brackets are not known until a trial completes. Pass "
                "an int max_resource, or bootstrap_count=0."
            )

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def _budgets(self, max_resource: int) -> list[int]:
        return bracket_budgets(self._min_resource, max_resource, self._reduction_factor)

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        name = "HyperbandPruner"
        direction = single_direction(study, name)
        if trial.last_step is None:
            return keep(name, Rule.NO_REPORT, None)
        max_resource = self._max_resource
        excluded = -1
        if max_resource is None:
            first = first_completed(study)
            if first is None:
                return keep(name, Rule.STARTUP, trial.last_step,
                            compared={"max_resource": "auto (no trial completed yet)"})
            assert first.last_step is not None
            max_resource = first.last_step + 1
            # The trial that set the scale ran before the brackets existed: it does not compete
            # (as in Optuna, where it never recorded rung values).
            excluded = first.number
        if max_resource < self._min_resource:
            # The first completed trial stopped before min_resource: a single bracket.
            max_resource = self._min_resource
        budgets = self._budgets(max_resource)
        study_name = study.study_name
        bracket = bracket_of(study_name, trial.number, budgets)

        def same_bracket() -> list[FrozenTrial]:
            return [
                t for t in study.get_trials(deepcopy=False)
                if t.number != excluded and bracket_of(study_name, t.number, budgets) == bracket
            ]

        return decide_by_rungs(
            same_bracket, direction, trial, pruner=name, min_resource=self._min_resource,
            reduction_factor=self._reduction_factor, rate=bracket,
            bootstrap_count=self._bootstrap_count,
            compared_extra={"bracket": bracket, "n_brackets": len(budgets),
                            "max_resource": max_resource},
        )

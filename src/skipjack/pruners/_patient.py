"""``PatientPruner``: consult the wrapped pruner only once a trial stopped improving."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import check_int, check_number, keep, single_direction, stop
from skipjack.pruners._decision import PruneDecision, Rule

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["PatientPruner"]


@experimental("2.8.0")
class PatientPruner(BasePruner):
    """Wait ``patience`` steps without improvement before asking the wrapped pruner.

    With the trial's reported steps sorted, the last ``patience + 1`` reports form the window.
    The trial "stopped improving" when the best value in the window is worse than the best value
    before it by more than ``min_delta`` (Optuna's rule: ``min_delta`` tolerates a small
    regression). Only then is ``wrapped_pruner`` asked (or, when it is None, the trial is
    pruned). NaN reports are ignored; a window of NaN never prunes.

    Args:
        wrapped_pruner: the pruner consulted once the trial stopped improving, or None.
        patience: how many steps without improvement to tolerate (>= 0).
        min_delta: how much worse than before the window may be without counting as stalled
            (>= 0).

    Raises:
        ValueError: ``patience`` or ``min_delta`` is negative.
    """

    def __init__(
        self, wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0
    ) -> None:
        owner = "PatientPruner"
        self._wrapped_pruner = wrapped_pruner
        self._patience = check_int(owner, "patience", patience, 0)
        delta = check_number(owner, "min_delta", min_delta)
        if delta < 0:
            raise ValueError(f"The 'min_delta' argument of {owner} must be >= 0. Got {delta}.")
        self._min_delta = delta

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        name = "PatientPruner"
        step = trial.last_step
        if step is None:
            return keep(name, Rule.NO_REPORT, None)
        direction = single_direction(study, name)
        values = trial.intermediate_values
        steps = sorted(values)
        window = self._patience + 1
        if len(steps) <= window:
            return keep(name, Rule.PATIENCE, step,
                        compared={"patience": self._patience, "n_steps": len(steps)})
        before = [values[s] for s in steps[:-window] if not math.isnan(values[s])]
        after = [values[s] for s in steps[-window:] if not math.isnan(values[s])]
        compared = {"patience": self._patience, "min_delta": self._min_delta}
        if not before or not after:
            return keep(name, Rule.PATIENCE, step, compared=compared)
        if direction == StudyDirection.MINIMIZE:
            best_before, best_after = min(before), min(after)
            threshold = best_before + self._min_delta
            stalled = threshold < best_after
        else:
            best_before, best_after = max(before), max(after)
            threshold = best_before - self._min_delta
            stalled = threshold > best_after
        if not stalled:
            return keep(name, Rule.PATIENCE, step, value=best_after, threshold=threshold,
                        compared=compared)
        if self._wrapped_pruner is None:
            return stop(name, Rule.PATIENCE, step, value=best_after, threshold=threshold,
                        compared=compared)
        inner = self._wrapped_pruner.decide(study, trial)
        return inner.replace(
            pruner=f"{name}({inner.pruner})",
            compared={**inner.compared, "patience": {**compared, "stalled": True,
                                                     "value": best_after,
                                                     "threshold": threshold}},
        )

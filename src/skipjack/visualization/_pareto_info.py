"""What ``plot_pareto_front`` draws: the best (non-dominated, feasible), the dominated and the
infeasible COMPLETE trials, computed with skipjack's own Pareto toolkit (``skipjack._mo``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from skipjack._mo import is_feasible, pareto_front_trials
from skipjack._records import FrozenTrial
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack.visualization._common import (
    BEST_COLOR,
    DOMINATED_COLOR,
    INFEASIBLE_COLOR,
    complete_trials,
    logger,
)

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["ParetoInfo", "ParetoPoints", "pareto_info"]


class ParetoPoints(NamedTuple):
    numbers: list[int]
    values: list[list[float]]  # one row per trial, one column per plotted target


class ParetoInfo(NamedTuple):
    """Three groups of points: ``dominated`` and ``infeasible`` are empty unless
    ``include_dominated_trials``; ``infeasible`` only when constraints are in use."""

    n_targets: int
    target_names: list[str]
    best: ParetoPoints
    dominated: ParetoPoints
    infeasible: ParetoPoints
    has_constraints: bool

    def groups(self) -> list[tuple[str, str, ParetoPoints]]:
        """(legend name, colour, points) in drawing order, the best trials last (on top)."""
        out = []
        if self.has_constraints and self.infeasible.numbers:
            out.append(("Infeasible Trial", INFEASIBLE_COLOR, self.infeasible))
        if self.dominated.numbers:
            out.append(("Trial", DOMINATED_COLOR, self.dominated))
        return [*out, ("Best Trial", BEST_COLOR, self.best)]


def _points(trials: list[FrozenTrial], targets: Callable[[FrozenTrial], Sequence[float]]
            ) -> ParetoPoints:
    values = [[float(v) for v in targets(t)] for t in trials]
    return ParetoPoints([t.number for t in trials], values)


def _names(study: Study, n_targets: int, target_names: list[str] | None, default_objectives: bool
           ) -> list[str]:
    if target_names is not None:
        if len(target_names) != n_targets:
            raise ValueError(
                f"The 'target_names' argument must have one name per target ({n_targets}). "
                f"Got {len(target_names)}: {target_names!r}."
            )
        return list(target_names)
    if default_objectives and study.metric_names is not None:
        return list(study.metric_names)
    return [f"Objective {i}" for i in range(n_targets)]


def pareto_info(
    study: Study,
    target_names: list[str] | None,
    include_dominated_trials: bool,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None,
) -> ParetoInfo:
    """Split the COMPLETE trials into best, dominated and infeasible ones.

    The best trials are the study's Pareto front among feasible trials (feasible: every value of
    ``constraints_func``, or of the constraints the trial recorded, is <= 0), judged on the
    objective values with the study's directions; ``targets`` only changes what is drawn.

    Raises:
        ValueError: without ``targets`` the study does not have 2 or 3 objectives; ``targets``
            does not return 2 or 3 values; ``target_names`` has the wrong length or is missing
            for an empty study plotted through ``targets``.
    """
    directions = study.directions
    if targets is None and len(directions) not in (2, 3):
        raise ValueError(
            f"plot_pareto_front draws 2 or 3 objectives; the study has {len(directions)}. "
            "Pass `targets` (a function FrozenTrial -> 2 or 3 values) to choose what to draw."
        )
    trials = complete_trials(study)
    if constraints_func is not None:
        feasible = [all(c <= 0.0 for c in constraints_func(t)) for t in trials]
    else:
        feasible = [is_feasible(t) for t in trials]
    has_constraints = constraints_func is not None or any(
        CONSTRAINTS_KEY in t.system_attrs for t in trials
    )
    ok = [t for t, f in zip(trials, feasible) if f]
    front = pareto_front_trials(ok, directions, consider_constraints=False)
    best_numbers = {t.number for t in front}
    best = [t for t in ok if t.number in best_numbers]
    dominated = [t for t in ok if t.number not in best_numbers]
    infeasible = [t for t, f in zip(trials, feasible) if not f]
    draw = targets if targets is not None else (lambda t: t.values)

    if trials:
        n_targets = len(draw(trials[0]))
    elif targets is None:
        n_targets = len(directions)
    elif target_names is not None:
        n_targets = len(target_names)
    else:
        raise ValueError(
            "The study has no completed trials, so the number of targets is unknown: pass "
            "`target_names` along with `targets`."
        )
    if n_targets not in (2, 3):
        raise ValueError(f"`targets` must return 2 or 3 values. Got {n_targets}.")
    names = _names(study, n_targets, target_names, targets is None)
    if not trials:
        logger.warning("Your study does not have any completed trials.")
    if not include_dominated_trials:
        dominated, infeasible = [], []
    return ParetoInfo(n_targets, names, _points(best, draw), _points(dominated, draw),
                      _points(infeasible, draw), has_constraints)

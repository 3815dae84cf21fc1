"""``SuccessiveHalvingPruner``: asynchronous successive halving (ASHA, Li et al. 2020).

Rung ``r`` sits at step ``min_resource * reduction_factor ** (min_early_stopping_rate + r)``.
When a trial first reports a step at or past its next rung, it competes with every trial that
reached that rung: it is promoted (continues) when its value is within the best
``1 / reduction_factor`` of them (the best one while fewer than ``reduction_factor`` competed),
and pruned otherwise. A trial checks every rung its step passed, lowest first.

Design note: Optuna records each trial's rung values in trial system attributes written by the
pruner. Pruners here never write: a trial's value at rung ``r`` is derived from its intermediate
values (its value at the first reported step at or past the rung), so the decision is a pure
function of the stored history and every worker computes the same rungs. This equals Optuna's
bookkeeping when ``should_prune`` is called after every report. A PRUNED trial competes only up
to the lowest rung it reached at its final step (where it was stopped). ``min_resource="auto"``
is derived from the first trial to complete (its last step // 100, at least 1), so it too is the
same in every worker; that first trial ran before any rung existed and, as in Optuna, does not
compete in the rungs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.pruners._base import BasePruner
from skipjack.pruners._common import check_int, keep, single_direction, stop
from skipjack.pruners._decision import PruneDecision, Rule, format_numbers

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["SuccessiveHalvingPruner", "first_completed", "decide_by_rungs"]


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous successive halving.

    Args:
        min_resource: the step of the first rung, or ``"auto"`` (from the first completed trial).
        reduction_factor: each rung keeps the best ``1 / reduction_factor`` of its trials.
        min_early_stopping_rate: shifts the rungs up by this many powers of the factor.
        bootstrap_count: a trial reaching a rung is pruned while fewer than this many trials
            (itself included) have reached it.

    Raises:
        ValueError: an argument is out of range (the message names it).
    """

    def __init__(
        self,
        min_resource: str | int = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        owner = "SuccessiveHalvingPruner"
        if isinstance(min_resource, str):
            if min_resource != "auto":
                raise ValueError(
                    f"The 'min_resource' argument of {owner} must be 'auto' or an int >= 1. "
                    f"Got {min_resource!r}."
                )
        else:
            check_int(owner, "min_resource", min_resource, 1)
        self._min_resource: int | None = None if min_resource == "auto" else int(min_resource)
        self._reduction_factor = check_int(owner, "reduction_factor", reduction_factor, 2)
        self._min_early_stopping_rate = check_int(
            owner, "min_early_stopping_rate", min_early_stopping_rate, 0
        )
        self._bootstrap_count = check_int(owner, "bootstrap_count", bootstrap_count, 0)
        if bootstrap_count > 0 and min_resource == "auto":
            raise ValueError(
                f"{owner} cannot combine bootstrap_count={bootstrap_count} with "
                "min_resource='auto': pass an int min_resource, or bootstrap_count=0."
            )

    def prune(self, study: ReadOnlyStudy, trial: FrozenTrial) -> bool:
        return self.decide(study, trial).prune

    def decide(self, study: ReadOnlyStudy, trial: FrozenTrial) -> PruneDecision:
        name = "SuccessiveHalvingPruner"
        direction = single_direction(study, name)
        if trial.last_step is None:
            return keep(name, Rule.NO_REPORT, None)
        min_resource = self._min_resource
        excluded = -1
        if min_resource is None:
            first = first_completed(study)
            if first is None:
                return keep(name, Rule.STARTUP, trial.last_step,
                            compared={"min_resource": "auto (no trial completed yet)"})
            assert first.last_step is not None
            min_resource = max(first.last_step // 100, 1)
            # The trial that set the scale ran before any rung existed: it does not compete
            # (as in Optuna, where it never recorded rung values).
            excluded = first.number

        def competitors() -> list[FrozenTrial]:
            return [t for t in study.get_trials(deepcopy=False) if t.number != excluded]

        return decide_by_rungs(
            competitors, direction, trial, pruner=name, min_resource=min_resource,
            reduction_factor=self._reduction_factor, rate=self._min_early_stopping_rate,
            bootstrap_count=self._bootstrap_count,
        )


def first_completed(study: ReadOnlyStudy) -> FrozenTrial | None:
    """The study's first trial to complete with reports (by completion time, then number)."""
    first: FrozenTrial | None = None
    first_key: tuple[Any, int] | None = None
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if not t.intermediate_values:
            continue
        key = (t.datetime_complete or t.datetime_start, t.number)
        if first_key is None or key < first_key:
            first, first_key = t, key
    return first


def _rung_value(t: FrozenTrial, rung_step: int, stopped_at: int | None) -> float | None:
    """The value ``t`` brought to the rung at ``rung_step`` (None: it never reached it)."""
    reached = [s for s in t.intermediate_values if s >= rung_step]
    if not reached:
        return None
    step = min(reached)
    if stopped_at is not None and step == t.last_step and rung_step > stopped_at:
        return None  # a pruned trial stops competing at the rung where it was stopped
    value = t.intermediate_values[step]
    return None if math.isnan(value) else value


def _stopped_rung_step(t: FrozenTrial, rung_step: Callable[[int], int]) -> int | None:
    """For a PRUNED trial: the lowest rung step its final report reached (where it stopped)."""
    last = t.last_step
    if t.state != TrialState.PRUNED or last is None:
        return None
    previous = max((s for s in t.intermediate_values if s != last), default=-1)
    r = 0
    while rung_step(r) <= previous:
        r += 1
    return rung_step(r) if rung_step(r) <= last else None


def decide_by_rungs(
    trials: Sequence[FrozenTrial] | Callable[[], Sequence[FrozenTrial]],
    direction: StudyDirection,
    trial: FrozenTrial,
    *,
    pruner: str,
    min_resource: int,
    reduction_factor: int,
    rate: int,
    bootstrap_count: int,
    compared_extra: dict[str, Any] | None = None,
) -> PruneDecision:
    """The ASHA rule on ``trials`` (the current trial excluded or not; it is skipped by number).

    ``trials`` may be a callable returning them: it is only called when a rung is checked (most
    calls fall between rungs and need no history).
    """
    step = trial.last_step
    assert step is not None
    extra = dict(compared_extra or {})

    def rung_step(r: int) -> int:
        step_of_rung: int = min_resource * reduction_factor ** (rate + r)  # exponent >= 0: an int
        return step_of_rung

    previous = max((s for s in trial.intermediate_values if s != step), default=-1)
    rung = 0
    while rung_step(rung) <= previous:
        rung += 1  # rungs passed at earlier reports
    value = trial.intermediate_values[step]
    last_check: dict[str, Any] | None = None
    others: list[tuple[FrozenTrial, int | None]] | None = None  # built at the first rung check
    while True:
        promotion_step = rung_step(rung)
        if step < promotion_step:
            compared = {**extra, "rung": rung, "next_rung_step": promotion_step}
            if last_check is None:
                return keep(pruner, Rule.RUNG, step, compared=compared)
            return keep(pruner, Rule.RUNG, step, value=value,
                        threshold=last_check.pop("threshold"),
                        compared={**compared, **last_check})
        if math.isnan(value):
            return stop(pruner, Rule.NAN, step, value=value, compared={**extra, "rung": rung})
        numbers = []
        competing = []
        if others is None:
            others = [
                (t, _stopped_rung_step(t, rung_step))
                for t in (trials() if callable(trials) else trials)
                if t.number != trial.number and t.intermediate_values
            ]
        for t, stopped_at in others:
            v = _rung_value(t, promotion_step, stopped_at)
            if v is not None:
                numbers.append(t.number)
                competing.append(v)
        competing.append(value)
        compared = {**extra, "rung": rung, "rung_step": promotion_step,
                    "reduction_factor": reduction_factor, "n_competing": len(competing),
                    "trials": format_numbers(numbers)}
        if len(competing) <= bootstrap_count:
            return stop(pruner, Rule.RUNG, step, value=value,
                        compared={**compared, "bootstrap_count": bootstrap_count})
        index = max(len(competing) // reduction_factor - 1, 0)
        competing.sort()
        if direction == StudyDirection.MAXIMIZE:
            threshold = competing[-(index + 1)]
            promoted = value >= threshold
        else:
            threshold = competing[index]
            promoted = value <= threshold
        if not promoted:
            return stop(pruner, Rule.RUNG, step, value=value, threshold=threshold,
                        compared=compared)
        last_check = {**compared, "threshold": threshold, "promoted_to": rung + 1}
        rung += 1

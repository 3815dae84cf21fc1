"""What the history plots draw: optimization history, EDF, hypervolume history, intermediate
values and timeline, computed from a study's trials without any plotting library."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from skipjack._mo import compute_hypervolume, is_feasible
from skipjack._records import StudyDirection, TrialState
from skipjack.visualization._common import (
    INFEASIBLE_COLOR,
    STATE_COLORS,
    Target,
    as_studies,
    best_so_far,
    check_target,
    complete_trials,
    logger,
    target_values,
)

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = [
    "EdfInfo",
    "HistoryInfo",
    "HistorySeries",
    "HypervolumeInfo",
    "IntermediateInfo",
    "TimelineInfo",
    "edf_info",
    "history_info",
    "hypervolume_info",
    "intermediate_info",
    "timeline_info",
]

NO_TRIALS = "Study instance does not contain completed trials."


class HistorySeries(NamedTuple):
    """One study's history (or, with ``error_bar``, the mean over studies, with ``stds``).

    ``best`` is the best value so far at each of ``numbers`` (None when a ``target`` is plotted);
    infeasible trials are drawn apart and never count as best.
    """

    label: str
    best_label: str
    numbers: list[int]
    values: list[float]
    feasible: list[bool]
    best: list[float] | None
    stds: list[float] | None
    best_stds: list[float] | None


class HistoryInfo(NamedTuple):
    series: list[HistorySeries]
    target_name: str


def _one_history(study: Study, target: Target | None, label: str, best_label: str) -> HistorySeries:
    trials = complete_trials(study)
    values = target_values(trials, target)
    ok = [is_feasible(t) for t in trials]
    best = None
    if target is None:
        best = best_so_far([v if f else math.nan for v, f in zip(values, ok)], study.direction)
    numbers = [t.number for t in trials]
    return HistorySeries(label, best_label, numbers, values, ok, best, None, None)


def _mean_and_std(columns: list[list[float]]) -> tuple[list[float], list[float]]:
    with np.errstate(all="ignore"):
        arr = np.array(columns, dtype=float)  # (n_studies, n_numbers)
        counts = np.sum(~np.isnan(arr), axis=0)
        mean = np.where(counts > 0, np.nansum(arr, axis=0) / np.maximum(counts, 1), np.nan)
        var = np.nansum((arr - mean) ** 2, axis=0) / np.maximum(counts, 1)
    return mean.tolist(), np.sqrt(var).tolist()


def _mean_history(series: list[HistorySeries], target_name: str) -> HistorySeries:
    numbers = sorted({n for s in series for n, f in zip(s.numbers, s.feasible) if f})
    index = {n: i for i, n in enumerate(numbers)}
    values = [[math.nan] * len(numbers) for _ in series]
    bests = [[math.nan] * len(numbers) for _ in series]
    for row, s in enumerate(series):
        for k, (n, v, f) in enumerate(zip(s.numbers, s.values, s.feasible)):
            if f:
                values[row][index[n]] = v
            if s.best is not None:
                bests[row][index[n]] = s.best[k]
        for i in range(1, len(numbers)):  # the best value holds between a study's trials
            if math.isnan(bests[row][i]):
                bests[row][i] = bests[row][i - 1]
    mean, std = _mean_and_std(values)
    best_mean = best_std = None
    if series[0].best is not None:
        best_mean, best_std = _mean_and_std(bests)
    return HistorySeries(target_name, "Best Value", numbers, mean, [True] * len(numbers),
                         best_mean, std, best_std)


def history_info(
    study: Study | Sequence[Study], target: Target | None, target_name: str, error_bar: bool
) -> HistoryInfo:
    """The points and best-so-far lines of ``plot_optimization_history``."""
    check_target(study, target, target_name)
    studies = as_studies(study)
    if len(studies) == 1:
        labels = [(target_name, "Best Value")]
    else:
        labels = [(f"{target_name} of {s.study_name}", f"Best Value of {s.study_name}")
                  for s in studies]
    series = [_one_history(s, target, *label) for s, label in zip(studies, labels)]
    series = [s for s in series if s.numbers]
    if not series:
        logger.warning(NO_TRIALS)
        return HistoryInfo([], target_name)
    if error_bar:
        series = [_mean_history(series, target_name)]
    return HistoryInfo(series, target_name)


class EdfLine(NamedTuple):
    study_name: str
    ratios: list[float]


class EdfInfo(NamedTuple):
    """``ratios[i]`` of a line is the fraction of the study's trials with a value <= ``x[i]``."""

    lines: list[EdfLine]
    x: list[float]
    target_name: str


def edf_info(study: Study | Sequence[Study], target: Target | None, target_name: str) -> EdfInfo:
    """The empirical distribution functions of ``plot_edf``, on one grid shared by all studies."""
    check_target(study, target, target_name)
    per_study = []
    for s in as_studies(study):
        values = np.array(target_values(complete_trials(s), target), dtype=float)
        values = values[np.isfinite(values)]
        if values.size:
            per_study.append((s.study_name, np.sort(values)))
    if not per_study:
        logger.warning(NO_TRIALS)
        return EdfInfo([], [], target_name)
    low = min(float(v[0]) for _, v in per_study)
    high = max(float(v[-1]) for _, v in per_study)
    x = np.linspace(low, high, 100)
    lines = [EdfLine(name, (np.searchsorted(v, x, side="right") / v.size).tolist())
             for name, v in per_study]
    return EdfInfo(lines, x.tolist(), target_name)


class HypervolumeInfo(NamedTuple):
    numbers: list[int]
    values: list[float]


def hypervolume_info(study: Study, reference_point: Sequence[float]) -> HypervolumeInfo:
    """The hypervolume of the feasible Pareto front after each COMPLETE trial.

    Raises:
        ValueError: the study has one objective, or ``reference_point`` has another length.
    """
    directions = study.directions
    if len(directions) < 2:
        raise ValueError(
            "The study must be multi-objective. For a single-objective study, use "
            "plot_optimization_history instead."
        )
    if len(reference_point) != len(directions):
        raise ValueError(
            f"The 'reference_point' argument must have one value per objective "
            f"({len(directions)}). Got {len(reference_point)}."
        )
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
    ref = np.asarray(reference_point, dtype=float) * signs
    trials = complete_trials(study)
    if not trials:
        logger.warning(NO_TRIALS)
    front = np.empty((0, len(directions)))
    volume = 0.0
    numbers, volumes = [], []
    for t in trials:
        loss = np.asarray(t.values, dtype=float) * signs
        if is_feasible(t) and np.all(loss < ref):
            if not np.any(np.all(front <= loss, axis=1)):  # not weakly dominated: the front grows
                dominated = np.all(loss <= front, axis=1)
                front = np.vstack([front[~dominated], loss])
                volume = compute_hypervolume(front, ref, assume_pareto=True)
        numbers.append(t.number)
        volumes.append(volume)
    return HypervolumeInfo(numbers, volumes)


class IntermediateLine(NamedTuple):
    number: int
    steps: list[int]
    values: list[float]
    feasible: bool


class IntermediateInfo(NamedTuple):
    lines: list[IntermediateLine]


def intermediate_info(study: Study) -> IntermediateInfo:
    """One line per trial that reported intermediate values (running, pruned or complete)."""
    trials = study.get_trials(
        deepcopy=False, states=(TrialState.PRUNED, TrialState.COMPLETE, TrialState.RUNNING)
    )
    lines = []
    for t in trials:
        if t.intermediate_values:
            steps = sorted(t.intermediate_values)
            lines.append(IntermediateLine(
                t.number, steps, [float(t.intermediate_values[s]) for s in steps], is_feasible(t)
            ))
    if not trials:
        logger.warning("Study instance does not contain trials.")
    elif not lines:
        logger.warning(
            "You need to set up the pruning feature (trial.report) to use plot_intermediate_values."
        )
    return IntermediateInfo(lines)


class TimelineBar(NamedTuple):
    number: int
    start: datetime.datetime
    end: datetime.datetime
    state: TrialState
    infeasible: bool


class TimelineInfo(NamedTuple):
    bars: list[TimelineBar]

    def groups(self) -> list[tuple[str, str, list[TimelineBar]]]:
        """(legend name, colour, bars) per state; infeasible COMPLETE trials are a group of their
        own, drawn grey."""
        by_name: dict[str, list[TimelineBar]] = {}
        for bar in self.bars:
            by_name.setdefault("Infeasible" if bar.infeasible else bar.state.name, []).append(bar)
        return [(name, INFEASIBLE_COLOR if name == "Infeasible" else
                 STATE_COLORS[TrialState[name]], bars) for name, bars in by_name.items()]


def timeline_info(study: Study, n_recent_trials: int | None) -> TimelineInfo:
    """One bar per started trial, from its start to its end (now, for a running trial).

    Raises:
        ValueError: ``n_recent_trials`` is not None and not positive.
    """
    if n_recent_trials is not None and n_recent_trials <= 0:
        raise ValueError(
            f"The 'n_recent_trials' argument must be a positive integer or None. "
            f"Got {n_recent_trials}."
        )
    trials = study.get_trials(deepcopy=False)
    if n_recent_trials is not None:
        trials = trials[-n_recent_trials:]
    bars = []
    for t in trials:
        if t.datetime_start is None:
            continue
        end = t.datetime_complete or datetime.datetime.now()
        infeasible = t.state == TrialState.COMPLETE and not is_feasible(t)
        bars.append(TimelineBar(t.number, t.datetime_start, end, t.state, infeasible))
    if not bars:
        logger.warning("Study instance does not contain trials.")
    return TimelineInfo(bars)

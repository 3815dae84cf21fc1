"""What the parameter plots draw: slice, contour, parallel coordinate and rank, computed from a
study's COMPLETE trials without any plotting library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from skipjack._mo import is_feasible
from skipjack._records import FrozenTrial, StudyDirection
from skipjack.visualization._common import (
    ParamAxis,
    Target,
    check_target,
    complete_trials,
    logger,
    param_axis,
    select_params,
    target_values,
)

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = [
    "ContourInfo",
    "ParallelInfo",
    "PointSet",
    "RankInfo",
    "SliceInfo",
    "contour_info",
    "parallel_info",
    "rank_info",
    "slice_info",
]

GRID_SIZE = 100


class PointSet(NamedTuple):
    """Trials drawn in one subplot: their axes (``y`` is the target when it is not a parameter)."""

    x: ParamAxis
    y: ParamAxis
    numbers: list[int]
    targets: list[float]
    feasible: list[bool]


def _lower_is_better(study: Study, target: Target | None) -> bool:
    return target is not None or study.direction != StudyDirection.MAXIMIZE


def _usable(
    study: Study, params: Sequence[str] | None, target: Target | None, target_name: str
) -> tuple[list[FrozenTrial], list[float], list[str]]:
    """Checked arguments: COMPLETE trials with a finite target, those targets, and the parameters
    to plot (a warning when there is no trial)."""
    check_target(study, target, target_name)
    trials = complete_trials(study)
    values = target_values(trials, target)
    keep = [i for i, v in enumerate(values) if math.isfinite(v)]
    trials, values = [trials[i] for i in keep], [values[i] for i in keep]
    names = select_params(trials, params)
    if not trials:
        logger.warning("Your study does not have any completed trials.")
    return trials, values, names


def _pairs(names: list[str]) -> list[tuple[tuple[int, int], str, str]]:
    """(subplot, x parameter, y parameter): one subplot for two parameters, else every ordered
    pair, ``params[col]`` on x and ``params[row]`` on y."""
    if len(names) == 2:
        return [((0, 0), names[0], names[1])]
    return [((row, col), x, y) for row, y in enumerate(names) for col, x in enumerate(names)
            if row != col]


def _target_axis(values: list[float], name: str) -> ParamAxis:
    bounds = (min(values), max(values)) if values else (0.0, 1.0)
    return ParamAxis(name, "linear", list(values), list(values), [], bounds)


def _point_set(
    trials: list[FrozenTrial], values: list[float], x: str, y: str | None, target_name: str
) -> PointSet:
    keep = [i for i, t in enumerate(trials) if x in t.params and (y is None or y in t.params)]
    sub = [trials[i] for i in keep]
    sub_values = [values[i] for i in keep]
    y_axis = param_axis(sub, y) if y is not None else _target_axis(sub_values, target_name)
    return PointSet(param_axis(sub, x), y_axis, [t.number for t in sub], sub_values,
                    [is_feasible(t) for t in sub])


class SliceInfo(NamedTuple):
    subplots: list[PointSet]
    target_name: str


def slice_info(
    study: Study, params: Sequence[str] | None, target: Target | None, target_name: str
) -> SliceInfo:
    """One subplot per parameter: its value against the target, for every trial that has it."""
    trials, values, names = _usable(study, params, target, target_name)
    return SliceInfo([_point_set(trials, values, n, None, target_name) for n in names], target_name)


class ContourSubplot(NamedTuple):
    """A filled contour of the target over ``grid_x`` x ``grid_y`` (``z[row][col]``, NaN where
    unknown), plus the trials as points. Grids are in plot coordinates: the value on linear and
    log axes, the category index on categorical ones."""

    points: PointSet
    grid_x: list[float]
    grid_y: list[float]
    z: list[list[float]]


class ContourInfo(NamedTuple):
    """``subplots[(row, col)]`` has parameter ``params[col]`` on x and ``params[row]`` on y."""

    params: list[str]
    subplots: dict[tuple[int, int], ContourSubplot]
    target_name: str
    lower_is_better: bool


def _grid(axis: ParamAxis, size: int) -> np.ndarray:
    low, high = axis.bounds
    if axis.kind == "category":
        return np.arange(len(axis.categories), dtype=float)
    if axis.kind == "log":
        return np.geomspace(low, high, size)
    return np.linspace(low, high, size)


def _unit(axis: ParamAxis, coords: np.ndarray) -> np.ndarray:
    """Coordinates mapped to [0, 1] along the axis (in log space on a log axis)."""
    low, high = axis.bounds
    if axis.kind == "log":
        coords, low, high = np.log(coords), math.log(low), math.log(high)
    return (coords - low) / (high - low) if high > low else np.zeros_like(coords)


def _interpolate(points: PointSet, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Inverse-distance-weighted target over the grid (a node on a trial takes its value).

    Works through the trials in chunks, so memory stays at a few grids whatever their number.
    """
    px = _unit(points.x, np.array(points.x.positions, dtype=float))
    py = _unit(points.y, np.array(points.y.positions, dtype=float))
    values = np.array(points.targets, dtype=float)
    ux, uy = np.meshgrid(_unit(points.x, gx), _unit(points.y, gy))
    num, den = np.zeros(ux.shape), np.zeros(ux.shape)
    hit_num, hit_den = np.zeros(ux.shape), np.zeros(ux.shape)
    for start in range(0, len(values), 256):
        part = slice(start, start + 256)
        d2 = (ux[..., None] - px[part]) ** 2 + (uy[..., None] - py[part]) ** 2
        exact = d2 == 0.0
        w = np.where(exact, 0.0, 1.0 / np.where(exact, 1.0, d2))
        num += w @ values[part]
        den += w.sum(axis=-1)
        hit_num += exact @ values[part]
        hit_den += exact.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(hit_den > 0, hit_num / hit_den, num / den)


def contour_info(
    study: Study, params: Sequence[str] | None, target: Target | None, target_name: str
) -> ContourInfo:
    """A contour for each pair of parameters (one figure for two, a matrix for more)."""
    trials, values, names = _usable(study, params, target, target_name)
    better_low = _lower_is_better(study, target)
    if len(names) < 2:
        if trials:
            logger.warning("A contour plot needs at least two parameters; the figure is empty.")
        return ContourInfo(names, {}, target_name, better_low)
    size = GRID_SIZE if len(names) == 2 else GRID_SIZE // 2
    subplots = {}
    for key, x, y in _pairs(names):
        points = _point_set(trials, values, x, y, target_name)
        gx, gy = _grid(points.x, size), _grid(points.y, size)
        z = _interpolate(points, gx, gy) if len(points.numbers) >= 2 else np.full(
            (len(gy), len(gx)), np.nan)
        subplots[key] = ContourSubplot(points, gx.tolist(), gy.tolist(), z.tolist())
    return ContourInfo(names, subplots, target_name, better_low)


class ParallelDimension(NamedTuple):
    """One vertical axis: ``values`` per trial (log10 on a log axis, index for categories) with
    the tick positions and labels to show."""

    label: str
    values: list[float]
    bounds: tuple[float, float]
    tick_values: list[float] | None
    tick_text: list[str] | None


class ParallelInfo(NamedTuple):
    """The target first, then one dimension per parameter; one line per trial with all of them."""

    target: ParallelDimension
    dimensions: list[ParallelDimension]
    target_name: str
    lower_is_better: bool


def _dimension(axis: ParamAxis) -> ParallelDimension:
    if axis.kind == "category":
        ticks = [float(i) for i in range(len(axis.categories))]
        return ParallelDimension(axis.name, axis.positions, axis.bounds, ticks, axis.categories)
    if axis.kind == "log":
        low, high = (math.log10(b) for b in axis.bounds)
        ticks = [float(k) for k in range(math.ceil(low), math.floor(high) + 1)]
        ticks = sorted({low, *ticks, high})
        return ParallelDimension(axis.name, [math.log10(v) for v in axis.values], (low, high),
                                 ticks, [f"{10 ** k:.3g}" for k in ticks])
    return ParallelDimension(axis.name, axis.positions, axis.bounds, None, None)


def parallel_info(
    study: Study, params: Sequence[str] | None, target: Target | None, target_name: str
) -> ParallelInfo:
    """The target and the parameters, for the trials that have every plotted parameter."""
    trials, values, names = _usable(study, params, target, target_name)
    keep = [i for i, t in enumerate(trials) if all(n in t.params for n in names)]
    trials = [trials[i] for i in keep]
    values = [values[i] for i in keep]
    target_dim = _dimension(_target_axis(values, target_name))
    dims = [_dimension(param_axis(trials, n)) for n in names] if trials else []
    return ParallelInfo(target_dim, dims, target_name, _lower_is_better(study, target))


class RankInfo(NamedTuple):
    """Scatter plots coloured by the rank of the target: ``colors[number]`` is 0 for the best
    trial and 1 for the worst. With one parameter, one subplot at (0, 0) has the target on y;
    otherwise ``subplots[(row, col)]`` has ``params[col]`` on x and ``params[row]`` on y."""

    params: list[str]
    subplots: dict[tuple[int, int], PointSet]
    colors: dict[int, float]
    target_name: str


def rank_info(
    study: Study, params: Sequence[str] | None, target: Target | None, target_name: str
) -> RankInfo:
    """Parameter pairs as scatter plots, each trial coloured by its rank among all trials."""
    trials, values, names = _usable(study, params, target, target_name)
    signed = np.array(values, dtype=float) * (1.0 if _lower_is_better(study, target) else -1.0)
    order = np.argsort(np.argsort(signed, kind="stable"), kind="stable")
    scale = max(len(values) - 1, 1)
    colors = {t.number: float(r) / scale for t, r in zip(trials, order)}
    subplots = {key: _point_set(trials, values, x, y, target_name) for key, x, y in _pairs(names)}
    if len(names) == 1:
        subplots[(0, 0)] = _point_set(trials, values, names[0], None, target_name)
    return RankInfo(names, subplots, colors, target_name)

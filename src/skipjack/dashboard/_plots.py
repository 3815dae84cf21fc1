"""Plot data, aggregated and downsampled on the server (the browser only draws it with plotly).

Each function maps a study's trials to a small JSON-ready dict whose size does not grow with the
number of trials: at most ``MAX_POINTS`` scatter points (evenly spaced over trial numbers, the
best trial always kept; the history keeps each bin's lowest and highest value so spikes stay
visible), ``MAX_CURVES`` learning curves, ``GRID`` x ``GRID`` contour cells, ``EDF_POINTS``
quantiles. ``n`` in each answer is the number of trials the plot stands for.
"""

from __future__ import annotations

import math
from collections.abc import Container, Sequence
from typing import Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack._mo import pareto_front_trials
from skipjack.dashboard._serialize import jsonable, number

__all__ = ["PLOTS", "MAX_POINTS", "plot_data"]

MAX_POINTS = 2000
MAX_CURVES = 100
CURVE_POINTS = 300
GRID = 30
EDF_POINTS = 200
IMPORTANCE_TRIALS = 2000


def _complete(trials: list[FrozenTrial], objective: int) -> list[FrozenTrial]:
    return [t for t in trials if t.state == TrialState.COMPLETE and t.values is not None
            and len(t.values) > objective and not math.isnan(t.values[objective])]


def _even(items: Sequence[Any], k: int) -> list[Any]:
    n = len(items)
    if n <= k:
        return list(items)
    return [items[(i * (n - 1)) // (k - 1)] for i in range(k)]


def _sample(trials: list[FrozenTrial], k: int, best: FrozenTrial | None) -> list[FrozenTrial]:
    picked = _even(trials, k)
    if best is not None and all(t.number != best.number for t in picked):
        picked[-1] = best
    return picked


def _best(complete: list[FrozenTrial], objective: int, maximize: bool) -> FrozenTrial | None:
    if not complete:
        return None
    key = lambda t: t.values[objective]  # noqa: E731
    return max(complete, key=key) if maximize else min(complete, key=key)


def _param_value(t: FrozenTrial, name: str) -> Any:
    return jsonable(t.params.get(name))


def _param_names(trials: list[FrozenTrial]) -> list[str]:
    names: dict[str, None] = {}
    for t in trials:
        for name in t.params:
            names.setdefault(name, None)
    return sorted(names)


def _categorical(trials: list[FrozenTrial], name: str) -> bool:
    from skipjack.distributions import CategoricalDistribution

    for t in trials:
        d = t.distributions.get(name)
        if d is not None:
            return isinstance(d, CategoricalDistribution)
    return False


def _log_scale(trials: list[FrozenTrial], name: str) -> bool:
    for t in trials:
        d = t.distributions.get(name)
        if d is not None:
            return bool(getattr(d, "log", False))
    return False


# --- the plots ----------------------------------------------------------------------------------

def history(trials: list[FrozenTrial], objective: int, maximize: bool) -> dict[str, Any]:
    complete = _complete(trials, objective)
    xs: list[int] = []
    ys: list[Any] = []
    if len(complete) <= MAX_POINTS:
        xs = [t.number for t in complete]
        ys = [number(t.values[objective]) for t in complete]  # type: ignore[index]
    else:
        bins = MAX_POINTS // 2
        size = len(complete) / bins
        for b in range(bins):
            chunk = complete[int(b * size):int((b + 1) * size)]
            if not chunk:
                continue
            lo = min(chunk, key=lambda t: t.values[objective])  # type: ignore[index]
            hi = max(chunk, key=lambda t: t.values[objective])  # type: ignore[index]
            for t in sorted({lo.number: lo, hi.number: hi}.values(), key=lambda t: t.number):
                xs.append(t.number)
                ys.append(number(t.values[objective]))  # type: ignore[index]
    best_x: list[int] = []
    best_y: list[Any] = []
    best: float | None = None
    for t in complete:
        v = t.values[objective]  # type: ignore[index]
        if best is None or (v > best if maximize else v < best):
            best = v
            best_x.append(t.number)
            best_y.append(number(v))
    if complete and best_x and best_x[-1] != complete[-1].number:
        best_x.append(complete[-1].number)
        best_y.append(best_y[-1])
    return {"n": len(complete), "x": xs, "y": ys, "best_x": best_x, "best_y": best_y}


def intermediate(trials: list[FrozenTrial]) -> dict[str, Any]:
    reporting = [t for t in trials if t.intermediate_values]
    curves = []
    for t in _even(reporting, MAX_CURVES):
        steps = sorted(t.intermediate_values)
        steps = _even(steps, CURVE_POINTS)
        curves.append({"number": t.number, "state": t.state.name, "steps": steps,
                       "values": [number(t.intermediate_values[s]) for s in steps]})
    return {"n": len(reporting), "curves": curves}


def slice_(trials: list[FrozenTrial], objective: int, maximize: bool) -> dict[str, Any]:
    complete = _complete(trials, objective)
    picked = _sample(complete, MAX_POINTS, _best(complete, objective, maximize))
    params = {}
    for name in _param_names(picked):
        holding = [t for t in picked if name in t.params]
        params[name] = {"x": [_param_value(t, name) for t in holding],
                        "y": [number(t.values[objective]) for t in holding],  # type: ignore[index]
                        "numbers": [t.number for t in holding],
                        "categorical": _categorical(holding, name),
                        "log": _log_scale(holding, name)}
    return {"n": len(complete), "params": params}


def _bins(values: list[Any], categorical: bool, log: bool) -> tuple[list[Any], list[int]]:
    """(bin labels or centres, the bin index of each value)."""
    if categorical:
        labels = sorted({str(v) for v in values})
        where = {label: i for i, label in enumerate(labels)}
        return labels, [where[str(v)] for v in values]
    xs = [math.log10(v) if log and v > 0 else float(v) for v in values]
    lo, hi = min(xs), max(xs)
    if hi == lo:
        return [values[0]], [0] * len(values)
    width = (hi - lo) / GRID
    centres = [lo + (i + 0.5) * width for i in range(GRID)]
    if log:
        centres = [10 ** c for c in centres]
    return centres, [min(GRID - 1, int((x - lo) / width)) for x in xs]


def contour(trials: list[FrozenTrial], objective: int, maximize: bool,
            x: str | None, y: str | None) -> dict[str, Any]:
    complete = _complete(trials, objective)
    names = _param_names(complete)
    if len(names) < 2:
        return {"n": len(complete), "params": names, "x": None, "y": None}
    x = x if x in names else names[0]
    y = y if y in names and y != x else next(n for n in names if n != x)
    holding = [t for t in complete if x in t.params and y in t.params]
    if not holding:
        return {"n": 0, "params": names, "x": x, "y": y}
    xcat, ycat = _categorical(holding, x), _categorical(holding, y)
    xlog, ylog = _log_scale(holding, x), _log_scale(holding, y)
    xl, xi = _bins([t.params[x] for t in holding], xcat, xlog)
    yl, yi = _bins([t.params[y] for t in holding], ycat, ylog)
    sums = [[0.0] * len(xl) for _ in yl]
    counts = [[0] * len(xl) for _ in yl]
    for t, i, j in zip(holding, xi, yi):
        v = t.values[objective]  # type: ignore[index]
        if math.isfinite(v):
            sums[j][i] += v
            counts[j][i] += 1
    z = [[number(s / c) if c else None for s, c in zip(srow, crow)]
         for srow, crow in zip(sums, counts)]
    picked = _sample(holding, MAX_POINTS, _best(holding, objective, maximize))
    return {"n": len(holding), "params": names, "x": x, "y": y,
            "x_labels": jsonable(xl), "y_labels": jsonable(yl), "z": z,
            "x_log": xlog, "y_log": ylog, "x_categorical": xcat, "y_categorical": ycat,
            "points": {"x": [_param_value(t, x) for t in picked],
                       "y": [_param_value(t, y) for t in picked]}}


def parallel(trials: list[FrozenTrial], objective: int, maximize: bool) -> dict[str, Any]:
    complete = _complete(trials, objective)
    names = _param_names(complete)
    picked = _sample(complete, MAX_POINTS // 2, _best(complete, objective, maximize))
    picked = [t for t in picked if all(n in t.params for n in names)]
    dims = []
    for name in names:
        values = [t.params[name] for t in picked]
        if _categorical(picked, name):
            labels = sorted({str(v) for v in values})
            where = {label: i for i, label in enumerate(labels)}
            dims.append({"label": name, "values": [where[str(v)] for v in values],
                         "ticktext": labels, "tickvals": list(range(len(labels)))})
        else:
            dims.append({"label": name, "values": [number(v) for v in values]})
    return {"n": len(complete), "dimensions": dims,
            "objective": [number(t.values[objective]) for t in picked]}  # type: ignore[index]


def rank(trials: list[FrozenTrial], objective: int, maximize: bool) -> dict[str, Any]:
    """Each parameter against the objective's rank (0 = best, 1 = worst) over every trial."""
    complete = _complete(trials, objective)
    ordered = sorted(complete, key=lambda t: t.values[objective],  # type: ignore[index]
                     reverse=maximize)
    n = len(ordered)
    share = {t.number: (i / (n - 1) if n > 1 else 0.0) for i, t in enumerate(ordered)}
    picked = _sample(complete, MAX_POINTS, ordered[0] if ordered else None)
    params = {}
    for name in _param_names(picked):
        holding = [t for t in picked if name in t.params]
        params[name] = {"x": [_param_value(t, name) for t in holding],
                        "rank": [share[t.number] for t in holding],
                        "y": [number(t.values[objective]) for t in holding],  # type: ignore[index]
                        "log": _log_scale(holding, name)}
    return {"n": n, "params": params}


def edf(trials: list[FrozenTrial], objective: int) -> dict[str, Any]:
    values = sorted(t.values[objective] for t in _complete(trials, objective)  # type: ignore[index]
                    if math.isfinite(t.values[objective]))  # type: ignore[index]
    n = len(values)
    if n == 0:
        return {"n": 0, "x": [], "y": []}
    k = min(n, EDF_POINTS)
    idx = sorted({(i * (n - 1)) // max(1, k - 1) for i in range(k)})
    return {"n": n, "x": [values[i] for i in idx], "y": [(i + 1) / n for i in idx]}


class _TrialsStudy:
    """The read-only part of a Study that importance evaluators use, over a list of trials."""

    def __init__(self, trials: list[FrozenTrial], directions: list[StudyDirection]) -> None:
        self._trials = trials
        self.directions = directions

    def get_trials(self, deepcopy: bool = True,
                   states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        return [t for t in self._trials if states is None or t.state in states]

    @property
    def trials(self) -> list[FrozenTrial]:
        return list(self._trials)


def importance(trials: list[FrozenTrial], directions: list[StudyDirection],
               objective: int) -> dict[str, Any]:
    from skipjack.importance import get_param_importances

    complete = _complete(trials, objective)
    picked = _even(complete, IMPORTANCE_TRIALS)
    if len(picked) < 2:
        return {"n": len(complete), "importances": {}}
    study: Any = _TrialsStudy(picked, directions)
    try:
        result = get_param_importances(
            study, target=(lambda t: t.values[objective])  # type: ignore[index]
            if len(directions) > 1 else None)
    except (ValueError, RuntimeError) as error:
        return {"n": len(complete), "importances": {}, "error": str(error)}
    return {"n": len(complete), "importances": {k: number(v) for k, v in result.items()}}


def timeline(trials: list[FrozenTrial]) -> dict[str, Any]:
    import datetime

    started = [t for t in trials if t.datetime_start is not None]
    latest = started[-MAX_POINTS // 2:]
    now = datetime.datetime.now()
    bars = []
    for t in latest:
        end = t.datetime_complete or now
        bars.append({"number": t.number, "state": t.state.name,
                     "start": t.datetime_start.isoformat(),  # type: ignore[union-attr]
                     "end": end.isoformat(),
                     "running": t.datetime_complete is None})
    return {"n": len(started), "bars": bars}


def pareto(trials: list[FrozenTrial], directions: list[StudyDirection],
           x: int, y: int) -> dict[str, Any]:
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.values is not None
                and len(t.values) == len(directions)
                and all(math.isfinite(v) for v in t.values)]
    if not complete:
        return {"n": 0, "front": [], "others": [], "x": x, "y": y}
    front = pareto_front_trials(complete, directions, consider_constraints=False)
    on_front = {t.number for t in front}
    others = _even([t for t in complete if t.number not in on_front], MAX_POINTS)

    def points(ts: list[FrozenTrial]) -> dict[str, list[Any]]:
        return {"x": [number(t.values[x]) for t in ts],  # type: ignore[index]
                "y": [number(t.values[y]) for t in ts],  # type: ignore[index]
                "numbers": [t.number for t in ts]}

    return {"n": len(complete), "x": x, "y": y, "front": points(_even(front, MAX_POINTS)),
            "others": points(others), "n_front": len(front)}


PLOTS = ("history", "intermediate", "slice", "contour", "parallel", "rank", "edf", "importance",
         "timeline", "pareto")


def plot_data(kind: str, trials: list[FrozenTrial], directions: list[StudyDirection],
              objective: int = 0, x: str | None = None, y: str | None = None) -> dict[str, Any]:
    """The data of plot ``kind`` (one of ``PLOTS``) for objective ``objective``."""
    maximize = directions[objective] == StudyDirection.MAXIMIZE
    if kind == "history":
        return history(trials, objective, maximize)
    if kind == "intermediate":
        return intermediate(trials)
    if kind == "slice":
        return slice_(trials, objective, maximize)
    if kind == "contour":
        return contour(trials, objective, maximize, x, y)
    if kind == "parallel":
        return parallel(trials, objective, maximize)
    if kind == "rank":
        return rank(trials, objective, maximize)
    if kind == "edf":
        return edf(trials, objective)
    if kind == "importance":
        return importance(trials, directions, objective)
    if kind == "timeline":
        return timeline(trials)
    if kind == "pareto":
        xi = int(x) if x is not None and x.isdigit() else 0
        yi = int(y) if y is not None and y.isdigit() else 1
        return pareto(trials, directions, xi, yi)
    raise KeyError(kind)

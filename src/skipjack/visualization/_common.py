"""What every plot needs before drawing: argument checks, the target, parameter axes.

Plots are data first (docs/visualization.md): the ``_*_info`` modules turn a study into small
NamedTuples using only this module and numpy; the plotly and matplotlib renderers only draw them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from skipjack._mo import is_feasible
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = [
    "BEST_COLOR",
    "DEFAULT_TARGET_NAME",
    "DOMINATED_COLOR",
    "INFEASIBLE_COLOR",
    "STATE_COLORS",
    "ParamAxis",
    "Target",
    "as_studies",
    "best_so_far",
    "check_target",
    "complete_trials",
    "is_log_param",
    "logger",
    "param_axis",
    "select_params",
    "target_values",
]

DEFAULT_TARGET_NAME = "Objective Value"

# Colours shared by both renderers.
INFEASIBLE_COLOR = "#cccccc"
DOMINATED_COLOR = "#1f77b4"
BEST_COLOR = "#d62728"
STATE_COLORS = {
    TrialState.COMPLETE: "blue",
    TrialState.FAIL: "red",
    TrialState.PRUNED: "orange",
    TrialState.RUNNING: "green",
    TrialState.WAITING: "gray",
}

Target = Callable[[FrozenTrial], float]

logger = get_logger("skipjack.visualization")


def as_studies(study: Study | Sequence[Study]) -> list[Study]:
    """One study or a sequence of studies, as a list."""
    if isinstance(study, Sequence):
        return list(study)
    return [study]


def check_target(
    studies: Study | Sequence[Study], target: Target | None, target_name: str
) -> None:
    """Refuse a multi-objective study without ``target``; warn when ``target_name`` is left default.

    Raises:
        ValueError: a study has several objectives and ``target`` is None.
    """
    if target is None:
        for study in as_studies(studies):
            if study._is_multi_objective():
                raise ValueError(
                    "The study has several objectives: specify the `target` argument (a function "
                    "FrozenTrial -> float), e.g. `target=lambda t: t.values[0]`, and a "
                    "`target_name`."
                )
    elif target_name == DEFAULT_TARGET_NAME:
        warnings.warn(
            "`target` is specified, but `target_name` is the default value, "
            f"{DEFAULT_TARGET_NAME!r}: pass `target_name` to label the axis.",
            UserWarning,
            stacklevel=3,
        )


def complete_trials(study: Study) -> list[FrozenTrial]:
    """The study's COMPLETE trials (shared records, ordered by number)."""
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def target_values(trials: Sequence[FrozenTrial], target: Target | None) -> list[float]:
    """``target(t)`` for each trial, or its single objective value when ``target`` is None."""
    if target is None:
        return [float(t.value) for t in trials]  # type: ignore[arg-type]
    return [float(target(t)) for t in trials]


def best_so_far(values: Sequence[float], direction: StudyDirection) -> list[float]:
    """The running minimum (or maximum, for MAXIMIZE) of ``values``; NaN is skipped."""
    better = max if direction == StudyDirection.MAXIMIZE else min
    out: list[float] = []
    best = math.nan
    for v in values:
        if not math.isnan(v):
            best = v if math.isnan(best) else better(best, v)
        out.append(best)
    return out


def select_params(trials: Sequence[FrozenTrial], params: Sequence[str] | None) -> list[str]:
    """The parameters to plot: ``params`` (checked to exist) or every parameter, sorted.

    Raises:
        ValueError: a name in ``params`` is not a parameter of any of the trials.
    """
    present = sorted({name for t in trials for name in t.params})
    if params is None:
        return present
    for name in params:
        if name not in present:
            raise ValueError(
                f"Parameter {name!r} does not exist in your study (its parameters: {present})."
            )
    return list(params)


class ParamAxis(NamedTuple):
    """How one parameter is laid on an axis.

    ``kind`` is ``"linear"``, ``"log"`` or ``"category"``. ``values`` are what to plot for
    ``trials`` (the category label for categorical parameters), ``positions`` the same as numbers
    (the label's index in ``categories``), and ``bounds`` the axis range in those numbers.
    """

    name: str
    kind: str
    values: list[Any]
    positions: list[float]
    categories: list[str]
    bounds: tuple[float, float]


def is_log_param(trials: Sequence[FrozenTrial], name: str) -> bool:
    """True when the parameter was sampled from a log distribution."""
    for t in trials:
        dist = t.distributions.get(name)
        if isinstance(dist, (FloatDistribution, IntDistribution)):
            return bool(dist.log)
    return False


def _is_numeric_choice(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def param_axis(trials: Sequence[FrozenTrial], name: str) -> ParamAxis:
    """The axis of parameter ``name`` for ``trials`` (which must all have it).

    A categorical parameter whose choices are all numbers is drawn on a linear axis, as Optuna does.
    """
    raw = [t.params[name] for t in trials]
    dists = [t.distributions[name] for t in trials]
    categorical = any(isinstance(d, CategoricalDistribution) for d in dists)
    if categorical and not all(_is_numeric_choice(v) for v in raw):
        categories: list[str] = []
        for d in dists:
            for c in getattr(d, "choices", ()):
                if str(c) not in categories:
                    categories.append(str(c))
        labels = [str(v) for v in raw]
        for label in labels:
            if label not in categories:
                categories.append(label)
        positions = [float(categories.index(label)) for label in labels]
        return ParamAxis(name, "category", labels, positions, categories,
                         (-0.5, len(categories) - 0.5))
    values = [float(v) for v in raw]
    lows = [float(d.low) for d in dists if isinstance(d, (FloatDistribution, IntDistribution))]
    highs = [float(d.high) for d in dists if isinstance(d, (FloatDistribution, IntDistribution))]
    low = min(lows + values) if values or lows else 0.0
    high = max(highs + values) if values or highs else 1.0
    kind = "log" if is_log_param(trials, name) else "linear"
    return ParamAxis(name, kind, values, values, [], (low, high))


"""The evaluator base class and the data preparation every evaluator shares.

An evaluator sees a study through its public API only (``get_trials`` and ``directions``). The
shared steps are: take the COMPLETE trials, choose the parameters to assess (the intersection
search space, or the ``params`` the caller names), and encode each trial as one numeric row on a
known bounded domain (see :func:`encode`).
"""

from __future__ import annotations

import abc
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.search_space import intersection_search_space

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["BaseImportanceEvaluator"]

Target = Callable[[FrozenTrial], float]

_MULTI_OBJECTIVE_HINT = (
    "The study has several objectives, so pass `target` to choose the value to explain, "
    "for example `target=lambda t: t.values[0]` for the first objective."
)


class BaseImportanceEvaluator(abc.ABC):
    """Abstract parameter-importance evaluator.

    ``get_param_importances`` calls :meth:`evaluate` once per request; an evaluator keeps no state
    between calls other than its constructor settings, so one instance can serve many studies.
    """

    @abc.abstractmethod
    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """Return the importance of each parameter, most important first (not normalized).

        Args:
            study: the study whose COMPLETE trials are analysed.
            params: names of the parameters to assess; ``None`` assesses every parameter that
                appears in a COMPLETE trial (PED-ANOVA), or, for an evaluator that needs one set
                of trials holding every assessed parameter (fANOVA, MDI), the parameters held with
                one distribution by all COMPLETE trials, with a warning naming those left out.
            target: a function of a trial returning the value to explain; ``None`` uses the
                objective value (required for multi-objective studies, except for
                ``PedAnovaImportanceEvaluator``).

        Returns:
            A dict of parameter name -> non-negative importance, sorted by decreasing importance.

        Raises:
            ValueError: ``target`` is missing on a multi-objective study, or a name in ``params``
                is not shared by any COMPLETE trial.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Encoded:
    """Trials encoded as numbers on a bounded box: the input of every evaluator.

    Attributes:
        names: parameter names, one per column.
        distributions: the distribution of each column.
        trials: the trials, one per row.
        x: array (n_trials, n_params): float and int values (their log for ``log=True``), and the
            index of the choice for categorical parameters.
        low, high: arrays (n_params,): the domain of each column. A discrete column's domain
            extends half a step past its first and last value, so each value owns an equal share.
    """

    names: list[str]
    distributions: list[BaseDistribution]
    trials: list[FrozenTrial]
    x: np.ndarray
    low: np.ndarray
    high: np.ndarray


def check_target(study: Study, target: Target | None) -> None:
    """Raise ValueError when ``target`` is needed (several objectives) but missing."""
    if target is None and len(study.directions) > 1:
        raise ValueError(_MULTI_OBJECTIVE_HINT)


def completed_trials(study: Study) -> list[FrozenTrial]:
    return list(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def _check_params_type(params: list[str] | None) -> None:
    if params is None:
        return
    if not isinstance(params, (list, tuple)) or not all(isinstance(p, str) for p in params):
        raise TypeError(
            f"The 'params' argument must be a list of parameter names (strings). Got {params!r}."
        )


def appearing_params(trials: Sequence[FrozenTrial], params: list[str] | None) -> list[str]:
    """Every parameter that appears in ``trials`` (first appearance first), or ``params``.

    Raises:
        TypeError: ``params`` is not a list of strings.
        ValueError: a name in ``params`` appears in none of the trials.
    """
    _check_params_type(params)
    seen = list(dict.fromkeys(name for t in trials for name in t.params))
    if params is None:
        return seen
    wanted = list(dict.fromkeys(params))
    unknown = [p for p in wanted if p not in seen]
    if unknown:
        raise ValueError(
            f"Cannot assess parameters {unknown}: no COMPLETE trial has them. Parameters of the "
            f"COMPLETE trials: {sorted(seen)}. Check the names in `params`."
        )
    return wanted


def finite_trials(trials: Sequence[FrozenTrial], target: Target | None) -> list[FrozenTrial]:
    """The trials whose target value (every objective value without ``target``) is finite."""
    if target is None:
        return [t for t in trials if t.values and all(math.isfinite(v) for v in t.values)]
    return [t for t in trials if math.isfinite(target(t))]


def left_out_params(trials: Sequence[FrozenTrial], space: dict[str, BaseDistribution]
                    ) -> dict[str, str]:
    """The parameters of ``trials`` outside ``space`` (their intersection), each with why."""
    held: dict[str, int] = {}
    dists: dict[str, set[BaseDistribution]] = {}
    for t in trials:
        for name, dist in t.distributions.items():
            held[name] = held.get(name, 0) + 1
            dists.setdefault(name, set()).add(dist)
    reasons = {}
    for name, count in held.items():
        if name in space:
            continue
        if count < len(trials):
            reasons[name] = f"conditional: in {count} of {len(trials)} COMPLETE trials"
        else:
            reasons[name] = f"its distribution changes between trials ({len(dists[name])} kinds)"
    return reasons


def warn_left_out(evaluator: str, reasons: dict[str, str]) -> None:
    """Warn that ``evaluator`` leaves out the parameters in ``reasons``, and what to do instead."""
    if not reasons:
        return
    listed = "; ".join(f"{name!r} ({why})" for name, why in reasons.items())
    warnings.warn(
        f"{evaluator} needs one set of trials that all hold the assessed parameters, so it leaves "
        f"out {len(reasons)} parameter(s): {listed}. PedAnovaImportanceEvaluator (the default) "
        "assesses every parameter; or name them in `params=` to assess them on the trials that "
        "hold them.",
        UserWarning, stacklevel=5,
    )


def select(
    trials: Sequence[FrozenTrial], params: list[str] | None
) -> tuple[dict[str, BaseDistribution], list[FrozenTrial]]:
    """Choose the parameters to assess and the trials that hold them.

    With ``params=None``: the intersection search space of ``trials`` (conditional parameters are
    left out, as in Optuna) and all the trials. With names: the trials holding all of them, whose
    intersection search space must contain every name.

    Raises:
        ValueError: a name is not in the intersection search space of the trials holding it.
    """
    _check_params_type(params)
    if params is None:
        return intersection_search_space(trials), list(trials)
    wanted = list(dict.fromkeys(params))
    seen = set().union(*(t.params for t in trials)) if trials else set()
    unknown = [p for p in wanted if p not in seen]
    if unknown:
        raise ValueError(
            f"Cannot assess parameters {unknown}: no COMPLETE trial has them. Parameters of the "
            f"COMPLETE trials: {sorted(seen)}. Check the names in `params`."
        )
    holding = [t for t in trials if all(p in t.params for p in wanted)]
    space = intersection_search_space(holding)
    missing = [p for p in wanted if p not in space]
    if missing:
        known = sorted(intersection_search_space(trials))
        raise ValueError(
            f"Cannot assess parameters {missing}: no set of COMPLETE trials holds all of {wanted} "
            f"with one distribution each. Parameters shared by all COMPLETE trials: {known}. "
            "Check the names, or pass only parameters the completed trials suggested."
        )
    return {p: space[p] for p in wanted}, holding


def domain(dist: BaseDistribution) -> tuple[float, float]:
    """The encoded domain of ``dist`` (see :class:`Encoded`)."""
    return _domain(dist)


def column_values(dist: BaseDistribution, values: list[Any]) -> np.ndarray:
    """Parameter values encoded as one column (see :class:`Encoded`)."""
    return _column(dist, values)


def _domain(dist: BaseDistribution) -> tuple[float, float]:
    if isinstance(dist, CategoricalDistribution):
        return -0.5, len(dist.choices) - 0.5
    if isinstance(dist, IntDistribution):
        half = 0.5 * dist.step
        if dist.log:
            return math.log(dist.low - 0.5), math.log(dist.high + 0.5)
        return dist.low - half, dist.high + half
    if isinstance(dist, FloatDistribution):
        if dist.log:
            return math.log(dist.low), math.log(dist.high)
        if dist.step is not None:
            return dist.low - 0.5 * dist.step, dist.high + 0.5 * dist.step
        return dist.low, dist.high
    raise ValueError(f"Unsupported distribution {dist!r} for importance evaluation.")


def _column(dist: BaseDistribution, values: list[Any]) -> np.ndarray:
    if isinstance(dist, CategoricalDistribution):
        return np.array([dist.to_internal_repr(v) for v in values], dtype=float)
    col = np.array(values, dtype=float)
    if getattr(dist, "log", False):
        col = np.log(col)
    return col


def encode(space: dict[str, BaseDistribution], trials: list[FrozenTrial]) -> Encoded:
    """Encode ``trials`` on the columns of ``space`` (see :class:`Encoded`)."""
    names = list(space)
    dists = [space[n] for n in names]
    n, d = len(trials), len(names)
    x = np.empty((n, d))
    low = np.empty(d)
    high = np.empty(d)
    for j, (name, dist) in enumerate(zip(names, dists)):
        x[:, j] = _column(dist, [t.params[name] for t in trials]) if n else 0.0
        low[j], high[j] = _domain(dist)
    return Encoded(names, dists, list(trials), x, low, high)


def target_values(trials: Sequence[FrozenTrial], target: Target | None) -> np.ndarray:
    if target is None:
        return np.array([t.value for t in trials], dtype=float)
    return np.array([target(t) for t in trials], dtype=float)


def sort_importances(
    names: Sequence[str], values: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """Pair names with importances, most important first (ties keep the column order)."""
    order = sorted(range(len(names)), key=lambda i: -float(values[i]))
    return {names[i]: float(values[i]) for i in order}

"""``BruteForceSampler``: try every point of a finite, possibly conditional, search space once
(Optuna's rules, so the two libraries choose alike and fail alike).

The study's trials form a tree: a trial's parameters, in the order it suggested them, are a path
from the root; each node is a parameter with its candidate values (categorical choices by index,
ints and stepped floats by value) and the node where a finished trial's path ends is a leaf. A node
not visited yet counts as one unexplored point. Each suggestion is made on the tree of the trials
that agree with the current trial's parameters so far and picks a child at random (seeded): with
probability weights half proportional to the unexplored points below each child and half spread
evenly over the children that still have some, avoiding children a running trial is exploring
while others are free. The study stops after a trial when no parameter prefix of it has anything
left to explore. A trial whose parameters contradict the tree (another range for a parameter, a
parameter more or less than an earlier trial on the same path) raises ``ValueError``.

By default running trials count as exploring their whole subtree (a parallel study may stop before
that subtree is complete); with ``avoid_premature_stop=True`` they do not. See
docs/enumerating_samplers.md.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Sequence
from functools import lru_cache
from numbers import Real
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._finite import stop_study

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["BruteForceSampler"]

# (low, high, step) of a parameter's candidates; categoricals are (0, n - 1, 1) over indices
_Args = tuple[Union[int, float], Union[int, float], Union[int, float, None]]
_Step = tuple[str, _Args, Any]  # (name, args, value) of one parameter of a trial's path

_NON_WAITING = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.FAIL)


@lru_cache(maxsize=1024)
def _candidates(low: float, high: float, step: float | None) -> tuple[Any, ...]:
    """Every value of ``[low, high]`` on the grid of ``step`` (decimal arithmetic for floats)."""
    if step is None:
        if low == high:
            return (low,)  # a single value (Optuna raises here too; nothing to enumerate)
        raise ValueError(
            "FloatDistribution.step must be given for BruteForceSampler (otherwise, the search "
            "space will be infinite: a continuous float cannot be enumerated). Pass "
            "suggest_float(..., step=...)."
        )
    if isinstance(low, int) and isinstance(high, int) and isinstance(step, int):
        return tuple(range(low, high + 1, step))
    value, last, delta = (decimal.Decimal(str(x)) for x in (low, high, step))
    out = []
    while value <= last:
        out.append(float(value))
        value += delta
    return tuple(out)


def _is_nan(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isnan(float(value))


class _Node:
    """A parameter node: ``children`` is None until expanded, ``{}`` at a leaf; a child is a
    ``_Node`` or None (not visited yet)."""

    __slots__ = ("name", "args", "children", "running")

    def __init__(self) -> None:
        self.name: str | None = None
        self.args: _Args | None = None
        self.children: dict[Any, _Node | None] | None = None
        self.running = False

    def _check(self, name: str | None, args: _Args | None) -> None:
        if self.name != name:
            raise ValueError(
                f"The search space of BruteForceSampler changed: a trial suggested {name!r} "
                f"where an earlier trial on the same path suggested {self.name!r}. "
                "BruteForceSampler needs the same parameters in the same order for the same "
                "values of the earlier ones."
            )
        if args != self.args:
            assert self.children is not None and args is not None
            raise ValueError(
                f"search_space mismatch in {name}: {list(self.children)} != "
                f"{list(_candidates(*args))}. BruteForceSampler needs one range per parameter."
            )

    def expand(self, name: str, args: _Args) -> None:
        if self.children is None:
            self.name, self.args = name, args
            self.children = dict.fromkeys(_candidates(*args))
        else:
            self._check(name, args)

    def set_leaf(self) -> None:
        if self.children is not None:
            self._check(None, None)
        self.children = {}

    def add_path(self, path: list[_Step]) -> _Node | None:
        """The node where ``path`` ends (None when it leaves the candidates or passes a leaf)."""
        node = self
        for name, args, value in path:
            node.expand(name, args)
            children = node.children
            if not children or value not in children:
                return None
            child = children[value]
            if child is None:
                child = children[value] = _Node()
            node = child
        return node

    def open_points(self, exclude_running: bool) -> int:
        if self.children is None:
            return 0 if exclude_running and self.running else 1
        return sum(1 if c is None else c.open_points(exclude_running)
                   for c in self.children.values())

    def has_open(self, exclude_running: bool) -> bool:
        if self.children is None:
            return not (exclude_running and self.running)
        return any(c is None or c.has_open(exclude_running) for c in self.children.values())

    def pick(self, rng: np.random.RandomState, exclude_running: bool) -> Any:
        assert self.children
        values = list(self.children)
        kids = list(self.children.values())
        counts = np.array([1 if c is None else c.open_points(exclude_running) for c in kids],
                          dtype=float)
        proportional = counts / counts.sum()
        even = (counts > 0).astype(float)
        even /= even.sum()
        weights = 0.5 * proportional + 0.5 * even
        running = np.array([c is not None and c.running for c in kids])
        if np.any(~running & (weights > 0)):
            weights[running] = 0.0
        weights /= weights.sum()
        return rng.choice(values, p=weights).item()


def _args(name: str, dist: BaseDistribution) -> _Args:
    if isinstance(dist, CategoricalDistribution):
        return (0, len(dist.choices) - 1, 1)
    if isinstance(dist, (IntDistribution, FloatDistribution)):
        return (dist.low, dist.high, dist.step)
    raise ValueError(f"BruteForceSampler does not support the distribution {dist!r} of {name!r}.")


def _args_and_value(name: str, dist: BaseDistribution, value: Any) -> tuple[_Args, Any]:
    """The candidates' args and the tree value (a categorical's index) of ``value``."""
    if isinstance(dist, CategoricalDistribution):
        return _args(name, dist), dist.to_internal_repr(value)
    return _args(name, dist), value


def _populate(
    root: _Node, trials: Sequence[FrozenTrial], params: dict[str, Any], order: list[str]
) -> None:
    """Add the paths of the ``trials`` that agree with ``params`` (below those parameters), each
    in suggestion order (``order``: names as the objective suggests them, learned here; a storage
    may hand parameters back in another order)."""
    rank = {name: i for i, name in enumerate(order)}
    fixed = [(k, v) for k, v in params.items() if not _is_nan(v)]
    nan_names = [k for k, v in params.items() if _is_nan(v)]
    for trial in trials:
        trial_params = trial.params
        if params:
            if any(k not in trial_params or trial_params[k] != v for k, v in fixed):
                continue
            if not all(_is_nan(trial_params.get(k)) for k in nan_names):
                continue
        path: list[_Step] = []
        names = list(trial.distributions)
        if rank:
            names.sort(key=lambda n: rank.get(n, len(rank)))  # stable: unknown names keep order
        distributions = trial.distributions
        for name in names:
            if name not in params:
                path.append((name, *_args_and_value(name, distributions[name], trial_params[name])))
        leaf = root.add_path(path)
        if leaf is not None:
            if trial.state.is_finished():
                leaf.set_leaf()
            else:
                leaf.running = True


@experimental("3.1.0")
class BruteForceSampler(BaseSampler):
    """Exhaustive search of a finite search space, conditional parameters included.

    Every distribution must be finite: categoricals, ints, and floats with ``step`` (a float
    without ``step`` raises ``ValueError``). ``optimize`` without ``n_trials`` stops by itself
    once every combination has been tried.

    Args:
        seed: seed of the random choice among unexplored values.
        avoid_premature_stop: running trials do not count as exploring their subtree (see the
            module docstring); parallel runs then never stop early but may repeat a few points.
    """

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False) -> None:
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._avoid_premature_stop = bool(avoid_premature_stop)
        self._order: list[str] = []  # parameter names in the order the objective suggests them

    def _learn_order(self, names: list[str]) -> None:
        order = self._order
        position = -1
        for name in names:
            if name in order:
                position = order.index(name)
            else:
                position += 1
                order.insert(position, name)

    def reseed_rng(self) -> None:
        self._rng.seed()

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    @staticmethod
    def _others(study: ReadOnlyStudy, number: int) -> list[FrozenTrial]:
        return [t for t in study.get_trials(deepcopy=False, states=_NON_WAITING)
                if t.number != number]

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        exclude_running = not self._avoid_premature_stop
        args = _args(param_name, param_distribution)
        self._learn_order([*trial.params, param_name])
        root = _Node()
        root.expand(param_name, args)
        _populate(root, self._others(study, trial.number), dict(trial.params), self._order)
        if root.has_open(exclude_running):
            value = root.pick(self._rng, exclude_running)
        else:
            value = self._rng.choice(_candidates(*args)).item()
        return param_distribution.to_external_repr(value)

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        exclude_running = not self._avoid_premature_stop
        finished = _Finished(trial, state)
        trials = [finished if t.number == trial.number else t
                  for t in study.get_trials(deepcopy=False, states=_NON_WAITING)]
        params = dict(trial.params)
        for name in reversed(list(trial.params)):
            del params[name]
            root = _Node()
            _populate(root, trials, params, self._order)  # type: ignore[arg-type]
            if root.has_open(exclude_running):
                return
        stop_study(study)


class _Finished:
    """The current trial as it will be stored: its parameters with its final state."""

    __slots__ = ("params", "distributions", "state")

    def __init__(self, trial: FrozenTrial, state: TrialState) -> None:
        self.params = trial.params
        self.distributions = trial.distributions
        self.state = state

"""``BruteForceSampler``: try every point of a finite, possibly conditional, search space once.

The study's trials form a tree: a trial's parameters, in the order it suggested them, are a path
from the root, and the node where the path ends is a leaf (the objective suggested nothing more
there). A node is *exhausted* when it is a leaf or when every value of the parameter suggested
next below it leads to an exhausted node. Each suggestion picks, at random (seeded), a value whose
subtree is not exhausted; the study stops once the root is exhausted. Conditional spaces need no
declaration: a branch only holds the parameters its trials suggested.

Running trials (other workers', and values this sampler handed out but the trial has not stored
yet) are in the tree too, their path still growing. By default a running trial's path end counts
as a leaf while no other trial went further through that node: pickers avoid it, and a parallel
study may stop before that subtree is complete (Optuna's looser criterion). With
``avoid_premature_stop=True`` running trials never end a path: the study stops only when finished
trials cover everything, and a trial that finds nothing untried outside running subtrees goes into
one of them (it may repeat a point). Failed and pruned trials end their path like complete ones.
See docs/enumerating_samplers.md.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._finite import enumerate_distribution, stop_study, value_key

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["BruteForceSampler"]


# How the path end of a running trial is judged (see ``_Node.is_leaf``).
_LOOSE = 0  # default: a running trial's path end is a leaf unless another trial went on
_STRICT = 1  # avoid_premature_stop: running trials never end a path


class _Node:
    """One node of the trial tree: children by next parameter name, then by value key."""

    __slots__ = ("ends", "children", "memo")

    def __init__(self) -> None:
        self.ends = 0  # bit mask of the states of the trials whose path ends here
        self.children: dict[str, tuple[BaseDistribution, dict[tuple[Any, ...], _Node]]] = {}
        self.memo: dict[int, bool] = {}

    def add(
        self,
        names: list[str],
        params: dict[str, Any],
        dists: dict[str, BaseDistribution],
        end: int,
    ) -> None:
        node = self
        for name in names:
            value = params[name]
            entry = node.children.get(name)
            if entry is None:
                entry = node.children[name] = (dists[name], {})
            node = entry[1].setdefault(value_key(value), _Node())
        node.ends |= end

    def is_leaf(self, mode: int) -> bool:
        if self.ends & _FINISHED:
            return True
        return bool(self.ends & _RUNNING) and mode == _LOOSE and not self.children

    def exhausted(self, mode: int) -> bool:
        """True when every path below this node has been tried (leaves judged by ``mode``)."""
        cached = self.memo.get(mode)
        if cached is not None:
            return cached
        result = self.is_leaf(mode)
        if not result and self.children:
            # The parameter suggested next here is the one the first trial through suggested.
            dist, by_value = next(iter(self.children.values()))
            try:
                values = enumerate_distribution(dist)
            except ValueError:
                values = None  # continuous: never exhausted
            result = values is not None and all(
                (child := by_value.get(value_key(v))) is not None and child.exhausted(mode)
                for v in values
            )
        self.memo[mode] = result
        return result


# Bits of ``_Node.ends``.
_RUNNING = 1
_FINISHED = 2


def _end_bit(state: TrialState) -> int:
    return _FINISHED if state.is_finished() else _RUNNING


class BruteForceSampler(BaseSampler):
    """Exhaustive search of a finite search space, conditional parameters included.

    Every distribution must be finite: categoricals, ints, and floats with ``step`` (a float
    without ``step`` raises ``ValueError``). ``optimize`` without ``n_trials`` stops by itself
    once every combination has been tried.

    Args:
        seed: seed of the order in which untried values are picked.
        avoid_premature_stop: decide the stop from finished trials only (see the module
            docstring); parallel runs then never stop early but may repeat a few points.
    """

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._avoid_premature_stop = bool(avoid_premature_stop)
        self._stop_mode = _STRICT if avoid_premature_stop else _LOOSE
        self._lock = threading.Lock()
        self._pending: dict[int, dict[str, tuple[Any, BaseDistribution]]] = {}
        # Parameter names in the order the objective suggests them, learned from the trials this
        # sampler drives (a storage may hand parameters back in another order).
        self._order: list[str] = []

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        with self._lock:
            self._rng = random.Random()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def _learn_order(self, names: list[str]) -> None:
        order = self._order
        position = -1
        for name in names:
            if name in order:
                position = order.index(name)
            else:
                position += 1
                order.insert(position, name)

    def _path(self, params: dict[str, Any]) -> list[str]:
        rank = {name: i for i, name in enumerate(self._order)}
        names = list(params)
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), names.index(n)))

    def _tree(self, study: Study, current: FrozenTrial | None, done: TrialState | None) -> _Node:
        """Build the tree of the study's trials; ``current`` is left out unless ``done`` is set."""
        root = _Node()
        current_id = None if current is None else current.trial_id
        for t in study.get_trials(deepcopy=False):
            if t.trial_id == current_id or t.state == TrialState.WAITING:
                continue
            params, dists = t.params, t.distributions
            pending = self._pending.get(t.trial_id)
            if pending:
                params, dists = dict(params), dict(dists)
                for name, (value, dist) in pending.items():
                    if name not in params:
                        params[name], dists[name] = value, dist
            if params or t.state == TrialState.COMPLETE:
                root.add(self._path(params), params, dists, _end_bit(t.state))
        if current is not None and done is not None:
            if current.params or done == TrialState.COMPLETE:
                root.add(
                    self._path(current.params), current.params, current.distributions,
                    _end_bit(done),
                )
        return root

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        candidates = enumerate_distribution(param_distribution)
        with self._lock:
            self._learn_order([*trial.params, param_name])
            root = self._tree(study, trial, None)
            node: _Node | None = root
            for name in self._path(trial.params):
                value = trial.params[name]
                entry = node.children.get(name) if node is not None else None
                node = None if entry is None else entry[1].get(value_key(value))
            value = self._pick(node, param_name, candidates)
            self._pending.setdefault(trial.trial_id, {})[param_name] = (value, param_distribution)
        return value

    def _pick(self, node: _Node | None, name: str, candidates: list[Any]) -> Any:
        entry = None if node is None else node.children.get(name)
        if entry is not None:
            by_value = entry[1]
            for mode in dict.fromkeys((_LOOSE, self._stop_mode)):
                open_values = [
                    v
                    for v in candidates
                    if (child := by_value.get(value_key(v))) is None or not child.exhausted(mode)
                ]
                if open_values:
                    return open_values[self._rng.randrange(len(open_values))]
        return candidates[self._rng.randrange(len(candidates))]

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._pending.pop(trial.trial_id, None)
            root = self._tree(study, trial, state)
            done = root.exhausted(self._stop_mode)
        if done:
            stop_study(study)

"""``GridSampler``: evaluate every point of a user-given grid once, then stop the study.

How a trial's grid point is known (samplers never write to the storage, so no ``grid_id`` system
attribute is stored as Optuna does; see docs/enumerating_samplers.md):

- the sampler remembers the point it handed to each trial it started (``trial_id -> grid id``);
- any other trial (another worker's, an enqueued or added one) is read from its parameters: a
  COMPLETE trial covers every grid point that agrees with the parameters it suggested, so values
  of conditional parameters it never suggested are not enumerated again; a FAIL or PRUNED trial
  covers one point (the one handed to it, or the one its parameters name in full); a RUNNING or
  WAITING trial of another worker reserves the points its parameters so far agree with.

Trial number ``n`` takes free point ``n`` (modulo the number of free points) in an order shuffled
by the seed (a fixed shuffle without seed, so that every worker shares it): two workers deciding at
the same moment see the same free points and hold different trial numbers, so they take different
points without talking to each other. Once every point is covered or handed to a running trial of
this sampler, the study is stopped (``before_trial`` and ``after_trial`` both check), so threads
do not start surplus trials; running trials finish normally.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union, cast

import numpy as np

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution, CategoricalDistribution
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._finite import stop_study, value_key

if TYPE_CHECKING:
    from skipjack.study import Study

__all__ = ["GridSampler", "GridValueType"]

GridValueType = Union[str, float, int, bool, None]

_FIXED_PARAMS_KEY = "fixed_params"  # the system attribute of an enqueued trial (Optuna's key)


def _normalise_value(name: str, value: Any) -> GridValueType:
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(
                f"The grid of parameter {name!r} in the 'search_space' argument of GridSampler "
                "contains NaN, which no trial can match. Remove it."
            )
        return value
    item = getattr(value, "item", None)  # numpy scalars (np.int64, np.float32, np.bool_)
    if callable(item) and type(value).__module__ == "numpy":
        return _normalise_value(name, item())
    raise ValueError(
        f"The grid of parameter {name!r} in the 'search_space' argument of GridSampler contains "
        f"{value!r} of type {type(value).__name__}. Grid values must be str, int, float, bool or "
        "None (they are stored as JSON); convert it to one of those types."
    )


def _validate_search_space(search_space: Any) -> dict[str, list[GridValueType]]:
    if not isinstance(search_space, Mapping):
        raise ValueError(
            "The 'search_space' argument of GridSampler must be a dict mapping parameter names "
            f"to lists of values. Got {type(search_space).__name__}: {search_space!r}."
        )
    space: dict[str, list[GridValueType]] = {}
    for name in sorted(search_space):
        if not isinstance(name, str):
            raise ValueError(
                "The parameter names in the 'search_space' argument of GridSampler must be "
                f"strings. Got {name!r}."
            )
        raw = search_space[name]
        if isinstance(raw, (str, bytes)) or not isinstance(raw, (Sequence, np.ndarray)):
            raise ValueError(
                f"The grid of parameter {name!r} in the 'search_space' argument of GridSampler "
                f"must be a list of values. Got {raw!r}; write e.g. [{raw!r}]."
            )
        values: list[GridValueType] = []
        seen: set[tuple[Any, ...]] = set()
        for value in raw:
            value = _normalise_value(name, value)
            key = value_key(value)
            if key in seen:
                warnings.warn(
                    f"The grid of parameter {name!r} lists {value!r} more than once; GridSampler "
                    "evaluates it once.",
                    stacklevel=4,
                )
                continue
            seen.add(key)
            values.append(value)
        if not values:
            raise ValueError(
                f"The grid of parameter {name!r} in the 'search_space' argument of GridSampler "
                "is empty. Give at least one value."
            )
        space[name] = values
    if not space:
        raise ValueError(
            "The 'search_space' argument of GridSampler is empty. Give at least one parameter, "
            "e.g. {'x': [0.0, 0.5, 1.0]}."
        )
    return space


class GridSampler(BaseSampler):
    """Try every combination of the values in ``search_space`` once, in a shuffled order.

    The objective may suggest only parameters of the grid (others raise ``ValueError``). When
    every grid point has been handed out the running ``optimize`` is stopped, so
    ``study.optimize(objective)`` without ``n_trials`` runs the grid exactly once. Workers that
    share a storage avoid each other's points (see docs/enumerating_samplers.md for the rules and
    the one remaining race).

    Args:
        search_space: parameter name -> list of values (str, int, float, bool or None).
        seed: seed of the order in which free points are taken. Without a seed the order is a
            fixed shuffle (the same in every worker process, which keeps workers apart).

    Raises:
        ValueError: ``search_space`` is not a dict of non-empty lists of supported values.
    """

    def __init__(
        self, search_space: Mapping[str, Sequence[GridValueType]], seed: int | None = None
    ) -> None:
        space = _validate_search_space(search_space)
        self._search_space = space
        self._names = list(space)
        self._position = {name: i for i, name in enumerate(self._names)}
        self._keys = [{value_key(v): i for i, v in enumerate(vals)} for vals in space.values()]
        self._shape = tuple(len(v) for v in space.values())
        self._n_points = int(np.prod(self._shape, dtype=np.int64))
        self._seed = seed
        # The order in which free points are taken; without a seed a fixed one, so that every
        # worker of a distributed study shares it.
        self._order = np.random.default_rng(0 if seed is None else seed).permutation(
            self._n_points
        )
        self._lock = threading.Lock()
        self._reset_cache(None)

    # --- state ------------------------------------------------------------------------------------

    def _reset_cache(self, study_name: str | None) -> None:
        self._study_name = study_name
        self._covered = np.zeros(self._shape, dtype=bool)  # by finished trials
        self._n_covered = 0
        self._folded: set[int] = set()  # trial ids folded into _covered
        self._cursor = 0  # trials below this number are finished and folded
        self._claims: dict[int, int] = {}  # running trial id -> grid id handed to it

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # --- points and trials ------------------------------------------------------------------------

    def _point(self, grid_id: int) -> dict[str, GridValueType]:
        index = np.unravel_index(grid_id, self._shape)
        return {n: self._search_space[n][int(i)] for n, i in zip(self._names, index)}

    def _slab(self, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Index of the grid points that agree with ``params`` (None: none do, or no grid param)."""
        index: list[Any] = []
        matched = 0
        for name, keys in zip(self._names, self._keys):
            if name in params:
                i = keys.get(value_key(params[name]))
                if i is None:
                    return None
                index.append(i)
                matched += 1
            else:
                index.append(slice(None))
        return tuple(index) if matched else None

    def _exact_id(self, params: Mapping[str, Any]) -> int | None:
        slab = self._slab(params)
        if slab is None or any(isinstance(i, slice) for i in slab):
            return None
        return int(np.ravel_multi_index(slab, self._shape))

    def _finished_cover(self, trial: FrozenTrial, state: TrialState) -> tuple[Any, ...] | None:
        """The grid points a trial finishing in ``state`` covers (None: none)."""
        params = trial.params
        slab = self._slab(params)
        if state == TrialState.COMPLETE and slab is not None:
            return slab
        claim = self._claims.get(trial.trial_id)
        if claim is None:
            exact = self._exact_id(params)
            return None if exact is None else self._index(exact)
        point = self._index(claim)
        for name, keys, p in zip(self._names, self._keys, point):
            if name in params and keys.get(value_key(params[name])) != p:
                return None  # fixed parameters overrode the point handed out
        return point

    def _index(self, grid_id: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(grid_id, self._shape))

    def _fold(self, trial: FrozenTrial, state: TrialState) -> None:
        if trial.trial_id in self._folded:
            return
        self._folded.add(trial.trial_id)
        slab = self._finished_cover(trial, state)
        self._claims.pop(trial.trial_id, None)
        if slab is None:
            return
        self._covered[slab] = True
        self._n_covered = int(np.count_nonzero(self._covered))

    def _sync(self, study: Study, current: int = -1) -> list[FrozenTrial]:
        """Fold newly finished trials in; return the unfinished trials of other workers.

        ``current`` is the id of the trial being decided, left out of the result.
        """
        if study.study_name != self._study_name:
            self._reset_cache(study.study_name)
        trials = study.get_trials(deepcopy=False)
        others: list[FrozenTrial] = []
        advancing = True
        for trial in trials[self._cursor:]:
            if trial.state.is_finished():
                self._fold(trial, trial.state)
                if advancing:
                    self._cursor = trial.number + 1
            else:
                advancing = False
                if trial.trial_id not in self._claims and trial.trial_id != current:
                    others.append(trial)
        return others

    # --- choosing a point -------------------------------------------------------------------------

    def _blocked(self, others: list[FrozenTrial]) -> tuple[set[int], list[tuple[Any, ...]]]:
        claimed = set(self._claims.values())
        reserved = []
        for trial in others:
            params = dict(trial.params)
            fixed = trial.system_attrs.get(_FIXED_PARAMS_KEY)
            if isinstance(fixed, dict):
                params.update(fixed)
            slab = self._slab(params)
            if slab is not None:
                reserved.append(slab)
        return claimed, reserved

    def _choose(
        self, others: list[FrozenTrial], within: tuple[Any, ...] | None, number: int
    ) -> int:
        # Design note: trial n takes free point number n (modulo their count) in the seeded order.
        # Two workers that decide at the same moment see the same free points and hold different
        # trial numbers, so they take different points without talking to each other.
        claimed, reserved = self._blocked(others)
        free = ~self._covered
        if claimed:
            free.flat[list(claimed)] = False
        for slab in reserved:
            free[slab] = False
        candidates = self._restrict(free, within)
        if candidates.size == 0:
            warnings.warn(
                "GridSampler is re-evaluating a configuration because every grid point has been "
                "evaluated or is being evaluated. This happens when a worker starts a trial while "
                "another takes the last point, or when a finished grid is optimized again.",
                stacklevel=4,
            )
            candidates = self._restrict(~self._covered, within)
            if candidates.size == 0:
                candidates = self._restrict(np.ones_like(self._covered), within)
        return int(candidates[number % candidates.size])

    def _restrict(self, mask: np.ndarray, within: tuple[Any, ...] | None) -> np.ndarray:
        """The grid ids where ``mask`` holds (inside ``within`` if given), in the seeded order."""
        if within is not None:
            only = np.zeros_like(mask)
            only[within] = True
            mask = mask & only
        order = self._order
        return cast(np.ndarray, order[mask.ravel()[order]])

    # --- sampler hooks ----------------------------------------------------------------------------

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        with self._lock:
            others = self._sync(study, trial.trial_id)
            fixed = trial.system_attrs.get(_FIXED_PARAMS_KEY)
            grid_id = None
            within = None
            if isinstance(fixed, dict) and fixed:
                grid_id = self._exact_id(fixed)
                within = self._slab(fixed)
            if grid_id is None:
                grid_id = self._choose(others, within, trial.number)
            self._claims[trial.trial_id] = grid_id
            open_points = self._open_points()
        # Every point is covered or handed to a running trial of this sampler: stop now (not when
        # the last trial ends), so that threads about to start one more trial see the stop flag.
        if open_points <= 0:
            stop_study(study)

    def _open_points(self) -> int:
        """Points neither covered nor handed to a running trial of this sampler (those trials
        all end up covering their point)."""
        claimed = {c for c in self._claims.values() if not self._covered.flat[c]}
        return self._n_points - self._n_covered - len(claimed)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._sync(study, trial.trial_id)
            self._fold(trial, state)
            done = self._open_points() <= 0
        if done:
            stop_study(study)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self._position:
            raise ValueError(
                f"The parameter name, {param_name}, is not found in the given grid. GridSampler "
                f"only samples the parameters of its search_space {self._names}: add "
                f"{param_name!r} to the grid or do not suggest it."
            )
        with self._lock:
            grid_id = self._claims.get(trial.trial_id)
        if grid_id is None:  # a trial that did not go through before_trial
            self.before_trial(study, trial)
            with self._lock:
                grid_id = self._claims[trial.trial_id]
        index = np.unravel_index(grid_id, self._shape)[self._position[param_name]]
        value = self._search_space[param_name][int(index)]
        if isinstance(param_distribution, CategoricalDistribution):
            try:
                param_distribution.to_internal_repr(value)
            except ValueError:
                raise ValueError(
                    f"The grid value {value!r} of parameter {param_name!r} is not one of the "
                    f"choices {list(param_distribution.choices)!r} given to suggest_categorical. "
                    "Use only those choices in the grid."
                ) from None
            return value
        internal = param_distribution.to_internal_repr(value)
        if not param_distribution._contains(internal):
            warnings.warn(
                f"The value `{value!r}` is out of range of the parameter `{param_name}`. The value "
                f"will be used but the actual distribution is: `{param_distribution!r}`.",
                stacklevel=2,
            )
        return value

    def is_exhausted(self, study: Study) -> bool:
        """Return True when every grid point is covered by a finished trial of ``study``."""
        with self._lock:
            self._sync(study)
            return self._n_covered >= self._n_points

"""``GridSampler``: evaluate every point of a user-given grid, then stop the study (Optuna's
rules and storage format, so Optuna and skipjack workers can share one study).

The grid is ``itertools.product`` of the values (parameters sorted by name), shuffled once by
``numpy.random.RandomState(seed or 0)`` as Optuna does. ``before_trial`` writes the trial's system
attributes ``search_space`` (the grid) and ``grid_id`` (its point): trial number ``n`` takes point
``n`` while ``n`` is below the grid size, and later trials a random point not yet taken by a
finished or running trial of the same grid (a re-evaluated point, with a logged warning, when none
is left). Trials that carry ``grid_id`` already (retried ones) or ``fixed_params`` (enqueued ones)
keep them. After each trial the study is stopped once no point is left. See
docs/enumerating_samplers.md.
"""

from __future__ import annotations

import itertools
import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.logging import get_logger
from skipjack.samplers._base import BaseSampler
from skipjack.samplers._finite import stop_study

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["GridSampler", "GridValueType"]

GridValueType = Union[str, float, int, bool, None]

_logger = get_logger(__name__)

# Optuna's system-attribute keys.
_GRID_ID_KEY = "grid_id"
_SEARCH_SPACE_KEY = "search_space"
_FIXED_PARAMS_KEY = "fixed_params"


def _normalise_value(name: str, value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    item = getattr(value, "item", None)  # numpy scalars (np.int64, np.float32, np.bool_)
    if callable(item) and type(value).__module__ == "numpy":
        return _normalise_value(name, item())
    warnings.warn(
        f"{name} contains a value with the type of {type(value)}, which is not supported by "
        "`GridSampler`. Please make sure a value is `str`, `int`, `float`, `bool` or `None` for "
        "persistent storage.",
        stacklevel=4,
    )
    return value


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
        values = [_normalise_value(name, value) for value in raw]
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
    """Try every combination of the values in ``search_space``, in a shuffled order.

    The objective may suggest only parameters of the grid (others raise ``ValueError``). When
    every grid point has been taken ``optimize`` is stopped, so ``study.optimize(objective)``
    without ``n_trials`` runs the grid once; optimizing again re-evaluates points.

    Args:
        search_space: parameter name -> list of values (str, int, float, bool or None; other
            types warn, as they cannot be stored).
        seed: seed of the shuffle and of the choice among free points (``None`` means 0, so every
            worker shares the order).

    Raises:
        ValueError: ``search_space`` is not a dict of non-empty lists.
    """

    def __init__(
        self, search_space: Mapping[str, Sequence[GridValueType]], seed: int | None = None
    ) -> None:
        space = _validate_search_space(search_space)
        self._search_space: dict[str, list[Any]] = space
        self._param_names = list(space)
        self._position = {name: i for i, name in enumerate(self._param_names)}
        self._rng = np.random.RandomState(seed or 0)
        grids = list(itertools.product(*space.values()))
        self._rng.shuffle(grids)  # type: ignore[arg-type]  # a list shuffles in place
        self._all_grids: list[tuple[Any, ...]] = grids
        self._n_min_trials = len(grids)
        self._lock = threading.Lock()
        self._reset_cache(None)

    def _reset_cache(self, study_name: str | None) -> None:
        self._study_name = study_name
        self._visited: set[int] = set()  # grid ids of finished trials of this grid
        self._cursor = 0  # trials below this index are finished and folded into _visited
        self._handed: dict[int, int] = {}  # trial id -> grid id written by before_trial

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        self._rng.seed()

    # --- grid bookkeeping -------------------------------------------------------------------------

    @staticmethod
    def _grid_value_equal(a: Any, b: Any) -> bool:
        a_nan = isinstance(a, Real) and not isinstance(a, bool) and math.isnan(float(a))
        b_nan = isinstance(b, Real) and not isinstance(b, bool) and math.isnan(float(b))
        return bool(a == b) or (a_nan and b_nan)

    def _same_search_space(self, search_space: Any) -> bool:
        if not isinstance(search_space, Mapping) or set(search_space) != set(self._search_space):
            return False
        for name, values in search_space.items():
            mine = self._search_space[name]
            if len(values) != len(mine):
                return False
            if not all(self._grid_value_equal(a, b) for a, b in zip(values, mine)):
                return False
        return True

    def _grid_id_of(self, trial: FrozenTrial) -> int | None:
        attrs = trial.system_attrs
        if _GRID_ID_KEY in attrs and self._same_search_space(attrs.get(_SEARCH_SPACE_KEY)):
            return int(attrs[_GRID_ID_KEY])
        return None

    def _get_unvisited_grid_ids(self, study: ReadOnlyStudy) -> list[int]:
        """Grid ids no finished or running trial of this grid holds (if every point is held,
        those no finished trial holds)."""
        with self._lock:
            if study.study_name != self._study_name:
                self._reset_cache(study.study_name)
            trials = study.get_trials(deepcopy=False)
            running: set[int] = set()
            advancing = True
            for i in range(self._cursor, len(trials)):
                t = trials[i]
                finished = t.state.is_finished()
                grid_id = self._grid_id_of(t)
                if finished:
                    if grid_id is not None:
                        self._visited.add(grid_id)
                    if advancing:
                        self._cursor = i + 1
                else:
                    advancing = False
                    if grid_id is not None and t.state == TrialState.RUNNING:
                        running.add(grid_id)
            unvisited = set(range(self._n_min_trials)) - self._visited
            free = unvisited - running
            return sorted(free if free else unvisited)

    # --- sampler hooks ----------------------------------------------------------------------------

    def before_trial(self, study: ReadOnlyStudy, trial: FrozenTrial) -> None:
        attrs = trial.system_attrs
        if _GRID_ID_KEY in attrs or _FIXED_PARAMS_KEY in attrs:
            return
        if 0 <= trial.number < self._n_min_trials:
            grid_id = trial.number
        else:
            target = self._get_unvisited_grid_ids(study)
            if not target:
                _logger.warning(
                    "`GridSampler` is re-evaluating a configuration because the grid has been "
                    "exhausted. This may happen due to a timing issue during distributed "
                    "optimization or when re-running optimizations on already finished studies."
                )
                target = list(range(self._n_min_trials))
            with self._lock:
                grid_id = int(self._rng.choice(target))
        storage = study.storage
        storage.set_trial_system_attr(trial.trial_id, _SEARCH_SPACE_KEY, self._search_space)
        storage.set_trial_system_attr(trial.trial_id, _GRID_ID_KEY, grid_id)
        with self._lock:
            self._handed[trial.trial_id] = grid_id

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        with self._lock:
            grid_id = self._handed.get(trial.trial_id)
        if grid_id is None:
            attrs = trial.system_attrs
            if _GRID_ID_KEY not in attrs:
                attrs = study.storage.get_trial_system_attrs(trial.trial_id)
            if _GRID_ID_KEY not in attrs:
                raise ValueError(
                    "All parameters must be specified when using GridSampler with "
                    f"enqueue_trial. The enqueued trial {trial.number} lacks {param_name!r}."
                )
            grid_id = int(attrs[_GRID_ID_KEY])
        if param_name not in self._position:
            raise ValueError(
                f"The parameter name, {param_name}, is not found in the given grid. GridSampler "
                f"only samples the parameters of its search_space {self._param_names}: add "
                f"{param_name!r} to the grid or do not suggest it."
            )
        value = self._all_grids[grid_id][self._position[param_name]]
        try:
            contains = param_distribution._contains(param_distribution.to_internal_repr(value))
        except ValueError:
            contains = False
        if not contains:
            warnings.warn(
                f"The value `{value}` is out of range of the parameter `{param_name}`. The value "
                f"will be used but the actual distribution is: `{param_distribution}`.",
                stacklevel=2,
            )
        return value

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._handed.pop(trial.trial_id, None)
        target = self._get_unvisited_grid_ids(study)
        if not target:
            stop_study(study)
        elif len(target) == 1:
            grid_id = study.storage.get_trial_system_attrs(trial.trial_id).get(_GRID_ID_KEY)
            if grid_id == target[0]:
                stop_study(study)

    def is_exhausted(self, study: ReadOnlyStudy) -> bool:
        """Return True when every grid point is held by a finished trial of ``study``."""
        return not self._get_unvisited_grid_ids(study)

"""The observations TPE learns from, kept in numpy arrays that grow as trials finish.

Design note: Optuna rebuilds its observation arrays from every past trial for every new one, so
its cost per trial grows with the history even before any density maths. Here each finished trial
is ingested once (``History.add``): one row is appended to per-parameter columns with amortised
doubling, and sampling reads array slices. Running trials (for the constant liar) are not stored:
they change until they finish, so they are re-read for each new trial (``running_rows``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution

from skipjack.samplers._tpe._space import compatible

__all__ = ["History", "Column", "COMPLETE_FEASIBLE", "COMPLETE_INFEASIBLE", "PRUNED"]

# Row classes, best first: the split ranks every row of a better class above any worse one.
COMPLETE_FEASIBLE = 0
COMPLETE_INFEASIBLE = 1
PRUNED = 2


class _Growing:
    """A 1-D or 2-D numpy array with amortised O(1) append."""

    def __init__(self, width: int | None, dtype: type, fill: float) -> None:
        shape = (16,) if width is None else (16, width)
        self._data: np.ndarray = np.full(shape, fill, dtype=dtype)
        self._fill = fill
        self.n = 0

    def append(self, value: object) -> None:
        if self.n == len(self._data):
            grown = np.full((2 * len(self._data),) + self._data.shape[1:], self._fill,
                            dtype=self._data.dtype)
            grown[: self.n] = self._data
            self._data = grown
        self._data[self.n] = value
        self.n += 1

    def pad_to(self, n: int) -> None:
        while self.n < n:
            self.append(self._fill)

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.n]


class Column:
    """The values of one parameter: internal value and distribution id per row (-1: absent)."""

    def __init__(self, n_rows: int) -> None:
        self.values = _Growing(None, float, math.nan)
        self.dist_ids = _Growing(None, np.int32, -1)
        self.values.pad_to(n_rows)
        self.dist_ids.pad_to(n_rows)
        self.distributions: list[BaseDistribution] = []
        self.present = 0  # rows that recorded the parameter
        self._ids: dict[BaseDistribution, int] = {}
        self._last: tuple[BaseDistribution, int] | None = None

    def dist_id(self, distribution: BaseDistribution) -> int:
        last = self._last
        if last is not None and (last[0] is distribution or last[0] == distribution):
            return last[1]  # the usual case: the distribution of the previous row
        found = self._ids.get(distribution)
        if found is None:
            found = self._ids[distribution] = len(self.distributions)
            self.distributions.append(distribution)
        self._last = (distribution, found)
        return found

    def mask_for(self, target: BaseDistribution, n_rows: int) -> np.ndarray:
        """Rows whose value can be used to sample ``target`` (present, compatible, in range)."""
        ok = [i for i, d in enumerate(self.distributions) if compatible(d, target)]
        ids = self.dist_ids.view[:n_rows]
        if not ok:
            return np.zeros(n_rows, dtype=bool)
        mask = ids == ok[0] if len(ok) == 1 else np.isin(ids, ok)
        if len(ok) > 1 or self.distributions[ok[0]] != target:
            values = self.values.view[:n_rows]
            low = getattr(target, "low", None)
            if low is not None:
                mask &= (values >= low) & (values <= target.high)  # type: ignore[attr-defined]
        return mask


class History:
    """Finished trials of one study as rows of arrays (see the module docstring).

    Per row: trial number, class (feasible/infeasible complete, pruned), objective values (signed
    so that lower is better), constraint violation, and for pruned rows the last step and the
    value there. Per parameter: a ``Column``.
    """

    def __init__(self, directions: Sequence[StudyDirection]) -> None:
        m = len(directions)
        self.signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
        self._sign0 = float(self.signs[0]) if m else 1.0
        self.numbers = _Growing(None, np.int64, -1)
        self.classes = _Growing(None, np.int8, 0)
        self.losses = _Growing(m, float, math.nan)  # signed values, lower is better
        self.violations = _Growing(None, float, 0.0)
        self.pruned_steps = _Growing(None, float, 0.0)
        self.columns: dict[str, Column] = {}
        self.n = 0
        self.n_complete = 0
        # rows before this one are all feasible COMPLETE trials (the split's fast path)
        self.first_other = math.inf

    def add(self, trial: FrozenTrial, constraints: Sequence[float] | None) -> None:
        """Append a COMPLETE or PRUNED trial (others are ignored)."""
        state = trial.state
        m = len(self.signs)
        if state == TrialState.COMPLETE:
            values = trial.values
            if values is None or len(values) != m:
                return
            if m == 1:  # plain floats: no numpy calls for one value
                one = float(values[0]) * self._sign0
                loss = np.array([math.inf if one != one else one])
            else:
                loss = np.asarray(values, dtype=float) * self.signs
            violation = 0.0
            if constraints is not None:
                violation = float(sum(max(0.0, float(c)) for c in constraints))
                if math.isnan(violation):
                    violation = math.inf
            cls = COMPLETE_FEASIBLE if violation <= 0.0 else COMPLETE_INFEASIBLE
            step = 0.0
        elif state == TrialState.PRUNED:
            if m != 1:
                return
            cls = PRUNED
            inter = trial.intermediate_values
            if inter:
                last = max(inter)
                step = float(last)
                value = inter[last]
                loss = np.array([value * self.signs[0] if not math.isnan(value) else math.inf])
            else:
                step = -1.0
                loss = np.array([math.inf])
            violation = 0.0
        else:
            return
        if m != 1:
            loss = np.where(np.isnan(loss), math.inf, loss)
        if cls != COMPLETE_FEASIBLE and self.first_other == math.inf:
            self.first_other = self.n
        self.numbers.append(trial.number)
        self.classes.append(cls)
        self.losses.append(loss)
        self.violations.append(violation)
        self.pruned_steps.append(step)
        n = self.n
        for name, value in trial.params.items():
            col = self.columns.get(name)
            if col is None:
                col = self.columns[name] = Column(n)
            dist = trial.distributions[name]
            col.values.append(dist.to_internal_repr(value))
            col.dist_ids.append(col.dist_id(dist))
            col.present += 1
        self.n = n + 1
        if state == TrialState.COMPLETE:
            self.n_complete += 1
        for col in self.columns.values():
            col.values.pad_to(self.n)
            col.dist_ids.pad_to(self.n)

    def column_values(self, names: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """Internal values of ``names`` at ``rows`` as an (len(rows), len(names)) array."""
        out = np.empty((len(rows), len(names)))
        if len(rows) == 0:
            return out
        for j, name in enumerate(names):
            out[:, j] = self.columns[name].values.view[rows]
        return out

    def uniform(self, name: str, distribution: BaseDistribution) -> bool:
        """Whether every row recorded ``name`` (so far) with exactly ``distribution``."""
        col = self.columns.get(name)
        return (
            col is not None and col.present == self.n and len(col.distributions) == 1
            and col.distributions[0] == distribution
        )

    def mask_for(self, space: dict[str, BaseDistribution], n: int) -> np.ndarray | None:
        """Among the first ``n`` rows, those where every parameter of ``space`` is usable.

        None when all of them are (the common case of a fixed search space).
        """
        mask = None
        for name, dist in space.items():
            col = self.columns.get(name)
            if col is None:
                return np.zeros(n, dtype=bool)
            if col.present == self.n and len(col.distributions) == 1 and (
                col.distributions[0] == dist
            ):
                continue
            if mask is None:
                mask = col.mask_for(dist, n)
            else:
                mask &= col.mask_for(dist, n)
        return mask


def running_rows(
    trials: Sequence[FrozenTrial], space: dict[str, BaseDistribution]
) -> np.ndarray:
    """Internal values of ``space`` for the running ``trials`` that already hold all of them."""
    rows = []
    names = list(space)
    for t in trials:
        params = t.params
        dists = t.distributions
        row = []
        for name in names:
            if name not in params:
                break
            stored, target = dists[name], space[name]
            if not compatible(stored, target):
                break
            v = stored.to_internal_repr(params[name])
            low = getattr(target, "low", None)
            if low is not None and not (low <= v <= target.high):  # type: ignore[attr-defined]
                break
            row.append(v)
        else:
            rows.append(row)
    return np.asarray(rows, dtype=float).reshape(len(rows), len(names))

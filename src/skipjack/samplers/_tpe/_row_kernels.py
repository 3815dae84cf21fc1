"""The kernel of every finished trial for one numeric parameter, kept up to date incrementally.

Design note (work per trial): the bad group's estimator is the part of a TPE step that grows with
the study. Its kernels need a bandwidth (the gap to the farther neighbour along the parameter, so
a sort of the column) and a truncation mass (a Gaussian tail per kernel near a domain end).
Rebuilt per trial, that is a sort and a pass of transcendental maths over the whole bad group for
every parameter. Here each finished trial's kernel is computed once: the parameter's coordinates
are kept sorted, and inserting a row changes the gap of that row and of its two neighbours only.
The bad group then gathers its rows' bandwidths and masses.

The gaps are taken among all finished trials that recorded the parameter with this distribution,
good ones included (the good group is at most 25 rows and changes every trial, so excluding it
would undo the incremental update); the magic-clip floor counts the same rows. The floor depends
on that count until it reaches 98 rows; before that every new row rebuilds the whole column,
which is small then.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from skipjack.samplers._tpe._gauss import LOG_SQRT_2PI, log_gauss_mass, log_gauss_mass_scalar
from skipjack.samplers._tpe._history import Column
from skipjack.samplers._tpe._parzen import (
    EstimatorSettings,
    GatheredMixture,
    ParzenEstimator,
    Workspace,
    bandwidths_from_sorted,
    grid_bins,
)
from skipjack.samplers._tpe._space import ParamSpec

__all__ = ["RowKernels", "gather_mixture"]

_NEAR = 8.5  # kernels farther than this many sd from both domain ends have mass 1 - 1e-17
# rows of ``RowKernels._data``: per history row (coordinate, bandwidth, log mass, and the scoring
# form of the kernel), then the sorted coordinates of the recorded rows
_MU, _SIGMA, _LOG_MASS, _QUAD_A, _QUAD_B, _CONST, _SORTED = range(7)


class RowKernels:
    """Bandwidth and log truncation mass per history row of one numeric parameter.

    Rows that did not record the parameter hold NaN. Only valid while every recorded row used
    ``spec.distribution`` (the caller checks the column's distributions).

    Args:
        spec: the parameter (numeric).
        consider_endpoints: the domain ends count as neighbours of the extreme points.
        consider_magic_clip: floor the bandwidths at ``width / min(100, n + 2)``.
    """

    def __init__(self, spec: ParamSpec, consider_endpoints: bool, consider_magic_clip: bool):
        self.spec = spec
        self._lo = spec.lo_t
        self._hi = spec.hi_t
        self._width = spec.hi_t - spec.lo_t
        self._endpoints = consider_endpoints
        self._magic = consider_magic_clip
        self._floor = math.nan
        self._n_rows = 0  # history rows seen
        self._m = 0  # rows that recorded the parameter
        # One block, so that a rebuild writes all of a parameter's kernels in one assignment.
        # Per history row: coordinate, bandwidth, log mass inside the domain, and for continuous
        # parameters the scoring form of the kernel (see _parzen._Scoring): -0.5 / sigma^2,
        # mu / sigma^2, -0.5 mu^2 / sigma^2 - log sigma - log mass - log √2π. Row _SORTED: the
        # coordinates of the recorded rows, sorted (ties in row order).
        self._data = np.full((7, 16), math.nan)
        self._order = np.empty(16, dtype=np.intp)  # their row numbers, in the sorted order
        # the prior kernel: centre of the domain, the width as bandwidth
        mu, sd = 0.5 * (self._lo + self._hi), self._width
        self.prior_log_mass = log_gauss_mass_scalar(-0.5, 0.5)
        self.prior = self._form(mu, sd, self.prior_log_mass)
        # a discrete parameter with a small grid: per row, the log probability of every grid point
        self.grid: np.ndarray | None = None
        self._bin_lo = self._bin_hi = np.empty(0)
        self.prior_grid = np.empty(0)
        bins = grid_bins(spec) if spec.step is not None else None
        if bins is not None:
            self._bin_lo, self._bin_hi = bins
            self.grid = np.arange(len(self._bin_lo))
            self.prior_grid = self.grid_columns(
                np.array([mu]), np.array([sd]), np.array([self.prior_log_mass])
            )[:, 0]
        self.grid_log_p = np.full((0 if self.grid is None else len(self.grid), 16), math.nan)
        self._pending: list[int] = []  # rows whose grid probabilities are out of date

    @property
    def mu(self) -> np.ndarray:
        """Per history row: the coordinate (NaN where not recorded)."""
        return cast(np.ndarray, self._data[_MU])

    @property
    def _mu(self) -> np.ndarray:
        return cast(np.ndarray, self._data[_MU])

    @property
    def sigma(self) -> np.ndarray:
        """Per history row: the bandwidth."""
        return cast(np.ndarray, self._data[_SIGMA])

    @property
    def log_mass(self) -> np.ndarray:
        """Per history row: the log of the kernel's mass inside the domain."""
        return cast(np.ndarray, self._data[_LOG_MASS])

    @property
    def quad_a(self) -> np.ndarray:
        """Per history row: -0.5 / sigma^2."""
        return cast(np.ndarray, self._data[_QUAD_A])

    @property
    def quad_b(self) -> np.ndarray:
        """Per history row: mu / sigma^2."""
        return cast(np.ndarray, self._data[_QUAD_B])

    @property
    def const(self) -> np.ndarray:
        """Per history row: the kernel's constant term (see ``_data``)."""
        return cast(np.ndarray, self._data[_CONST])

    @property
    def sorted(self) -> np.ndarray:
        """Coordinates of all recorded rows, sorted."""
        return self._data[_SORTED, : self._m]

    def update(self, column: Column, n_rows: int) -> None:
        """Take in the rows of ``column`` up to ``n_rows`` that are new since the last call."""
        if self._take_in(column, n_rows):
            self._rebuild_group([self], np.flatnonzero(~np.isnan(self._mu[:n_rows])))

    @staticmethod
    def update_all(
        kernels: list[RowKernels], columns: dict[str, Column], n_rows: int
    ) -> np.ndarray | None:
        """``update`` each of ``kernels``; the parameters that need a full rebuild and that every
        row recorded are rebuilt together, in one pass over a (parameters, rows) block.

        Returns that block, (6 fields, parameters, rows) in row order (see ``_data``), when every
        one of ``kernels`` was rebuilt in it (the first ~100 trials of a fixed search space), so
        that the bad group is gathered from it in a few operations; else None.
        """
        together = []
        for rk in kernels:
            if rk._take_in(columns[rk.spec.name], n_rows):
                if rk._m == n_rows:
                    together.append(rk)
                else:
                    rk.update(columns[rk.spec.name], n_rows)
        if together:
            block = RowKernels._rebuild_group(together, np.arange(n_rows))
            if len(together) == len(kernels):
                return block
        return None

    def _take_in(self, column: Column, n_rows: int) -> bool:
        """Record the new rows; insert them one by one, or return True if a rebuild is due."""
        done = self._n_rows
        if n_rows <= done:
            return False
        self._n_rows = n_rows
        if n_rows > self._data.shape[1]:
            size = max(n_rows, 2 * self._data.shape[1])
            grown = np.full((7, size), math.nan)
            grown[:, :done] = self._data[:, :done]
            self._data = grown
            order = np.empty(size, dtype=np.intp)
            order[: self._m] = self._order[: self._m]
            self._order = order
            table = np.full((len(self.grid_log_p), size), math.nan)
            table[:, :done] = self.grid_log_p[:, :done]
            self.grid_log_p = table
        if n_rows == done + 1:  # the usual case: one new trial, plain Python
            if column.dist_ids.view[done] < 0:
                return False
            value = float(column.values.view[done])
            row_list, coord_list = [done], [float(np.log(value)) if self.spec.log else value]
            self._data[_MU, done] = coord_list[0]
        else:
            ids = column.dist_ids.view[done:n_rows]
            rows = np.flatnonzero(ids >= 0) + done
            coords = self.spec.transform(column.values.view[rows])
            self._data[_MU, rows] = coords
            row_list, coord_list = rows.tolist(), coords.tolist()
        if not row_list:
            return False
        m = self._m + len(row_list)
        floor = self._width / min(100.0, 2.0 + m) if self._magic else self._width * 1e-12
        if len(row_list) > 4 or floor != self._floor:
            self._floor = floor
            self._m = m
            return True
        for q, v in zip(row_list, coord_list):
            self._insert(q, v)
        if self._pending:
            self._grid_rows(np.array(self._pending, dtype=np.intp))
            self._pending.clear()
        return False

    def _grid_rows(self, rows: np.ndarray) -> None:
        """Recompute the grid probabilities of ``rows`` (in blocks: no large temporaries)."""
        if self.grid is None:
            return
        step = max(1, 4096 // len(self.grid))
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            mu, sd = self._mu[part], self.sigma[part]
            self.grid_log_p[:, part] = log_gauss_mass(
                (self._bin_lo - mu) / sd, (self._bin_hi - mu) / sd
            ) - self.log_mass[part]

    def grid_columns(self, mu: np.ndarray, sd: np.ndarray, log_mass: np.ndarray) -> np.ndarray:
        """Grid probabilities (grid, k) of extra kernels (running trials, the prior)."""
        out: np.ndarray = log_gauss_mass((self._bin_lo - mu) / sd, (self._bin_hi - mu) / sd)
        out -= log_mass
        return out

    # --- full rebuild -----------------------------------------------------------------------------

    @staticmethod
    def _rebuild_group(group: list[RowKernels], rows: np.ndarray) -> np.ndarray:
        """Recompute every kernel of ``group``, whose recorded rows are exactly ``rows``.

        Returns the kernels' fields ``_MU`` .. ``_CONST`` as a (6, parameters, rows) block, in the
        order of ``rows``.
        """
        m = len(rows)
        g = len(group)
        if m and int(rows[-1]) == m - 1:  # rows 0..m-1 (every row recorded): slices, no gather
            vals = np.stack([rk._data[_MU, :m] for rk in group])
        else:
            vals = np.empty((g, m))
            for i, rk in enumerate(group):
                np.take(rk._data[_MU], rows, out=vals[i])
        order = np.argsort(vals, axis=1, kind="stable")
        at = (np.arange(g)[:, None], order)
        bounds = np.array([[rk._lo, rk._hi, rk._floor] for rk in group])
        lo, hi, floor = bounds[:, 0:1], bounds[:, 1:2], bounds[:, 2:3]
        width = hi - lo
        padded = np.empty((g, m + 2))
        padded[:, 0:1] = lo
        padded[:, m + 1 :] = hi
        s = padded[:, 1 : m + 1]
        s[...] = vals[at]
        left = s - padded[:, :-2]
        right = padded[:, 2:] - s
        if not group[0]._endpoints and m > 1:
            left[:, 0] = right[:, 0]
            right[:, -1] = left[:, -1]
        # the gaps need the sorted order; everything after them is elementwise, so it is computed
        # in row order (one scatter of the bandwidths instead of one per field and parameter)
        block = np.empty((_SORTED, g, m))
        block[_MU] = vals
        sig = block[_SIGMA]
        sig[at] = np.maximum(np.minimum(np.maximum(np.maximum(left, right), floor), width), 1e-300)
        a = (lo - vals) / sig
        b = (hi - vals) / sig
        lm = block[_LOG_MASS]
        lm[...] = 0.0
        near = (a > -_NEAR) | (b < _NEAR)
        if near.any():
            lm[near] = log_gauss_mass(a[near], b[near])
        inv_var = 1.0 / (sig * sig)
        np.multiply(-0.5, inv_var, out=block[_QUAD_A])
        np.multiply(vals, inv_var, out=block[_QUAD_B])
        block[_CONST] = -0.5 * vals * vals * inv_var - np.log(sig) - lm - LOG_SQRT_2PI
        sorted_rows = rows[order]
        every = m and int(rows[-1]) == m - 1
        for i, rk in enumerate(group):
            data = rk._data
            if every:
                data[:_SORTED, :m] = block[:, i]
            else:
                data[:_SORTED, rows] = block[:, i]
            data[_SORTED, :m] = s[i]
            rk._order[:m] = sorted_rows[i]
            rk._m = m
            if rk.grid is not None:
                rk._grid_rows(rows)
        return block

    # --- one new row ------------------------------------------------------------------------------

    def _insert(self, row: int, value: float) -> None:
        m = self._m  # < the capacity: m counts recorded rows, row < the rows taken in
        s, order = self._data[_SORTED], self._order
        p = int(s[:m].searchsorted(value, side="right"))
        s[p + 1 : m + 1] = s[p:m]
        order[p + 1 : m + 1] = order[p:m]
        s[p] = value
        order[p] = row
        m += 1
        self._m = m
        for i in range(max(p - 1, 0), min(p + 2, m)):
            self._refresh(i, m)

    def _refresh(self, i: int, m: int) -> None:
        """Recompute the kernel at sorted position ``i`` of ``m``."""
        data = self._data
        s = data[_SORTED]
        x = float(s[i])
        left = x - (float(s[i - 1]) if i > 0 else self._lo)
        right = (float(s[i + 1]) if i + 1 < m else self._hi) - x
        if not self._endpoints and m > 1:
            if i == 0:
                left = right
            elif i == m - 1:
                right = left
        sig = max(min(max(max(left, right), self._floor), self._width), 1e-300)
        a = (self._lo - x) / sig
        b = (self._hi - x) / sig
        row = int(self._order[i])
        lm = log_gauss_mass_scalar(a, b) if a > -_NEAR or b < _NEAR else 0.0
        data[_SIGMA, row] = sig
        data[_LOG_MASS, row] = lm
        data[_QUAD_A, row], data[_QUAD_B, row], data[_CONST, row] = self._form(x, sig, lm)
        if self.grid is not None:
            self._pending.append(row)

    @staticmethod
    def _form(mu: float, sigma: float, log_mass: float) -> tuple[float, float, float]:
        inv_var = 1.0 / (sigma * sigma)
        return (-0.5 * inv_var, mu * inv_var,
                -0.5 * mu * mu * inv_var - math.log(sigma) - log_mass - LOG_SQRT_2PI)


def gather_mixture(
    specs: list[ParamSpec],
    kernels: list[RowKernels],
    columns: dict[str, Column],
    rows: np.ndarray,
    weights: np.ndarray,
    lies: np.ndarray | None,
    settings: EstimatorSettings,
    work: Workspace,
    block: np.ndarray | None = None,
) -> GatheredMixture:
    """The Parzen mixture of history ``rows`` (``columns`` holds their values) with ``weights``,
    plus the running trials ``lies`` (weight 1 each) and the prior kernel, assembled from the kept
    per-row kernels: gathers into reused buffers, no per-kernel maths.

    ``block``: the (fields, parameters, rows) block ``RowKernels.update_all`` returns when it
    rebuilt every one of ``kernels`` together; with continuous parameters only and no running
    trials, the bad rows are then gathered from it in a few operations for all parameters at once
    (the same numbers, added in the same order, as the per-parameter gathers).
    """
    if (block is not None and lies is None and len(kernels) == len(specs)
            and all(s.step is None and not s.categorical for s in specs)):
        return _gather_block(specs, kernels, block, rows, weights, settings, work)
    k = len(rows)
    n_lies = 0 if lies is None else len(lies)
    n = k + n_lies
    n_kernels = n + 1
    w = np.empty(n_kernels)
    w[:k] = weights
    w[k:n] = 1.0
    w[n] = settings.prior_weight if n else 1.0
    total = w.sum()
    w = w / total if total > 0 else np.full(n_kernels, 1.0 / n_kernels)
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    numeric = [s for s in specs if not s.categorical]
    cont = [j for j, s in enumerate(numeric) if s.step is None]
    dc = len(cont)
    quad_t = work.get("quad", (2 * dc, n_kernels))
    const = log_w.copy()
    lie_mu = lie_sd = lie_lm = None
    if n_lies:
        assert lies is not None
        lo, hi = ParzenEstimator.domain(specs)
        lie_mu = ParzenEstimator.coordinates(specs, lies)
        lie_sd = np.maximum(bandwidths_from_sorted(
            lie_mu, [rk.sorted for rk in kernels], lo, hi, settings), 1e-300)
        lie_lm = ParzenEstimator.kernel_log_mass(lie_mu, lie_sd, lo, hi)
    for i, j in enumerate(cont):
        rk = kernels[j]
        a_row, b_row = quad_t[i], quad_t[dc + i]
        np.take(rk.quad_a, rows, out=a_row[:k])
        np.take(rk.quad_b, rows, out=b_row[:k])
        const[:k] += rk.const.take(rows)
        a_row[n], b_row[n] = rk.prior[0], rk.prior[1]
        const[n] += rk.prior[2]
        if n_lies:
            assert lie_mu is not None and lie_sd is not None and lie_lm is not None
            inv_var = 1.0 / lie_sd[:, j] ** 2
            a_row[k:n] = -0.5 * inv_var
            b_row[k:n] = lie_mu[:, j] * inv_var
            const[k:n] += (-0.5 * lie_mu[:, j] ** 2 * inv_var - np.log(lie_sd[:, j])
                           - lie_lm[:, j] - LOG_SQRT_2PI)
    disc = []
    grids = []
    for j, s in enumerate(numeric):
        if s.step is None:
            continue
        rk = kernels[j]
        if rk.grid is not None:
            n_grid = len(rk.grid)
            table = work.get(f"grid{j}", (n_grid, n_kernels))
            np.take(rk.grid_log_p, rows, axis=1, out=table[:, :k], mode="clip")
            table[:, n] = rk.prior_grid
            if n_lies:
                assert lie_mu is not None and lie_sd is not None and lie_lm is not None
                table[:, k:n] = rk.grid_columns(lie_mu[:, j], lie_sd[:, j], lie_lm[:, j])
            grids.append((j, s, table))
            continue
        mu = np.empty(n_kernels)
        sd = np.empty(n_kernels)
        lm = np.empty(n_kernels)
        mu[:k] = rk.mu.take(rows)
        sd[:k] = rk.sigma.take(rows)
        lm[:k] = rk.log_mass.take(rows)
        if n_lies:
            assert lie_mu is not None and lie_sd is not None and lie_lm is not None
            mu[k:n], sd[k:n], lm[k:n] = lie_mu[:, j], lie_sd[:, j], lie_lm[:, j]
        mu[n] = 0.5 * (s.lo_t + s.hi_t)
        sd[n] = s.hi_t - s.lo_t
        lm[n] = rk.prior_log_mass
        disc.append((j, mu, sd, lm))
    tables = []
    for j, s in enumerate(specs):
        if not s.categorical:
            continue
        c = s.n_choices
        idx = columns[s.name].values.view.take(rows).astype(np.intp)
        if n_lies:
            assert lies is not None
            idx = np.concatenate([idx, lies[:, j].astype(np.intp)])
        table = np.empty((c, n_kernels))
        if n:
            alpha = settings.prior_weight / n
            norm = math.log1p(alpha * c)
            table[:, :n] = math.log(alpha) - norm
            table[idx, np.arange(n)] = math.log1p(alpha) - norm
        table[:, n] = -math.log(c)
        tables.append(table)
    return GatheredMixture(specs, log_w, quad_t, const, disc, tables, grids)


def _gather_block(
    specs: list[ParamSpec],
    kernels: list[RowKernels],
    block: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    settings: EstimatorSettings,
    work: Workspace,
) -> GatheredMixture:
    """``gather_mixture`` of continuous parameters from a rebuilt block, without running trials."""
    k = len(rows)
    n_kernels = k + 1
    w = np.empty(n_kernels)
    w[:k] = weights
    w[k] = settings.prior_weight if k else 1.0
    total = w.sum()
    w = w / total if total > 0 else np.full(n_kernels, 1.0 / n_kernels)
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    dc = len(kernels)
    quad_t = work.get("quad", (2 * dc, n_kernels))
    np.take(block[_QUAD_A - _MU], rows, axis=1, out=quad_t[:dc, :k])
    np.take(block[_QUAD_B - _MU], rows, axis=1, out=quad_t[dc:, :k])
    # the constant, summed in the per-parameter order: log w, then each parameter's term
    terms = work.get("terms", (dc + 1, k))
    terms[0] = log_w[:k]
    np.take(block[_CONST - _MU], rows, axis=1, out=terms[1:])
    const = np.empty(n_kernels)
    np.add.reduce(terms, axis=0, out=const[:k])
    prior_const = float(log_w[k])
    for i, rk in enumerate(kernels):
        quad_t[i, k], quad_t[dc + i, k] = rk.prior[0], rk.prior[1]
        prior_const += rk.prior[2]
    const[k] = prior_const
    return GatheredMixture(specs, log_w, quad_t, const, [], [], [])

"""A Parzen estimator (a weighted mixture of one kernel per observation, plus a prior), in batch.

Numeric parameters get truncated Gaussian kernels on their domain (on a grid: the kernel's mass
over each grid point's bin); categorical parameters get smoothed one-hot kernels. In the joint
(multivariate) case a kernel is the product of its per-parameter kernels, so every candidate is
scored against every kernel with a few array operations: an (m candidates, K kernels, d params)
block, then a log-sum-exp over kernels. No Python loop runs per observation or per candidate.

Bandwidths, per kernel and numeric parameter: the distance to the farther neighbour among the
observations sorted along that parameter (the domain ends count as neighbours for a single
observation, or always with ``consider_endpoints``), clipped below by ``width / min(100, 1 + K)``
(the "magic clip") and above by the domain width. The prior kernel sits at the centre of the domain
with the full width as its bandwidth. (Scott's rule, ``0.2 n^(-1/(d+4))`` of the width, and
narrower or rank-weighted variants were tried on BBOB and did not do better: docs/tpe.md.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from skipjack.samplers._tpe._gauss import LOG_SQRT_2PI, log_gauss_mass
from skipjack.samplers._tpe._space import ParamSpec

__all__ = [
    "ParzenEstimator",
    "EstimatorSettings",
    "numeric_bandwidths",
    "subset_bandwidths",
    "bandwidths_from_sorted",
    "Workspace",
    "GatheredMixture",
    "grid_bins",
]


@dataclass(frozen=True)
class EstimatorSettings:
    """Knobs shared by all estimators of one sampler."""

    prior_weight: float = 1.0
    consider_prior: bool = True
    consider_magic_clip: bool = True
    consider_endpoints: bool = False
    categorical_distance_func: dict[str, Callable[[Any, Any], float]] | None = None


_CHUNK = 4096  # elements per block of the grid-mass computation (stays in small allocations)
MAX_GRID = 64  # discrete parameters with at most this many grid points are scored by table


def grid_bins(spec: ParamSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """Bin edges (grid, 1) in coordinates, clipped to the domain, of every grid point of a
    discrete ``spec`` with at most ``MAX_GRID`` points (None for larger grids)."""
    assert spec.step is not None
    n_grid = int(round((spec.high - spec.low) / spec.step)) + 1
    if n_grid > MAX_GRID:
        return None
    blo, bhi = spec.bins(spec.low + spec.step * np.arange(n_grid))
    return np.maximum(blo, spec.lo_t)[:, None], np.minimum(bhi, spec.hi_t)[:, None]


def numeric_bandwidths(
    mus: np.ndarray, lo: np.ndarray, hi: np.ndarray, settings: EstimatorSettings
) -> np.ndarray:
    """Bandwidths of the observation kernels at ``mus`` (n, d numeric coordinates).

    Per column: the distance of each point to its farther neighbour (see the module docstring),
    clipped to ``[width / min(100, n + 2), width]`` with the magic clip, to the width without.
    """
    n = len(mus)
    width = hi - lo
    d = mus.shape[1]
    cols = np.ascontiguousarray(mus.T)  # (d, n): sorting contiguous rows is much faster
    order = np.argsort(cols, axis=1, kind="stable")  # ties in row order
    at = (np.arange(d)[:, None], order)  # = take_along_axis / put_along_axis, without wrappers
    padded = np.empty((d, n + 2))
    padded[:, 0] = lo
    padded[:, n + 1] = hi
    sorted_pts = padded[:, 1 : n + 1]
    sorted_pts[...] = cols[at]
    left = sorted_pts - padded[:, :-2]
    right = padded[:, 2:] - sorted_pts
    if not settings.consider_endpoints and n > 1:
        left[:, 0] = right[:, 0]
        right[:, -1] = left[:, -1]
    sig = np.empty_like(cols)
    sig[at] = np.maximum(left, right)
    if settings.consider_magic_clip:
        floor = width / min(100.0, 2.0 + n)  # n observations and the prior
    else:
        floor = width * 1e-12
    return cast(np.ndarray, np.clip(sig.T, floor, width))


def subset_bandwidths(
    mus: np.ndarray, keep: np.ndarray, lo: np.ndarray, hi: np.ndarray, settings: EstimatorSettings
) -> np.ndarray:
    """``numeric_bandwidths(mus, lo, hi, settings)[keep]``, doing per-kernel work only for ``keep``.

    One argsort of each (contiguous) column gives every point's rank; the kept points then read
    their neighbours at rank - 1 and rank + 1.
    """
    n = len(mus)
    width = hi - lo
    cols = np.ascontiguousarray(mus.T)  # (d, n)
    order = np.argsort(cols, axis=1, kind="stable")  # ties in row order
    sorted_cols = np.take_along_axis(cols, order, axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n)[None, :], axis=1)
    pos = rank[:, keep]  # (d, k)
    rows = np.arange(cols.shape[0])[:, None]
    pts = cols[:, keep]
    left_val = np.where(pos > 0, sorted_cols[rows, np.maximum(pos - 1, 0)], lo[:, None])
    right_val = np.where(pos + 1 < n, sorted_cols[rows, np.minimum(pos + 1, n - 1)], hi[:, None])
    left = pts - left_val
    right = right_val - pts
    if not settings.consider_endpoints and n > 1:
        left = np.where(pos == 0, right, left)
        right = np.where(pos == n - 1, left, right)
    out = np.maximum(left, right).T
    if settings.consider_magic_clip:
        floor = width / min(100.0, 2.0 + n)
    else:
        floor = width * 1e-12
    return cast(np.ndarray, np.clip(out, floor, width))


def bandwidths_from_sorted(
    points: np.ndarray, sorted_cols: list[np.ndarray], lo: np.ndarray, hi: np.ndarray,
    settings: EstimatorSettings,
) -> np.ndarray:
    """Neighbour bandwidths of ``points`` (k, d) among the sorted columns of a larger set.

    Each point is looked up by binary search, so the work is O(k log n) per column. Points equal to
    others take the gaps to the nearest distinct values (the sort-everything rule would give all
    but one of them a zero gap, then the floor).
    """
    out = np.empty(points.shape)
    n = max((len(c) for c in sorted_cols), default=0)
    width = hi - lo
    for j, col in enumerate(sorted_cols):
        v = points[:, j]
        m = len(col)
        order = np.argsort(v)  # sorted needles make the binary searches cache-friendly
        first = np.empty(len(v), dtype=np.intp)
        after = np.empty(len(v), dtype=np.intp)
        first[order] = np.searchsorted(col, v[order], side="left")
        after[order] = np.searchsorted(col, v[order], side="right")
        left_val = np.where(first > 0, col[np.maximum(first - 1, 0)] if m else lo[j], lo[j])
        right_val = np.where(after < m, col[np.minimum(after, m - 1)] if m else hi[j], hi[j])
        left = v - left_val
        right = right_val - v
        if not settings.consider_endpoints and m > 1:
            left = np.where(first == 0, right, left)
            right = np.where(after >= m, left, right)
        out[:, j] = np.maximum(left, right)
    if settings.consider_magic_clip:
        floor = width / min(100.0, 2.0 + n)
    else:
        floor = width * 1e-12
    return np.clip(out, floor, width)


class _Layout:
    """Per-parameter constants of a list of numeric specs, as arrays (built once per list)."""

    def __init__(self, specs_num: Sequence[ParamSpec]) -> None:
        self.specs = list(specs_num)  # held: the cache is keyed by their ids
        self.lo = np.array([s.lo_t for s in specs_num])
        self.hi = np.array([s.hi_t for s in specs_num])
        self.width = self.hi - self.lo
        self.log_scale = np.array([s.log for s in specs_num], dtype=bool)
        self.discrete = np.array([s.step is not None for s in specs_num], dtype=bool)
        self.cont = ~self.discrete
        self.all_cont = all(s.step is None for s in specs_num)
        self.n_cont = int(self.cont.sum())
        self.plain = not any(s.log for s in specs_num) and self.all_cont
        self.discrete_list = [k for k, s in enumerate(specs_num) if s.step is not None]
        self.value_low = np.array([s.low for s in specs_num])
        self.value_high = np.array([s.high for s in specs_num])
        self.grid_low = np.array([s.low for s in specs_num if s.step is not None])
        self.grid_step = np.array([s.step for s in specs_num if s.step is not None])
        for a in (self.lo, self.hi, self.width, self.log_scale, self.discrete, self.cont):
            a.setflags(write=False)


_LAYOUTS: dict[tuple[int, ...], _Layout] = {}


def _layout(specs_num: Sequence[ParamSpec]) -> _Layout:
    """The ``_Layout`` of ``specs_num``, cached by the specs' identities (specs are immutable)."""
    key = tuple(map(id, specs_num))
    found = _LAYOUTS.get(key)
    if found is None or any(a is not b for a, b in zip(found.specs, specs_num)):
        if len(_LAYOUTS) >= 256:
            _LAYOUTS.clear()
        found = _LAYOUTS[key] = _Layout(specs_num)
    return found


class _Scoring:
    """The log density of a mixture, from its scoring form (set by the subclass):

    ``_quad_t`` (2 dc, K): the stacked [-0.5 / s^2; mu / s^2] of the continuous coordinates;
    ``_cont_const`` (K,): log weight + the continuous kernels' constant terms; ``_disc``: per
    discrete coordinate k, its (mu, sigma, log mass) columns, or in ``_grids`` the (grid points, K)
    log probabilities of every grid point; ``_cat_log_tables``: per categorical parameter, (C, K)
    log probabilities.
    """

    specs: list[ParamSpec]
    log_weights: np.ndarray
    _num: list[int]
    _cat: list[int]
    _cont: np.ndarray
    _log_scale: np.ndarray
    _lo: np.ndarray
    _hi: np.ndarray
    _quad_t: np.ndarray
    _cont_const: np.ndarray
    _disc: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]
    _cat_log_tables: list[np.ndarray]
    _grids: list[tuple[int, ParamSpec, np.ndarray]] = []
    _flags: tuple[bool, bool]

    def _to_coords(self, values: np.ndarray) -> np.ndarray:
        """Internal values of the numeric parameters (k, dn) to coordinates (log where asked)."""
        if not self._log_scale.any():
            return np.array(values, dtype=float)
        x = np.array(values, dtype=float)
        x[:, self._log_scale] = np.log(x[:, self._log_scale])
        return x

    def log_pdf(self, points: np.ndarray, work: Workspace | None = None) -> np.ndarray:
        """Log density (log probability on grids and categories) of internal points (m, d).

        ``work`` holds the (m, kernels) scratch arrays between calls (see ``Workspace``).
        """
        work = work or Workspace()
        m = len(points)
        n_kernels = len(self.log_weights)
        total = work.get("total", (m, n_kernels))
        if self._num:
            specs = [self.specs[j] for j in self._num]
            flags = self.__dict__.get("_flags")
            if flags is None:  # computed once per mixture: (all continuous, and none on log)
                every = len(self._num) == len(self.specs) and bool(self._cont.all())
                flags = self._flags = (every, every and not bool(self._log_scale.any()))
            all_cont, plain = flags
            if plain:
                # every parameter continuous, on its own scale: the points are the coordinates.
                # Column-major, as the general path's column gather makes them: the product below
                # then runs the same BLAS kernel, with bit-identical results.
                values = x = xc = np.asfortranarray(points)
            else:
                values = points[:, self._num]
                x = self._to_coords(values)
                xc = x if all_cont else x[:, self._cont]
            cont = self._cont
            if all_cont or cont.any():
                # -0.5 * sum_j (x_j^2 a_kj - 2 x_j b_kj): one product with the stacked [a; b]
                np.matmul(np.concatenate([xc * xc, xc], axis=1), self._quad_t, out=total)
                total += self._cont_const
            else:
                total[:] = self.log_weights
            grid_rows = max(1, _CHUNK // n_kernels)
            for k, mu_k, sd_k, log_mass_k in self._disc:
                # few distinct grid points among the candidates: score each once
                grid, inverse = np.unique(values[:, k], return_inverse=True)
                blo, bhi = specs[k].bins(grid)
                blo = np.maximum(blo, self._lo[k])[:, None]
                bhi = np.minimum(bhi, self._hi[k])[:, None]
                mu = mu_k[None, :]
                sd = sd_k[None, :]
                mass = work.get("grid", (len(grid), n_kernels))
                for a in range(0, len(grid), grid_rows):  # small blocks: no large temporaries
                    b = a + grid_rows
                    mass[a:b] = log_gauss_mass((blo[a:b] - mu) / sd, (bhi[a:b] - mu) / sd)
                mass -= log_mass_k[None, :]
                total += np.take(mass, inverse.reshape(-1), axis=0,
                                 out=work.get("rows", (m, n_kernels)))
            for k, spec, log_table in self._grids:
                assert spec.step is not None
                idx = np.rint((values[:, k] - spec.low) / spec.step).astype(np.intp)
                np.clip(idx, 0, len(log_table) - 1, out=idx)
                total += np.take(log_table, idx, axis=0, out=work.get("rows", (m, n_kernels)))
        else:
            total[:] = self.log_weights
        for log_table, j in zip(self._cat_log_tables, self._cat):
            idx = points[:, j].astype(np.intp)
            total += np.take(log_table, idx, axis=0, out=work.get("rows", (m, n_kernels)))
        # log-sum-exp over the kernels, in place
        top = total.max(axis=1)
        # a point outside every kernel (-inf) or nan; one reduction tells whether any is
        any_dead = not math.isfinite(float(top.sum()))
        if any_dead:
            dead = ~np.isfinite(top)
            top[dead] = 0.0
        total -= top[:, None]
        # exp below -708 underflows through a slow path (5-10x); terms under e^-700 cannot change
        # a sum that holds the top term, 1
        np.maximum(total, -700.0, out=total)
        np.exp(total, out=total)
        out = np.log(total.sum(axis=1))
        out += top
        if any_dead and dead.any():
            out[dead] = np.where(np.isnan(out[dead]), np.nan, -np.inf)
        return cast(np.ndarray, out)



class GatheredMixture(_Scoring):
    """A mixture given directly in scoring form (see ``_Scoring``); it only scores points."""

    def __init__(
        self,
        specs: Sequence[ParamSpec],
        log_weights: np.ndarray,
        quad_t: np.ndarray,
        cont_const: np.ndarray,
        disc: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
        cat_log_tables: list[np.ndarray],
        grids: list[tuple[int, ParamSpec, np.ndarray]] | None = None,
    ) -> None:
        self.specs = list(specs)
        self._num = [j for j, s in enumerate(self.specs) if not s.categorical]
        self._cat = [j for j, s in enumerate(self.specs) if s.categorical]
        specs_num = [self.specs[j] for j in self._num]
        self._lo = np.array([s.lo_t for s in specs_num])
        self._hi = np.array([s.hi_t for s in specs_num])
        self._log_scale = np.array([s.log for s in specs_num], dtype=bool)
        self._cont = np.array([s.step is None for s in specs_num], dtype=bool)
        self.log_weights = log_weights
        self._quad_t = quad_t
        self._cont_const = cont_const
        self._disc = disc
        self._cat_log_tables = cat_log_tables
        self._grids = grids or []


class ParzenEstimator(_Scoring):
    """The mixture over ``specs`` fitted to ``observations`` (internal values, one row each).

    Args:
        specs: the parameters, in the column order of ``observations``.
        observations: array (n, d) of internal values.
        weights: array (n,) of non-negative observation weights.
        settings: bandwidth and prior options.
        bandwidths: optional (n, numeric d) bandwidths of the observation kernels (else the
            neighbour rule among ``observations``).
        log_mass: optional (n, numeric d) log truncation masses matching ``bandwidths``.
    """

    def __init__(
        self,
        specs: Sequence[ParamSpec],
        observations: np.ndarray,
        weights: np.ndarray,
        settings: EstimatorSettings,
        bandwidths: np.ndarray | None = None,
        log_mass: np.ndarray | None = None,
    ) -> None:
        self.specs = list(specs)
        n = len(observations)
        d = len(self.specs)
        self._num = [j for j, s in enumerate(self.specs) if not s.categorical]
        self._cat = [j for j, s in enumerate(self.specs) if s.categorical]
        use_prior = settings.consider_prior or n == 0
        if use_prior:
            w = np.empty(len(weights) + 1)
            w[:-1] = weights
            w[-1] = settings.prior_weight if n else 1.0
        else:
            w = np.asarray(weights, dtype=float)
        total = w.sum()
        w = w / total if total > 0 else np.full(len(w), 1.0 / len(w))
        self.weights = w
        self._cdf = w.cumsum()
        self._cdf /= self._cdf[-1]
        with np.errstate(divide="ignore"):
            self.log_weights = np.log(w)
        n_kernels = len(w)

        # numeric kernels
        dn = len(self._num)
        specs_num = [self.specs[j] for j in self._num]
        layout = _layout(specs_num)
        lo, hi, width = layout.lo, layout.hi, layout.width
        mus = np.empty((n_kernels, dn))
        sigmas = np.empty((n_kernels, dn))
        self._log_scale = layout.log_scale
        self._plain = layout.plain
        every_cont = layout.plain and dn == d  # continuous, own scale, no categorical
        if n:
            mus[:n] = observations if every_cont else self._to_coords(observations[:, self._num])
        if use_prior:
            mus[n:] = 0.5 * (lo + hi)
        if bandwidths is not None:
            sigmas[:n] = bandwidths
        elif n:
            sigmas[:n] = numeric_bandwidths(mus[:n], lo, hi, settings)
        if use_prior:
            sigmas[n:] = width
        sigmas = np.maximum(sigmas, 1e-300)
        self._lo, self._hi = lo, hi
        self._mus, self._sigmas = mus, sigmas
        self._log_sigmas = np.log(sigmas)
        self._discrete = layout.discrete
        self._value_low = layout.value_low
        self._value_high = layout.value_high
        self._grid_low = layout.grid_low
        self._grid_step = layout.grid_step
        if log_mass is not None and bandwidths is not None:
            self._log_mass = np.empty_like(sigmas)
            self._log_mass[:n] = log_mass
            self._log_mass[n:] = self.kernel_log_mass(mus[n:], sigmas[n:], lo, hi)
        else:
            self._log_mass = self.kernel_log_mass(mus, sigmas, lo, hi)
        # continuous part, expanded for matrix products: sum_j ((x_j - mu_kj) / s_kj)^2
        # = (x^2) . a_k - 2 x . b_k + c_k with a = 1/s^2, b = mu/s^2, c = sum mu^2/s^2
        cont = layout.cont
        self._cont = cont
        self._disc = []
        self._grids = []
        for k in layout.discrete_list:
            bins = grid_bins(specs_num[k])
            if bins is None:
                self._disc.append((k, mus[:, k], sigmas[:, k], self._log_mass[:, k]))
                continue
            # small grid: the probability of every grid point under every kernel, once
            blo, bhi = bins
            mu_k, sd_k = mus[:, k], sigmas[:, k]
            table = log_gauss_mass((blo - mu_k) / sd_k, (bhi - mu_k) / sd_k)
            table -= self._log_mass[:, k]
            self._grids.append((k, specs_num[k], table))
        if layout.all_cont:
            # the column-major copies the general path's column selection makes (same sums)
            sig_c, mus_c = np.asfortranarray(sigmas), np.asfortranarray(mus)
            log_sig_c, log_mass_c = np.asfortranarray(self._log_sigmas), np.asfortranarray(
                self._log_mass)
        else:
            sig_c, mus_c = sigmas[:, cont], mus[:, cont]
            log_sig_c, log_mass_c = self._log_sigmas[:, cont], self._log_mass[:, cont]
        inv_var = 1.0 / (sig_c ** 2)
        dc = layout.n_cont
        self._quad_t = np.empty((2 * dc, n_kernels))
        self._quad_t[:dc] = inv_var.T
        self._quad_t[:dc] *= -0.5
        np.multiply(mus_c.T, inv_var.T, out=self._quad_t[dc:])
        self._cont_const = self.log_weights - 0.5 * np.sum(mus_c ** 2 * inv_var, axis=1) - (
            np.sum(log_sig_c + log_mass_c, axis=1)
        ) - LOG_SQRT_2PI * dc

        # categorical kernels: one probability table (K, C) per parameter
        self._cat_tables: list[np.ndarray] = []
        self._cat_log_tables: list[np.ndarray] = []  # (C, K): log probabilities, for scoring
        for j in self._cat:
            s = self.specs[j]
            c = s.n_choices
            table = np.empty((n_kernels, c))
            if n:
                idx = observations[:, j].astype(int)
                alpha = settings.prior_weight / n
                dist_func = (settings.categorical_distance_func or {}).get(s.name)
                if dist_func is not None:
                    table[:n] = self._distance_kernel(s, dist_func, idx, n) + alpha
                else:
                    table[:n] = alpha
                    table[np.arange(n), idx] += 1.0
            if use_prior:
                table[n:] = 1.0
            table /= table.sum(axis=1, keepdims=True)
            self._cat_tables.append(table)
            with np.errstate(divide="ignore"):
                self._cat_log_tables.append(np.ascontiguousarray(np.log(table).T))

    @staticmethod
    def coordinates(specs: Sequence[ParamSpec], observations: np.ndarray) -> np.ndarray:
        """Numeric columns of ``observations`` (internal values) in estimator coordinates."""
        num = [j for j, s in enumerate(specs) if not s.categorical]
        out = np.empty((len(observations), len(num)))
        for k, j in enumerate(num):
            out[:, k] = specs[j].transform(observations[:, j])
        return out

    @staticmethod
    def domain(specs: Sequence[ParamSpec]) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends of the numeric coordinates."""
        num = [s for s in specs if not s.categorical]
        return np.array([s.lo_t for s in num]), np.array([s.hi_t for s in num])

    @staticmethod
    def kernel_log_mass(
        mus: np.ndarray, sigmas: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """log of each kernel's mass inside the domain; only kernels near an end need the maths."""
        a = (lo - mus) / sigmas
        b = (hi - mus) / sigmas
        out = np.zeros(a.shape)
        near = (a > -8.5) | (b < 8.5)  # farther than 8.5 sd from both ends: mass 1 - 1e-17
        if near.any():
            out[near] = log_gauss_mass(a[near], b[near])
        return out

    @staticmethod
    def _distance_kernel(
        spec: ParamSpec, func: Callable[[Any, Any], float], idx: np.ndarray, n: int
    ) -> np.ndarray:
        choices = spec.distribution.choices  # type: ignore[attr-defined]
        c = len(choices)
        dist = np.array([[func(a, b) for b in choices] for a in choices], dtype=float)
        top = dist.max()
        scaled = dist / top if top > 0 else dist
        beta = np.log1p(n)
        return cast(np.ndarray, np.exp(-beta * scaled[idx] ** 2).reshape(n, c))

    # --- sampling -------------------------------------------------------------------------------

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` points; returns internal values, array (size, d)."""
        out = np.empty((size, len(self.specs)))
        # = rng.choice(len(w), size, p=w) (the same draws), without its per-call checks of p
        ks = self._cdf.searchsorted(rng.random(size), side="right")
        if self._num:
            mu = self._mus.take(ks, axis=0)
            sd = self._sigmas.take(ks, axis=0)
            x = mu + sd * rng.standard_normal(mu.shape)
            # rejection: redraw the coordinates that left the domain, at most 100 rounds. Only the
            # coordinates still outside are followed (flat indices, in C order: the same draws as
            # redrawing ``x[x outside]`` each round, without full-size masks per round)
            lo = np.broadcast_to(self._lo, x.shape).ravel()
            hi = np.broadcast_to(self._hi, x.shape).ravel()
            flat = x.reshape(-1)
            idx = np.flatnonzero((flat < lo) | (flat > hi))
            if len(idx):
                mu_f, sd_f = mu.reshape(-1), sd.reshape(-1)
                for _ in range(100):
                    new = mu_f[idx] + sd_f[idx] * rng.standard_normal(len(idx))
                    flat[idx] = new
                    idx = idx[(new < lo[idx]) | (new > hi[idx])]
                    if not len(idx):
                        break
                np.clip(x, self._lo, self._hi, out=x)
            if not self._plain:  # coordinates to values (``ParamSpec.to_internal``, all at once)
                if self._log_scale.any():
                    x[:, self._log_scale] = np.exp(x[:, self._log_scale])
                if self._discrete.any():
                    low, step = self._grid_low, self._grid_step
                    x[:, self._discrete] = low + np.round(
                        (x[:, self._discrete] - low) / step) * step
                np.clip(x, self._value_low, self._value_high, out=x)
            out[:, self._num] = x
        for table, j in zip(self._cat_tables, self._cat):
            cum = np.cumsum(table[ks], axis=1)
            u = rng.random(size)[:, None] * cum[:, -1:]
            out[:, j] = np.minimum((u >= cum).sum(axis=1), table.shape[1] - 1)
        return out


class Workspace:
    """Scratch arrays reused between calls.

    Design note: an (m candidates x K kernels) array for K ~ 1000 is about 200 KB, above the
    C allocator's threshold for mapping fresh pages from the kernel, so every such temporary
    costs page faults; measured, they were about a third of a TPE step. Reusing buffers avoids it.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, key: str, shape: tuple[int, int]) -> np.ndarray:
        """An uninitialised array of ``shape``, backed by the buffer named ``key``."""
        size = shape[0] * shape[1]
        buf = self._buffers.get(key)
        if buf is None or len(buf) < size:
            buf = self._buffers[key] = np.empty(max(size, 2 * len(buf) if buf is not None else 0))
        return buf[:size].reshape(shape)

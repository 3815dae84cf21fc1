"""``EMMREvaluator``: the expected minimum model regret of Ishibashi et al. (2023), "A stopping
criterion for Bayesian optimization by the gap of expected minimum simple regrets".

With GPs fitted before (``t-1``) and after (``t``) the latest trial, the criterion bounds the
change of the expected minimum simple regret (Algorithm 1 of the paper):

    dmu + v phi(g) + v g Phi(g) + kappa_{t-1} sqrt(KL(p_t || p_{t-1}) / 2)

where ``dmu`` is the change of the posterior mean at the incumbent, ``v`` the posterior standard
deviation of the difference between the two incumbents, ``g`` their standardized gap, and the
last term bounds the effect of the new observation through the KL divergence of the posteriors
(its equation 4) times the regret bound ``kappa`` of the earlier GP.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.search_space import intersection_search_space
from skipjack.terminator.improvement.evaluator import BaseImprovementEvaluator

__all__ = ["MARGIN_FOR_NUMARICAL_STABILITY", "EMMREvaluator"]

# The criterion returned while it cannot be computed is this fraction of the largest float, so
# that sums and ratios of it stay finite. (The name keeps Optuna's spelling.)
MARGIN_FOR_NUMARICAL_STABILITY = 0.1


def _norm_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@experimental("4.0.0")
class EMMREvaluator(BaseImprovementEvaluator):
    """The expected minimum model regret (EMMR) criterion; pair it with
    ``MedianErrorEvaluator``.

    Args:
        deterministic_objective: the objective has no noise (the GPs interpolate).
        delta: the confidence parameter of the regret bound term. Defaults to 0.1.
        min_n_trials: complete trials needed before the criterion is computed (at least 2);
            before that it is a huge number (never terminate). Defaults to 2.
        seed: seed of the random points of the regret bound.

    Raises:
        ValueError: ``min_n_trials`` below 2 or not finite.
    """

    def __init__(
        self,
        deterministic_objective: bool = False,
        delta: float = 0.1,
        min_n_trials: int = 2,
        seed: int | None = None,
    ) -> None:
        if not (np.isfinite(min_n_trials) and min_n_trials > 1):
            raise ValueError(
                "`min_n_trials` is expected to be a finite integer more than one; "
                f"got {min_n_trials}."
            )
        self._deterministic = deterministic_objective
        self._delta = delta
        self.min_n_trials = min_n_trials
        self._seed = seed
        self._rng: np.random.Generator | None = None

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        from skipjack.terminator import _gp

        never = sys.float_info.max * MARGIN_FOR_NUMARICAL_STABILITY
        space = intersection_search_space(trials)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if len(complete) < self.min_n_trials:
            return never
        if not space:
            warnings.warn(
                f"{type(self).__name__} cannot consider any search space: the complete trials "
                "share no parameter. Termination will never occur in this study.",
                UserWarning,
                stacklevel=2,
            )
            return never
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        encoding, X = _gp.encode(space, complete)
        values = _gp.signed_values(complete, study_direction)
        finite = np.isfinite(values)
        if not finite.all():
            warnings.warn(
                f"{type(self).__name__} cannot handle infinite values. Those values are clamped "
                "to the worst/best finite value.",
                UserWarning,
                stacklevel=2,
            )
            lo = float(values[finite].min(initial=0.0))
            hi = float(values[finite].max(initial=0.0))
            values = np.clip(np.nan_to_num(values, nan=lo, posinf=hi, neginf=lo), lo, hi)
        y = (values - values.mean()) / max(sys.float_info.min, float(values.std()))

        gp_prev = _gp.fit(X[:-1], y[:-1], encoding.is_cat, self._deterministic)
        gp_now = _gp.fit(X, y, encoding.is_cat, self._deterministic)
        best_now = X[int(np.argmax(y))]
        best_prev = X[int(np.argmax(y[:-1]))]

        def mean_var(gp: object, x: np.ndarray) -> tuple[float, float]:
            mean, var, _, _ = gp.posterior(x[None, :])  # type: ignore[attr-defined]
            return float(mean[0]), float(var[0])

        mu_now_best, var_now_best = mean_var(gp_now, best_now)
        _, var_now_prev_best = mean_var(gp_now, best_prev)
        mu_prev_prev_best, _ = mean_var(gp_prev, best_prev)
        mu_prev_new, var_prev_new = mean_var(gp_prev, X[-1])
        cov = _gp.joint_covariance(gp_now, best_now, best_prev)
        kappa = _gp.standardized_regret_bound(gp_prev, encoding, X[:-1], self._delta, self._rng)

        delta_mu = mu_prev_prev_best - mu_now_best
        v = math.sqrt(max(1e-10, var_now_best - 2.0 * cov + var_now_prev_best))
        g = (mu_now_best - mu_prev_prev_best) / v
        # KL(p_t || p_{t-1}) of the posteriors at the new point (equation 4), noise 1 / lam.
        noise = max(_gp.MINIMUM_NOISE_VAR, _gp.noise_var(gp_now))
        lam = 1.0 / noise
        kl = 0.5 * math.log1p(lam * var_prev_new)
        kl -= 0.5 * var_prev_new / (var_prev_new + noise)
        kl += 0.5 * var_prev_new * (y[-1] - mu_prev_new) ** 2 / (var_prev_new + noise) ** 2
        info_term = kappa * math.sqrt(0.5 * max(kl, 0.0))
        criterion = delta_mu + v * _norm_pdf(g) + v * g * _norm_cdf(g) + info_term
        return min(sys.float_info.max * 0.5, criterion)

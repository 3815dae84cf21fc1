"""``MedianPruner``: ``PercentilePruner`` at the 50th percentile (the default pruner)."""

from __future__ import annotations

from skipjack.pruners._percentile import PercentilePruner

__all__ = ["MedianPruner"]


class MedianPruner(PercentilePruner):
    """Prune when the trial's best value is worse than the median of the completed trials.

    The median is taken over the values the COMPLETE trials reported at the trial's last step.
    In a multi-objective study, prune when at least half of them dominate the reported vector.

    Args:
        n_startup_trials: no pruning until this many trials have completed.
        n_warmup_steps: no pruning before this step.
        interval_steps: check once per this many steps (after the warm-up).
        n_min_trials: no pruning at a step fewer completed trials reported.
    """

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        super().__init__(
            50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials
        )

"""``XGBoostPruningCallback``: report an XGBoost evaluation metric each round and prune."""

from __future__ import annotations

from typing import Any

from skipjack.exceptions import TrialPruned
from skipjack.trial import Trial

try:
    import xgboost
except ImportError as e:  # pragma: no cover - exercised only without xgboost
    raise ImportError(
        "XGBoostPruningCallback needs xgboost: pip install 'skipjack[xgboost]' "
        "(or pip install xgboost)."
    ) from e

__all__ = ["XGBoostPruningCallback"]


class XGBoostPruningCallback(xgboost.callback.TrainingCallback):
    """An XGBoost callback that reports ``observation_key`` each round and prunes the trial.

    Pass it in ``callbacks=[...]`` of ``xgboost.train`` or ``xgboost.cv`` (or of an sklearn-API
    model). After every boosting round it reports the latest value of ``observation_key`` at step
    ``epoch`` and raises ``TrialPruned`` when ``trial.should_prune()`` says so.

    Args:
        trial: the running trial.
        observation_key: ``"<eval set name>-<metric>"``, e.g. ``"validation-logloss"``
            (``"test-<metric>"`` for ``xgboost.cv``).

    Raises:
        KeyError: (when called) ``observation_key`` is not among the evaluation results.
    """

    def __init__(self, trial: Trial, observation_key: str) -> None:
        super().__init__()
        self._trial = trial
        self._observation_key = observation_key

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        latest: dict[str, float] = {}
        for data_name, metrics in evals_log.items():
            for metric_name, scores in metrics.items():
                score = scores[-1]
                if isinstance(score, tuple):  # xgboost.cv: (mean, std)
                    score = score[0]
                latest[f"{data_name}-{metric_name}"] = float(score)
        if self._observation_key not in latest:
            raise KeyError(
                f"The observation_key {self._observation_key!r} is not among the evaluation "
                f"results {sorted(latest)}; use '<eval set name>-<metric>' as XGBoost names them."
            )
        self._trial.report(latest[self._observation_key], step=epoch)
        if self._trial.should_prune():
            raise TrialPruned(f"Trial was pruned at iteration {epoch}.")
        return False

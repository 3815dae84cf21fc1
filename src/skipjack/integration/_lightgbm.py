"""``LightGBMPruningCallback``: report a LightGBM validation metric each boosting round and prune."""

from __future__ import annotations

from typing import Any

from skipjack._records import StudyDirection
from skipjack.exceptions import TrialPruned
from skipjack.trial import Trial

try:
    import lightgbm  # noqa: F401  (checked here so the error says how to install it)
except ImportError as e:  # pragma: no cover - exercised only without lightgbm
    raise ImportError(
        "LightGBMPruningCallback needs lightgbm: pip install 'skipjack[lightgbm]' "
        "(or pip install lightgbm)."
    ) from e

__all__ = ["LightGBMPruningCallback"]

# ``lightgbm.cv`` names its aggregated validation results like this (LightGBM >= 4: "valid").
_CV_NAMES = ("valid", "cv_agg")


class LightGBMPruningCallback:
    """A LightGBM callback that reports ``metric`` on ``valid_name`` and prunes the trial.

    Pass it in ``callbacks=[...]`` of ``lightgbm.train`` or ``lightgbm.cv``. Every
    ``report_interval`` rounds it reports the metric at step ``env.iteration`` and raises
    ``TrialPruned`` when ``trial.should_prune()`` says so.

    Args:
        trial: the running trial.
        metric: the evaluation metric's name, e.g. ``"binary_logloss"`` or ``"auc"``.
        valid_name: the validation set's name (``valid_names`` of ``lightgbm.train``); with
            ``lightgbm.cv`` the aggregated results are used.
        report_interval: report every this many rounds (>= 1).

    Raises:
        ValueError: (when called) the metric is not in the evaluation results, or its direction
            (higher is better or not) contradicts the study's direction.
    """

    def __init__(
        self, trial: Trial, metric: str, valid_name: str = "valid_0", report_interval: int = 1
    ) -> None:
        if isinstance(report_interval, bool) or not isinstance(report_interval, int) or (
            report_interval < 1
        ):
            raise ValueError(
                "The 'report_interval' argument of LightGBMPruningCallback must be an int >= 1. "
                f"Got {report_interval!r}."
            )
        self._trial = trial
        self._metric = metric
        self._valid_name = valid_name
        self._report_interval = report_interval

    def _find(self, results: list[tuple[Any, ...]]) -> tuple[float, bool]:
        for entry in results:
            name, metric, value, higher_is_better = entry[:4]
            if metric != self._metric:
                continue
            is_cv = len(entry) == 5
            if name == self._valid_name or (is_cv and name in _CV_NAMES):
                return float(value), bool(higher_is_better)
        raise ValueError(
            f'The entry for validation name "{self._valid_name}" and metric "{self._metric}" '
            f"is not in the evaluation results {results}. Pass metric= and valid_name= as "
            "LightGBM names them (see valid_names of lightgbm.train)."
        )

    def __call__(self, env: Any) -> None:
        if (env.iteration + 1) % self._report_interval != 0:
            return
        value, higher_is_better = self._find(env.evaluation_result_list)
        direction = self._trial.study.directions[0]
        if higher_is_better != (direction == StudyDirection.MAXIMIZE):
            raise ValueError(
                f"The metric {self._metric!r} is {'maximized' if higher_is_better else 'minimized'}"
                f" by LightGBM but the study direction is {direction.name}: the intermediate "
                "values would contradict the objective. Pick a metric in the study's direction."
            )
        self._trial.report(value, step=env.iteration)
        if self._trial.should_prune():
            raise TrialPruned(f"Trial was pruned at iteration {env.iteration}.")

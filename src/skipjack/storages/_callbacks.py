"""``RetryHeartbeatStaleTrialCallback``: re-enqueue a trial whose worker died (Optuna's semantics).

Pass it as a persistent storage's ``heartbeat_stale_trial_callback``; ``fail_stale_trials`` calls
it for each RUNNING trial it marks FAIL because its heartbeat stopped. The callback enqueues a
WAITING copy of the failed trial (same parameters, distributions and user attributes) with two
system attributes:

- ``failed_trial``: the number of the original trial of the retry chain;
- ``retry_history``: the numbers of every trial of the chain so far, oldest first.

The failed trial itself keeps everything it reported (parameters, intermediate values,
attributes): the storages write each of them before the call that reported it returns, so a
worker killed mid-trial loses nothing it had reported, and the retry re-runs that configuration.
``RetryFailedTrialCallback`` is the same class under its Optuna 4 name.
"""

from __future__ import annotations

from typing import Any

from skipjack._records import FrozenTrial, TrialState, create_trial

__all__ = ["RetryHeartbeatStaleTrialCallback", "RetryFailedTrialCallback"]

_FAILED_TRIAL_KEY = "failed_trial"
_RETRY_HISTORY_KEY = "retry_history"
_NOT_COPIED = ("fail_reason",)


class RetryHeartbeatStaleTrialCallback:
    """Re-enqueue failed trials so that another worker runs them again.

    Args:
        max_retry: how many times a trial may be retried (None: no limit). The original run is
            not a retry: with ``max_retry=1`` a trial runs at most twice.
        inherit_intermediate_values: copy the failed trial's reported values into the retry.

    Raises:
        ValueError: ``max_retry`` is negative or not an int.
    """

    def __init__(
        self, max_retry: int | None = None, inherit_intermediate_values: bool = False
    ) -> None:
        if max_retry is not None and (
            isinstance(max_retry, bool) or not isinstance(max_retry, int) or max_retry < 0
        ):
            raise ValueError(
                f"The 'max_retry' argument of {type(self).__name__} must be a non-negative "
                f"int or None. Got {max_retry!r}."
            )
        self._max_retry = max_retry
        self._inherit_intermediate_values = inherit_intermediate_values

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        """Enqueue a retry of ``trial`` in ``study`` unless it was retried ``max_retry`` times."""
        copy = self.retry_trial(trial)
        if copy is not None:
            study.add_trial(copy)

    def retry_trial(self, trial: FrozenTrial) -> FrozenTrial | None:
        """The WAITING copy of ``trial`` that retries it, or None when it was retried
        ``max_retry`` times already.

        ``fail_stale_trials`` (the heartbeat check of every worker) has the storage fail the
        trial, make this copy of the failed trial and add it, in one transaction on the RDB
        storage: a worker killed in between loses no retry. Override this method, not
        ``__call__``, to change the copy.
        """
        system_attrs = {
            k: v for k, v in trial.system_attrs.items() if k not in _NOT_COPIED
        }
        system_attrs.setdefault(_FAILED_TRIAL_KEY, trial.number)
        history = list(system_attrs.get(_RETRY_HISTORY_KEY, []))
        history.append(trial.number)
        system_attrs[_RETRY_HISTORY_KEY] = history
        if self._max_retry is not None and len(history) > self._max_retry:
            return None
        return create_trial(
            state=TrialState.WAITING,
            params=dict(trial.params),
            distributions=dict(trial.distributions),
            user_attrs=dict(trial.user_attrs),
            system_attrs=system_attrs,
            intermediate_values=(
                dict(trial.intermediate_values) if self._inherit_intermediate_values else None
            ),
        )

    @staticmethod
    def retried_trial_number(trial: FrozenTrial) -> int | None:
        """The number of the original trial ``trial`` retries (None if it is not a retry)."""
        return trial.system_attrs.get(_FAILED_TRIAL_KEY, None)

    @staticmethod
    def retry_history(trial: FrozenTrial) -> list[int]:
        """The numbers of the trials ``trial`` retries, oldest first (empty if not a retry)."""
        return list(trial.system_attrs.get(_RETRY_HISTORY_KEY, []))


RetryFailedTrialCallback = RetryHeartbeatStaleTrialCallback

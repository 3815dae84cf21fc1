"""Budgets and breakers: callbacks that stop a study and say why.

Each is a ``Study.optimize`` callback (``callbacks=[CostBudget(100.0)]``) and works with any
optimize: threads, processes, many workers on one storage. They read the study's finished trials
through the study feed (``skipjack/_study_feed.py``: only what changed since the last check), so
every worker sees the spending of all workers, and a check costs little even in a long study.

When one trips it calls ``study.stop()``, logs a warning, and records why in the study system
attribute ``"skipjack:stop_reason"`` (a dict: ``callback``, ``reason``, ``trial``, ``time``), which
``skipjack report`` shows. Stopping lets running trials finish: a budget can be overspent by the
trials running when it trips.
"""

from __future__ import annotations

import collections
import datetime
import math
import time
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack._study_feed import TrialFeed
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.study._study import Study

__all__ = [
    "STOP_REASON_KEY",
    "WallClockBudget",
    "TrialSecondsBudget",
    "CostBudget",
    "FailureRateBreaker",
    "failure_cause",
]

_logger = get_logger(__name__)

STOP_REASON_KEY = "skipjack:stop_reason"


def _positive(cls: str, name: str, value: Any, *, integer: bool = False) -> Any:
    ok = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
    if not ok or not value > 0 or (not integer and math.isinf(value)):
        kind = "positive int" if integer else "positive finite number"
        raise ValueError(f"The '{name}' argument of {cls} must be a {kind}. Got {value!r}.")
    return value


def failure_cause(trial: FrozenTrial) -> str:
    """The exception type of a FAIL trial (from its ``fail_reason`` "Type: message")."""
    reason = str(trial.system_attrs.get("fail_reason") or "")
    head = reason.split(":", 1)[0].strip()
    if head and " " not in head:
        return head
    if reason.startswith("Trial failed: its heartbeat stopped"):
        return "HeartbeatStopped"
    if "objective function returned" in reason or "could not be cast" in reason or (
        "number of the values" in reason
    ):
        return "InvalidReturnValue"
    return "Unknown"


class _StopCallback:
    """Shared parts: the incremental view of finished trials and the stop record."""

    def __init__(self) -> None:
        # keyed by the study id: a new Study object of the same study goes on counting
        self._feed = TrialFeed(keep=True)
        self._max_number = -1  # the highest number of a finished trial
        self.stop_reason: str | None = None

    def _sync(self, study: Study) -> list[FrozenTrial]:
        """The trials that finished since the last call (the study feed's rule)."""
        known = self._feed.key
        new = self._feed.poll(study, key=study.study_id)
        if self._feed.key != known:  # another study: the feed started over
            self._max_number = -1
        if new:
            self._max_number = max(self._max_number, new[-1].number)
        return new

    def _stop(self, study: Study, trial: FrozenTrial, reason: str) -> None:
        self.stop_reason = reason
        record = {
            "callback": type(self).__name__,
            "reason": reason,
            "trial": trial.number,
            "time": datetime.datetime.now().isoformat(),
        }
        study._storage.set_study_system_attr(study._study_id, STOP_REASON_KEY, record)
        _logger.warning(f"Stopping study {study.study_name!r}: {reason}",
                        extra={"skipjack": {"study": study.study_name, "trial": trial.number,
                                            "event": "study_stopped", "reason": reason}})
        study.stop()


class WallClockBudget(_StopCallback):
    """Stop once ``seconds`` of wall-clock time have passed.

    Args:
        seconds: the budget.
        scope: ``"study"`` counts from the start of the study's first trial (shared by all
            workers, survives restarts); ``"process"`` from this callback's first call.
    """

    def __init__(self, seconds: float, scope: str = "study") -> None:
        super().__init__()
        self.seconds = float(_positive("WallClockBudget", "seconds", seconds))
        if scope not in ("study", "process"):
            raise ValueError(
                f"The 'scope' argument of WallClockBudget must be 'study' or 'process'. "
                f"Got {scope!r}."
            )
        self.scope = scope
        self._origin: Any = None

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self.scope == "process":
            if self._origin is None:
                self._origin = time.monotonic()
            elapsed = time.monotonic() - self._origin
        else:
            if self._origin is None:
                first = study._storage.get_all_trials(study._study_id, deepcopy=False)
                starts = [t.datetime_start for t in first if t.datetime_start is not None]
                self._origin = min(starts) if starts else datetime.datetime.now()
            elapsed = (datetime.datetime.now() - self._origin).total_seconds()
        if elapsed >= self.seconds:
            self._stop(study, trial, f"wall-clock budget of {self.seconds:g} s spent "
                                     f"({elapsed:.1f} s elapsed)")


class TrialSecondsBudget(_StopCallback):
    """Stop once the finished trials' durations add up to ``seconds`` (all workers together).

    Args:
        seconds: the budget, in trial-seconds (e.g. 4 workers for 1 h spend 14400).
    """

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = float(_positive("TrialSecondsBudget", "seconds", seconds))
        self.spent = 0.0

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        for t in self._sync(study):
            if t.datetime_start is not None and t.datetime_complete is not None:
                self.spent += (t.datetime_complete - t.datetime_start).total_seconds()
        if self.spent >= self.seconds:
            self._stop(study, trial, f"trial-seconds budget of {self.seconds:g} s spent "
                                     f"({self.spent:.1f} s used)")


class CostBudget(_StopCallback):
    """Stop once the costs trials report (``trial.set_user_attr("cost", x)``) reach ``total``.

    Args:
        total: the budget, in the unit of the reported costs.
        key: the user attribute holding a trial's cost.
    """

    def __init__(self, total: float, key: str = "cost") -> None:
        super().__init__()
        self.total = float(_positive("CostBudget", "total", total))
        self.key = key
        self.spent = 0.0

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        for t in self._sync(study):
            cost = t.user_attrs.get(self.key)
            if isinstance(cost, (int, float)) and not isinstance(cost, bool) and (
                math.isfinite(cost)
            ):
                self.spent += float(cost)
        if self.spent >= self.total:
            self._stop(study, trial, f"cost budget of {self.total:g} spent "
                                     f"({self.spent:g} reported in user attr {self.key!r})")


class FailureRateBreaker(_StopCallback):
    """Stop when at least ``threshold`` of the last ``window`` finished trials failed.

    The stop reason names the most common failure cause (the exception type), e.g.
    ``"failure rate 100% over the last 20 trials >= 50%; causes: ValueError x20"``.

    Args:
        threshold: failure fraction in (0, 1] that trips the breaker.
        window: how many of the latest finished trials (by number, all workers) to look at.
    """

    def __init__(self, threshold: float = 0.5, window: int = 20) -> None:
        super().__init__()
        self.threshold = float(_positive("FailureRateBreaker", "threshold", threshold))
        if self.threshold > 1:
            raise ValueError(
                f"The 'threshold' argument of FailureRateBreaker must be in (0, 1]. "
                f"Got {threshold!r}."
            )
        self.window = int(_positive("FailureRateBreaker", "window", window, integer=True))

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        self._sync(study)
        last: list[FrozenTrial] = []
        finished = self._feed.finished
        number = self._max_number
        while number >= 0 and len(last) < self.window:
            t = finished.get(number)
            if t is not None:
                last.append(t)
            number -= 1
        if len(last) < self.window:
            return
        failed = [t for t in last if t.state == TrialState.FAIL]
        rate = len(failed) / len(last)
        if rate >= self.threshold:
            causes = collections.Counter(failure_cause(t) for t in failed).most_common(3)
            text = ", ".join(f"{name} x{n}" for name, n in causes)
            self._stop(study, trial, f"failure rate {rate:.0%} over the last {self.window} "
                                     f"trials >= {self.threshold:.0%}; causes: {text}")

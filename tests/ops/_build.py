"""Hand-built trial records with chosen timestamps, for figures computed by hand."""

from __future__ import annotations

import datetime

from skipjack._records import FrozenTrial, TrialState
from skipjack.distributions import FloatDistribution

__all__ = ["T0", "record"]

T0 = datetime.datetime(2026, 1, 1, 12, 0, 0)


def record(state=TrialState.COMPLETE, value=None, start=0.0, end=None, user_attrs=None,
           system_attrs=None, intermediate=None, x=0.5, values=None):
    """A finished trial started ``start`` s after T0 and finished at ``end`` s after T0.

    ``values`` (a list) makes a multi-objective record instead of ``value``.
    """
    return FrozenTrial(
        0, state, value, T0 + datetime.timedelta(seconds=start),
        None if end is None else T0 + datetime.timedelta(seconds=end),
        {"x": x}, {"x": FloatDistribution(0, 10)}, user_attrs or {}, system_attrs or {},
        intermediate or {}, 0, values=values,
    )

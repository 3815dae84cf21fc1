"""``optuna.study.study``: the ``Study`` class, its objective type and the metric-names key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

from skipjack.study import Study
from skipjack.study._study import METRIC_NAMES_KEY
from skipjack.trial import Trial

__all__ = ["Study", "ObjectiveFuncType", "_SYSTEM_ATTR_METRIC_NAMES"]

ObjectiveFuncType = Callable[[Trial], Union[float, Sequence[float]]]
_SYSTEM_ATTR_METRIC_NAMES = METRIC_NAMES_KEY

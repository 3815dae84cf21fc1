"""Pruning decisions as values: ``PruneVerdict`` (an Enum) and ``PruneDecision`` (the details).

Design note: Optuna's pruners answer ``prune(study, trial) -> bool`` and keep the reason to
themselves. skipjack's built-in pruners implement ``decide(study, trial) -> PruneDecision``: the
verdict plus the rule that decided, the threshold, the value compared and the trials compared.
``prune`` returns ``decide(...).prune``, so the Optuna contract holds, and the live trial (the
only layer that writes) stores each decision in the trial's decision log.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["PruneVerdict", "PruneDecision", "Rule", "format_numbers", "parse_numbers"]


class PruneVerdict(enum.Enum):
    """What a pruner decided for the current step."""

    CONTINUE = "continue"
    PRUNE = "prune"


class Rule:
    """Names of the rules recorded in ``PruneDecision.rule`` (plain strings, stable in storage)."""

    NO_REPORT = "no_report"  # the trial reported nothing yet
    STARTUP = "startup"  # fewer completed trials (or steps) than the pruner's startup count
    WARMUP = "warmup"  # the step is below n_warmup_steps
    INTERVAL = "interval"  # the step is not a pruning step of interval_steps
    NAN = "nan"  # the trial's value is NaN: pruned, as in Optuna
    TOO_FEW_TRIALS = "too_few_trials"  # fewer than n_min_trials trials reported this step
    PERCENTILE = "percentile"  # best value vs the percentile of other trials at this step
    DOMINANCE = "dominance"  # reported vector dominated by a share of the other trials
    THRESHOLD = "threshold"  # latest value outside [lower, upper]
    RUNG = "rung"  # successive-halving rung promotion
    PATIENCE = "patience"  # no improvement within the patience window
    WILCOXON = "wilcoxon"  # signed-rank test against the best trial
    PAUSED = "paused"  # the study's pause switch is on
    NEVER = "never"  # NopPruner
    CUSTOM = "custom"  # a pruner without ``decide``: only its bool is known


class PruneDecision:
    """One pruning decision and why it was taken (an immutable value).

    Attributes:
        verdict: ``PRUNE`` or ``CONTINUE``.
        pruner: the class name of the pruner that decided.
        rule: which rule decided (one of the ``Rule`` names).
        step: the step decided on (the trial's last reported step), or None.
        value: the trial's value that was compared (e.g. its best intermediate value), or None.
        threshold: what ``value`` was compared with (e.g. the median at ``step``), or None.
        compared: further details: counts, the compared trials' numbers (``"0-7,9"`` ranges),
            p-values, rungs. JSON-serialisable.
    """

    # Design note: written out rather than a frozen ``dataclasses.dataclass`` (same fields,
    # equality, repr and refusal of assignment): ``dataclasses`` imports ``inspect``, which was
    # the largest part of ``import skipjack`` outside the package (~4 ms).
    __slots__ = ("verdict", "pruner", "rule", "step", "value", "threshold", "compared")
    __match_args__ = ("verdict", "pruner", "rule", "step", "value", "threshold", "compared")

    verdict: PruneVerdict
    pruner: str
    rule: str
    step: int | None
    value: Any
    threshold: Any
    compared: dict[str, Any]

    def __init__(
        self,
        verdict: PruneVerdict,
        pruner: str,
        rule: str,
        step: int | None = None,
        value: Any = None,
        threshold: Any = None,
        compared: dict[str, Any] | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "verdict", verdict)
        init(self, "pruner", pruner)
        init(self, "rule", rule)
        init(self, "step", step)
        init(self, "value", value)
        init(self, "threshold", threshold)
        init(self, "compared", {} if compared is None else compared)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a PruneDecision")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a PruneDecision")

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._fields())

    @property
    def prune(self) -> bool:
        """True when the verdict is ``PRUNE``."""
        return self.verdict is PruneVerdict.PRUNE

    def replace(self, **changes: Any) -> PruneDecision:
        """A copy with some fields changed."""
        fields = dict(zip(self.__slots__, self._fields()))
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"PruneDecision has no field {sorted(unknown)[0]!r}.")
        fields.update(changes)
        return type(self)(**fields)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in the decision log (non-finite floats become strings)."""
        return {
            "verdict": self.verdict.value,
            "pruner": self.pruner,
            "rule": self.rule,
            "step": self.step,
            "value": _jsonable(self.value),
            "threshold": _jsonable(self.threshold),
            "compared": _jsonable(self.compared),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PruneDecision:
        """Rebuild a decision from ``to_dict`` output (strings 'nan'/'inf' become floats)."""
        return cls(
            verdict=PruneVerdict(data["verdict"]),
            pruner=data["pruner"],
            rule=data["rule"],
            step=data.get("step"),
            value=_from_jsonable(data.get("value")),
            threshold=_from_jsonable(data.get("threshold")),
            compared=_from_jsonable(data.get("compared") or {}),
        )

    @classmethod
    def from_bool(cls, prune: bool, pruner: str, step: int | None) -> PruneDecision:
        """Wrap a bare bool from a pruner that has no ``decide``."""
        verdict = PruneVerdict.PRUNE if prune else PruneVerdict.CONTINUE
        return cls(verdict=verdict, pruner=pruner, rule=Rule.CUSTOM, step=step)

    def describe(self) -> str:
        """One line for people, e.g. ``step 7: PRUNE by percentile (0.61 vs threshold 0.42)``."""
        text = f"step {self.step}: {self.verdict.name} by {self.rule}"
        if self.value is not None or self.threshold is not None:
            text += f" (value {_short(self.value)} vs threshold {_short(self.threshold)})"
        return text


_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return value


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, dict):
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


def format_numbers(numbers: Iterable[int]) -> str:
    """Trial numbers as compact ranges: ``[0, 1, 2, 5, 7, 8]`` -> ``"0-2,5,7-8"``."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_numbers(text: str) -> list[int]:
    """Inverse of ``format_numbers``."""
    numbers: list[int] = []
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        numbers.extend(range(int(low), int(high or low) + 1))
    return numbers

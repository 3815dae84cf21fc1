"""The trials table, server side: filter by state, parameter and attribute; sort; one page.

Filters are ``NAME OP VALUE`` strings (``lr<0.01``, ``optimizer=adam``, ``tag~resnet``) with the
operators ``=  !=  <  <=  >  >=  ~`` (``~``: contains); numbers compare as numbers, everything else
as text. Sort keys: ``number``, ``state``, ``value`` (first objective) or ``value:I``,
``duration``, ``datetime_start``, ``datetime_complete``, ``param:NAME``, ``attr:NAME``. Trials
without the sort key come last in either order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skipjack._records import FrozenTrial, TrialState

__all__ = ["TrialQuery", "BadQuery", "MAX_LIMIT", "parse_filter"]

MAX_LIMIT = 500
_FILTER = re.compile(r"^\s*([^<>=!~]+?)\s*(<=|>=|!=|=|<|>|~)\s*(.*?)\s*$")
_STATES = {s.name for s in TrialState}


class BadQuery(ValueError):
    """A query argument the table cannot use (the message names the argument and the fix)."""


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_filter(argument: str, text: str) -> Callable[[Any], bool]:
    """A predicate on one value from a ``NAME OP VALUE`` filter (the name is handled by the caller)."""
    match = _FILTER.match(text)
    if match is None:
        raise BadQuery(
            f"The {argument!r} filter {text!r} is not of the form NAME OP VALUE with OP one of "
            f"= != < <= > >= ~ (e.g. {argument}=lr<0.01).")
    _, op, raw = match.groups()
    target = _as_number(raw)

    def test(value: Any) -> bool:
        if value is None:
            return False
        if op == "~":
            return raw.lower() in str(value).lower()
        number = _as_number(value)
        if target is None or number is None:
            text = str(value)
            return {"=": text == raw, "!=": text != raw, "<": text < raw, "<=": text <= raw,
                    ">": text > raw, ">=": text >= raw}[op]
        a, b = number, target
        if math.isnan(a):
            return op == "!="
        return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b,
                ">": a > b, ">=": a >= b}[op]

    return test


@dataclass
class TrialQuery:
    states: list[str] | None = None
    params: list[str] | None = None
    attrs: list[str] | None = None
    sort: str = "number"
    order: str = "asc"
    offset: int = 0
    limit: int = 50

    def check(self) -> None:
        if self.states:
            bad = [s for s in self.states if s not in _STATES]
            if bad:
                raise BadQuery(f"The 'state' argument has unknown states {bad}; use any of "
                               f"{sorted(_STATES)} (comma-separated).")
        if self.order not in ("asc", "desc"):
            raise BadQuery(f"The 'order' argument must be 'asc' or 'desc'. Got {self.order!r}.")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadQuery(f"The 'limit' argument must be in 1..{MAX_LIMIT}. Got {self.limit}.")
        if self.offset < 0:
            raise BadQuery(f"The 'offset' argument must be >= 0. Got {self.offset}.")
        self._key()

    def _key(self) -> Callable[[FrozenTrial], Any]:
        sort = self.sort
        if sort == "number":
            return lambda t: t.number
        if sort == "state":
            return lambda t: t.state.name
        if sort == "duration":
            return lambda t: (None if t.datetime_complete is None or t.datetime_start is None
                              else (t.datetime_complete - t.datetime_start).total_seconds())
        if sort in ("datetime_start", "datetime_complete"):
            return lambda t: getattr(t, sort)
        if sort == "value" or sort.startswith("value:"):
            text = sort.partition(":")[2] or "0"
            if not text.isdigit():
                raise BadQuery(f"The 'sort' argument {sort!r} needs an objective index: value:0.")
            i = int(text)
            return lambda t: (None if t.values is None or len(t.values) <= i
                              or math.isnan(t.values[i]) else t.values[i])
        if sort.startswith("param:"):
            name = sort[6:]
            return lambda t: t.params.get(name)
        if sort.startswith("attr:"):
            name = sort[5:]
            return lambda t: t.user_attrs.get(name)
        raise BadQuery(
            f"The 'sort' argument {sort!r} is unknown; use number, state, value, value:I, "
            "duration, datetime_start, datetime_complete, param:NAME or attr:NAME.")

    def run(self, trials: list[FrozenTrial]) -> tuple[int, list[FrozenTrial]]:
        """(number of matching trials, the requested page of them)."""
        self.check()
        selected = trials
        if self.states:
            wanted = set(self.states)
            selected = [t for t in selected if t.state.name in wanted]
        for source, texts in (("param", self.params), ("attr", self.attrs)):
            for text in texts or ():
                match = _FILTER.match(text)
                test = parse_filter(source, text)
                assert match is not None
                name = match.group(1)
                if source == "param":
                    selected = [t for t in selected if test(t.params.get(name))]
                else:
                    selected = [t for t in selected if test(t.user_attrs.get(name))]
        if self.sort == "number":  # already in number order: no sort
            ordered = selected[::-1] if self.order == "desc" else selected
            return len(ordered), ordered[self.offset:self.offset + self.limit]
        key = self._key()
        present: list[tuple[Any, FrozenTrial]] = []
        missing: list[tuple[Any, FrozenTrial]] = []
        for t in selected:
            k = key(t)
            (missing if k is None else present).append((k, t))
        try:
            present.sort(key=lambda kt: kt[0], reverse=self.order == "desc")
        except TypeError:  # mixed types (a categorical of numbers and strings): compare as text
            present.sort(key=lambda kt: str(kt[0]), reverse=self.order == "desc")
        ordered = [t for _, t in present] + [t for _, t in missing]
        return len(ordered), ordered[self.offset:self.offset + self.limit]

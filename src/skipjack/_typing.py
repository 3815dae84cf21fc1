"""``optuna._typing``."""

from __future__ import annotations

from typing import Union

__all__ = ["JSONSerializable"]

JSONSerializable = Union[
    dict[str, "JSONSerializable"], list["JSONSerializable"], str, int, float, bool, None
]

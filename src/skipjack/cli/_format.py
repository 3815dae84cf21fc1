"""Output formats of the listing commands, byte for byte as Optuna's CLI prints them.

A listing is a list of *records*; a record maps a column to a value. A column is a pair
``(name, key)``: key ``""`` for a plain attribute (``("state", "")``), a string for one entry of a
dict attribute (``("params", "x")``), an int for one element of a list attribute
(``("values", 0)``). Columns come in the order they are shown.

Formats (``-f/--format``):

- ``table``: an ASCII table; a column whose values are all numbers (or missing) is right-aligned,
  a missing value is blank.
- ``value``: one line per record, the cells separated by one space (for shell scripts).
- ``json``: compact JSON (``json.dumps`` defaults); a single record prints as an object.
- ``yaml``: ``yaml.safe_dump`` (keys sorted); needs PyYAML.

Without ``--flatten`` a dict or list attribute is one cell (``params: {'x': 1.0}``); with it,
each entry is its own column (``params_x``, ``values_0``). Datetimes print as
``YYYY-MM-DD HH:MM:SS``; anything that is not a number, None or a container prints as ``str()``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from skipjack.exceptions import CLIUsageError

__all__ = ["FORMATS", "Column", "Record", "add_format_argument", "render", "plain"]

FORMATS = ("value", "json", "table", "yaml")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

Column = tuple[str, Any]
Record = dict[Column, Any]


def add_format_argument(parser: Any, default: str = "table") -> None:
    """Add ``-f/--format {value,json,table,yaml}``."""
    parser.add_argument("-f", "--format", choices=FORMATS, default=default,
                        help=f"output format (default: {default})")


def add_flatten_argument(parser: Any, what: str = "params and user_attrs") -> None:
    """Add ``--flatten``."""
    parser.add_argument("--flatten", action="store_true",
                        help=f"one column per entry of nested attributes such as {what}")


def plain(value: Any) -> Any:
    """``value`` with datetimes as text and unknown types as ``str()`` (JSON/YAML-safe)."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return str(value)


def _is_sequence_column(column: Column, records: Sequence[Record]) -> bool:
    return any(isinstance(r.get(column), (list, tuple)) for r in records)


def _flat_rows(records: Sequence[Record], columns: Sequence[Column]
               ) -> tuple[list[dict[str, Any]], list[str]]:
    header: list[str] = []
    expanded = {c for c in columns if c[1] == "" and _is_sequence_column(c, records)}
    for name, key in columns:
        if key != "":
            header.append(f"{name}_{key}")
        elif (name, key) in expanded:
            longest = max((len(r[(name, key)]) for r in records if (name, key) in r), default=0)
            header.extend(f"{name}_{i}" for i in range(longest))
        else:
            header.append(name)
    rows = []
    for record in records:
        row: dict[str, Any] = {}
        for column in columns:
            if column not in record:
                continue
            name, key = column
            value = plain(record[column])
            if key != "":
                row[f"{name}_{key}"] = value
            elif column in expanded:
                for i, item in enumerate(value):
                    row[f"{name}_{i}"] = item
            else:
                row[name] = value
        rows.append(row)
    return rows, header


def _nested_rows(records: Sequence[Record], columns: Sequence[Column]
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    header = list(dict.fromkeys(name for name, _ in columns))
    rows = []
    for record in records:
        row: dict[str, Any] = {name: {} for name in header}
        for column in columns:
            if column not in record:
                continue
            name, key = column
            value = plain(record[column])
            if isinstance(key, int):
                if not isinstance(row[name], list):
                    row[name] = []
                row[name].extend([None] * (key + 1 - len(row[name])))
                row[name][key] = value
            elif key != "":
                row[name][key] = value
            else:
                row[name] = value
        rows.append(row)
    return rows, header


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def _table(rows: Sequence[dict[str, Any]], header: Sequence[str]) -> str:
    # Optuna's layout: a column is right-aligned unless one of its cells is text; the width
    # counts a missing cell as the four characters of "None" although it prints blank.
    border, head = "+", "|"
    lines = ["|" for _ in rows]
    for name in header:
        cells = [row.get(name) for row in rows]
        numeric = all(c is None or _is_number(c) for c in cells)
        width = max([len(name)] + [len(str(c)) for c in cells])
        border += "-" * (width + 2) + "+"
        head += f" {name:>{width}} |" if numeric else f" {name:<{width}} |"
        for i, cell in enumerate(cells):
            text = " " * width if cell is None else (
                f"{cell!s:>{width}}" if numeric else f"{cell!s:<{width}}")
            lines[i] += f" {text} |"
    return "\n".join([border, head, border, *lines, border])


def _value_lines(rows: Sequence[dict[str, Any]], header: Sequence[str]) -> str:
    return "\n".join(
        " ".join("" if row.get(name) is None else str(row[name]) for name in header)
        for row in rows
    ).strip()


def render(records: Record | Sequence[Record], columns: Sequence[Column], fmt: str,
           flatten: bool = False) -> str:
    """Render one record (printed as an object in JSON/YAML) or a list of records."""
    single = isinstance(records, dict)
    listed: Sequence[Record] = [records] if isinstance(records, dict) else records
    rows, header = (_flat_rows if flatten else _nested_rows)(listed, columns)
    if fmt == "table":
        return _table(rows, header)
    if fmt == "value":
        return _value_lines(rows, header)
    data: Any = rows[0] if single else rows
    if fmt == "json":
        return json.dumps(data)
    if fmt == "yaml":
        try:
            import yaml
        except ImportError:
            raise CLIUsageError(
                "--format yaml needs PyYAML: pip install pyyaml (or use --format json)."
            ) from None
        return str(yaml.safe_dump(data)).strip()
    raise CLIUsageError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.")

"""Output formats of the study commands: ``table`` (Optuna's ASCII table), ``json`` and ``yaml``.

YAML needs PyYAML, which is optional; asking for it without PyYAML gives a clear error.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from skipjack.exceptions import CLIUsageError

__all__ = ["FORMATS", "format_output", "add_format_argument"]

FORMATS = ("table", "json", "yaml")


def add_format_argument(parser: Any, default: str = "table") -> None:
    """Add ``-f/--format {table,json,yaml}`` to ``parser``."""
    parser.add_argument("-f", "--format", choices=FORMATS, default=default,
                        help=f"output format (default: {default})")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.timedelta)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _table(rows: Sequence[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    border = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = [border, "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |", border]
    for r in cells:
        lines.append("| " + " | ".join(v.rjust(w) if _numeric(v) else v.ljust(w)
                                       for v, w in zip(r, widths)) + " |")
    lines.append(border)
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def format_output(records: dict[str, Any] | list[dict[str, Any]], fmt: str) -> str:
    """Render one record (a dict) or a list of records in ``fmt``."""
    data = _plain(records)
    if fmt == "json":
        return json.dumps(data, indent=2)
    if fmt == "yaml":
        try:
            import yaml
        except ImportError:
            raise CLIUsageError(
                "--format yaml needs PyYAML: pip install pyyaml (or use --format json)."
            ) from None
        return str(yaml.safe_dump(data, sort_keys=False)).rstrip("\n")
    rows = data if isinstance(data, list) else [data]
    return _table(rows)

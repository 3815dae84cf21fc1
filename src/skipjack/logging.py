"""skipjack's logger, with Optuna's verbosity functions and level constants.

All library loggers are children of the ``skipjack`` logger. By default a handler writing to
stderr is attached and the level is INFO, as in Optuna, with Optuna's line format
``[I 2026-01-01 12:00:00,000] Trial 0 finished with value: ...``. On a terminal the
``[I ...]`` header is coloured by level (green INFO, yellow WARNING, red ERROR) when ``colorlog``
is installed (``pip install 'skipjack[colorlog]'``), as Optuna does; it is imported at the first
log line, not at ``import skipjack``. ``NO_COLOR`` turns colour off, ``FORCE_COLOR`` on even
when stderr is not a terminal (colorlog's rules). ``SKIPJACK_LOG_FORMAT=json`` (or
``skipjack.observability.enable_json_logs()``) makes that handler write one JSON object per line;
records logged with ``extra={"skipjack": {...}}`` (study, trial, event, values, ...) carry those
fields in the object.
"""

from __future__ import annotations

import logging as _logging
import os
import sys
import threading
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING
from typing import Any

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
    "disable_default_handler",
    "enable_default_handler",
    "disable_propagation",
    "enable_propagation",
]

_ROOT_NAME = "skipjack"
_lock = threading.Lock()
_default_handler: _logging.Handler | None = None
_HEADER = "[%(levelname)1.1s %(asctime)s]"
_TEXT_FORMAT = f"{_HEADER} %(message)s"


class _TextFormatter(_logging.Formatter):
    """Optuna's text lines; the header coloured by level on a terminal when colorlog is there.

    Design note: colorlog is imported on the first formatted record, so ``import skipjack``
    does not pay for it; whether to colour is decided per record from the stream (as colorlog's
    ``TTYColoredFormatter`` does), so redirecting stderr to a file gives plain lines.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(_TEXT_FORMAT)
        self._stream = stream
        self._delegate: _logging.Formatter | None = None
        self._resolved = False

    def format(self, record: _logging.LogRecord) -> str:
        if not self._resolved:
            self._resolved = True
            try:
                import colorlog
            except ImportError:
                pass
            else:
                self._delegate = colorlog.TTYColoredFormatter(
                    f"%(log_color)s{_HEADER}%(reset)s %(message)s", stream=self._stream
                )
        if self._delegate is not None:
            return self._delegate.format(record)
        return super().format(record)


class _JsonFormatter(_logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's skipjack fields."""

    def format(self, record: _logging.LogRecord) -> str:
        out = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "skipjack", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        import json  # on first use: JSON log lines are opt-in, and json costs ~3 ms to import

        return json.dumps(out, default=str)


def _set_json_format(enabled: bool) -> None:
    """Switch the default handler between text and JSON lines (used by skipjack.observability)."""
    _configure_root()
    assert _default_handler is not None
    _default_handler.setFormatter(
        _JsonFormatter() if enabled else _TextFormatter(getattr(_default_handler, "stream", None))
    )


def _root() -> _logging.Logger:
    return _logging.getLogger(_ROOT_NAME)


def _configure_root() -> None:
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        handler = _logging.StreamHandler(sys.stderr)
        json_lines = os.environ.get("SKIPJACK_LOG_FORMAT", "").lower() == "json"
        handler.setFormatter(_JsonFormatter() if json_lines else _TextFormatter(handler.stream))
        _default_handler = handler
        root = _root()
        root.addHandler(_default_handler)
        root.setLevel(INFO)
        root.propagate = False


def get_logger(name: str) -> _logging.Logger:
    """Return a logger below skipjack's root logger (``name`` is usually ``__name__``)."""
    _configure_root()
    if not name.startswith(_ROOT_NAME):
        name = f"{_ROOT_NAME}.{name}"
    return _logging.getLogger(name)


def get_verbosity() -> int:
    """Return the level of skipjack's root logger (e.g. ``logging.INFO``)."""
    _configure_root()
    return _root().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of skipjack's root logger, e.g. ``set_verbosity(skipjack.logging.WARNING)``."""
    _configure_root()
    _root().setLevel(verbosity)


def disable_default_handler() -> None:
    """Detach the default stderr handler."""
    _configure_root()
    assert _default_handler is not None
    _root().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Re-attach the default stderr handler."""
    _configure_root()
    assert _default_handler is not None
    _root().addHandler(_default_handler)


def disable_propagation() -> None:
    """Stop records from reaching the Python root logger (the default)."""
    _configure_root()
    _root().propagate = False


def enable_propagation() -> None:
    """Let records reach the Python root logger too (e.g. for a user's own handlers)."""
    _configure_root()
    _root().propagate = True

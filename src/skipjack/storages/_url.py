"""URL helpers every storage backend shares: hiding a password, the connect timeout.

They live here, below both the backends and the URL factory (``_factory.py``, which imports the
backends when it opens one), so that a backend never imports the factory.
"""

from __future__ import annotations

import os
import re

__all__ = ["mask_password", "connect_timeout", "CONNECT_TIMEOUT_VAR", "DEFAULT_CONNECT_TIMEOUT"]

CONNECT_TIMEOUT_VAR = "SKIPJACK_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 30.0


def connect_timeout() -> float:
    """Seconds a storage waits for an unreachable server before giving up (``$SKIPJACK_CONNECT_TIMEOUT``,
    default 30).

    A refused or lost connection is retried with backoff until this long after the first failure
    (when opening a storage and during a run); an error that waiting cannot cure (wrong password,
    unknown user or database, a missing SQLite folder, a file that is not a database) fails at once.

    Raises:
        ValueError: the variable is set but is not a number >= 0.
    """
    return env_seconds(CONNECT_TIMEOUT_VAR, DEFAULT_CONNECT_TIMEOUT, "e.g. 30")


def env_seconds(var: str, default: float, hint: str, *, finite: bool = False) -> float:
    """The number of seconds >= 0 in the environment variable ``var`` (``default`` when unset
    or blank); ``finite``: refuse ``inf`` too.

    Raises:
        ValueError: the variable is set but is not such a number; the message names it and
            gives ``hint`` (an example value and its meaning).
    """
    text = os.environ.get(var, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or (finite and value == float("inf")):
        raise ValueError(f"${var} must be a number of seconds >= 0 ({hint}). Got {text!r}.")
    return value


def mask_password(url: str) -> str:
    """Return ``url`` with the password replaced by ``***`` (for messages and logs)."""
    return re.sub(r"(://[^:/@]*:)([^@]*)(@)", r"\1***\3", url)

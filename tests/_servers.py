"""What a test does when the server it needs is not reachable: skip on a developer's machine,
FAIL under ``CI=true``.

A skipped server test is a backend left untested; CI must not go green that way (``.ci/run``
starts PostgreSQL, MariaDB and Redis and fails loudly when it cannot). Every test that needs a
server calls :func:`server_unreachable` (directly or through ``tests.storages._rdb_servers``) instead
of ``pytest.skip``; ``tests/conftest.py`` also fails, under CI, a skip caused by a missing package
of the ``test`` extra.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["in_ci", "server_unreachable", "require_binary"]


def in_ci() -> bool:
    """True when ``CI`` is set to a true value (``.ci/run`` runs with ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def server_unreachable(server: str, reason: object) -> NoReturn:
    """Skip the test (locally) or fail it (under CI) because ``server`` cannot be reached."""
    message = f"{server} is not reachable: {reason}"
    if in_ci():
        pytest.fail(
            f"{message}. Under CI=true a test that needs a server fails instead of skipping: "
            "start the server (.ci/run does) or fix its address.",
            pytrace=False,
        )
    pytest.skip(message)


def require_binary(name: str) -> str:
    """The path of the program ``name`` (e.g. ``redis-server``); skip/fail like a server."""
    import shutil

    path = shutil.which(name)
    if path is None:
        server_unreachable(name, f"the program {name!r} is not on PATH")
    return path

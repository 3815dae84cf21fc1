"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from skipjack.exceptions import CLIUsageError
from skipjack.storages import BaseStorage, get_storage
from skipjack.storages._factory import ENV_VAR

__all__ = ["add_storage_argument", "storage_from_args", "print_json", "serve_until_interrupted"]


def add_storage_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--storage URL`` (defaults to $SKIPJACK_STORAGE)."""
    parser.add_argument(
        "--storage",
        default=None,
        help=f"storage URL, e.g. sqlite:///study.db (default: ${ENV_VAR})",
    )


def storage_from_args(args: argparse.Namespace) -> BaseStorage:
    """Open the storage named by ``--storage`` or $SKIPJACK_STORAGE."""
    url = args.storage or os.environ.get(ENV_VAR)
    if not url:
        raise CLIUsageError(
            f"no storage given: pass --storage URL or set ${ENV_VAR} (e.g. sqlite:///study.db)."
        )
    return get_storage(url)


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON (datetimes as ISO strings)."""
    print(json.dumps(value, indent=2, default=str))


def serve_until_interrupted(server: Any, banner: str) -> int:
    """Print ``banner``, keep the background ``server`` running until Ctrl-C, then stop it."""
    print(banner, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0

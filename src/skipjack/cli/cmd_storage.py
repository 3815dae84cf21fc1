"""``storage upgrade``: migrate an RDB database to the schema this skipjack uses.

``skipjack storage upgrade --storage URL`` (Optuna's form) or ``skipjack storage upgrade URL``.
"""

from __future__ import annotations

import argparse
import os

from skipjack.cli._common import ENV_VARS, add_command
from skipjack.exceptions import CLIUsageError
from skipjack.logging import get_logger

__all__ = ["register"]

ORDER = 1

_logger = get_logger(__name__)
_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql")


def _upgrade(args: argparse.Namespace) -> int:
    from skipjack.storages._url import mask_password

    url = args.url or args.storage or next(
        (os.environ[v] for v in ENV_VARS if os.environ.get(v)), None)
    if not url:
        raise CLIUsageError(
            "no storage given: pass --storage URL (e.g. storage upgrade --storage "
            "sqlite:///study.db) or set $SKIPJACK_STORAGE (or $OPTUNA_STORAGE)."
        )
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme not in _RDB_SCHEMES:
        what = "a journal" if scheme in ("redis", "rediss") or os.path.isfile(url) else "not an RDB"
        raise CLIUsageError(
            f"--storage {mask_password(url)!r} is {what} storage; 'storage upgrade' migrates RDB "
            "databases only (sqlite:///file.db, postgresql://..., mysql+pymysql://...). "
            "Journals need no upgrade."
        )
    from skipjack.storages._rdb import _schema
    from skipjack.storages._rdb.storage import RDBStorage

    # A migration may take minutes on a large database: no limit on waiting for a reply
    # (PyMySQL's read timeout is $SKIPJACK_REPLY_TIMEOUT otherwise; psycopg's schema work is
    # not bounded by it).
    no_limit = {"connect_args": {"read_timeout": None, "write_timeout": None}} if scheme in (
        "mysql", "mariadb") else None
    storage = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True,
                         engine_kwargs=no_limit)
    before, after, created = _schema.upgrade(storage._engine)
    if before == after:
        print(f"{mask_password(url)} is up to date (schema revision {after}).")
        _logger.info("This storage is up-to-date.")
    else:
        print(f"Upgraded {mask_password(url)} from revision {before or 'none'} to {after}.")
    if created and before is not None:
        print(f"Added skipjack's indexes: {', '.join(created)}.")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``storage`` command group."""
    parser = subparsers.add_parser("storage", help="storage upgrade: migrate an RDB schema",
                                   description="manage RDB storages")
    parser.set_defaults(command_parser=parser)
    commands = parser.add_subparsers(dest="storage_command", metavar="COMMAND")
    upgrade = add_command(commands, "upgrade",
                          "migrate a database to the schema this version uses (Alembic)", _upgrade)
    upgrade.add_argument("url", nargs="?", default=None,
                         help="storage URL (or --storage URL; default: $SKIPJACK_STORAGE)")

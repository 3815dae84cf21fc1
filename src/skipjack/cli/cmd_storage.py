"""``skipjack storage upgrade URL``: migrate an RDB database to the schema this skipjack uses."""

from __future__ import annotations

import argparse
import os

from skipjack.exceptions import CLIUsageError
from skipjack.storages._factory import ENV_VAR, mask_password

__all__ = ["register"]


def _upgrade(args: argparse.Namespace) -> int:
    url = args.url or args.storage or os.environ.get(ENV_VAR)
    if not url:
        raise CLIUsageError(
            f"no storage given: pass the URL (skipjack storage upgrade sqlite:///study.db), "
            f"--storage URL, or set ${ENV_VAR}."
        )
    from skipjack.storages._rdb.storage import RDBStorage

    storage = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    from skipjack.storages._rdb import _schema

    before, after, created = _schema.upgrade(storage._engine)
    if before == after:
        print(f"{mask_password(url)} is up to date (schema revision {after}).")
    else:
        print(f"Upgraded {mask_password(url)} from revision {before or 'none'} to {after}.")
    if created and before is not None:
        print(f"Added skipjack's indexes: {', '.join(created)}.")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``storage`` command group."""
    parser = subparsers.add_parser("storage", help="manage RDB storages (schema upgrades)")
    commands = parser.add_subparsers(dest="storage_command", metavar="COMMAND")
    upgrade = commands.add_parser(
        "upgrade", help="migrate a database to the schema this version uses (Alembic)"
    )
    upgrade.add_argument("url", nargs="?", default=None, help=f"storage URL (default: ${ENV_VAR})")
    upgrade.add_argument("--storage", default=None, help="storage URL (Optuna's spelling)")
    upgrade.set_defaults(func=_upgrade)

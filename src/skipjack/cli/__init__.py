"""The ``skipjack`` command line.

Each command group lives in its own module ``skipjack/cli/cmd_<group>.py`` that defines
``register(subparsers)``; the modules are discovered, so a new group needs no edit here.
The storage URL comes from ``--storage`` or, when that is left out, the ``SKIPJACK_STORAGE``
environment variable (so no secret needs to appear on a command line).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from skipjack.exceptions import CLIUsageError, OptunaError
from skipjack.version import __version__

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every discovered command group."""
    parser = argparse.ArgumentParser(
        prog="skipjack", description="skipjack: hyperparameter optimization (Optuna-compatible)."
    )
    parser.add_argument("--version", action="version", version=f"skipjack {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module("skipjack.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"skipjack.cli.{info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except CLIUsageError as e:
        print(f"skipjack: error: {e}", file=sys.stderr)
        return 2
    except KeyError as e:
        print(f"skipjack: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 1
    except (OptunaError, ValueError) as e:
        print(f"skipjack: error: {e}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

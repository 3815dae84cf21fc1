"""``python -m skipjack``: ``run`` a program with ``import optuna`` resolving to skipjack; else the CLI.

    python -m skipjack run script.py [args...]       run a script
    python -m skipjack run -m package.module [args]  run a module (like python -m)
    python -m skipjack run optuna-dashboard [args]   run a console script found on PATH
    python -m skipjack optuna-path                   print the directory that makes child
                                                     processes resolve optuna to skipjack
    python -m skipjack <command> ...                 the skipjack CLI (skipjack --help)
"""

from __future__ import annotations

import os
import runpy
import shutil
import sys
from collections.abc import Sequence

USAGE = (
    "usage: python -m skipjack run (SCRIPT | -m MODULE | CONSOLE_SCRIPT) [ARGS...]\n"
    "       python -m skipjack optuna-path"
)


def run(argv: Sequence[str]) -> int:
    """Run a program with ``import optuna`` resolving to skipjack (here and in its children)."""
    from skipjack._optuna_alias import install_as_optuna

    args = list(argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not args else sys.stdout)
        return 2 if not args else 0
    install_as_optuna(children=True)
    if args[0] == "-m":
        if len(args) < 2:
            print("python -m skipjack run -m: give the module to run, e.g. -m pytest", file=sys.stderr)
            return 2
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return 0
    program = args[0]
    path = program if os.path.exists(program) else shutil.which(program)
    if path is None:
        print(
            f"python -m skipjack run: {program!r} is neither a file nor a command on PATH; "
            "give a script path, -m MODULE, or a console script such as optuna-dashboard.",
            file=sys.stderr,
        )
        return 2
    sys.argv = [path, *args[1:]]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    runpy.run_path(path, run_name="__main__")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["run"]:
        return _exit_code(run, args[1:])
    if args[:1] == ["optuna-path"]:
        from skipjack._optuna_alias import SHADOW_DIR

        print(SHADOW_DIR)
        return 0
    from skipjack.cli import main as cli_main

    return cli_main(args)


def _exit_code(func: object, args: list[str]) -> int:
    assert callable(func)
    try:
        return int(func(args))
    except SystemExit as e:  # the program called sys.exit(): keep its code
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        print(e.code, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

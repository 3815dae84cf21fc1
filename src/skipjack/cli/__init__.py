"""The ``skipjack`` command line: Optuna's ``optuna`` commands plus skipjack's own.

Each command group lives in its own module ``skipjack/cli/cmd_<group>.py`` that defines
``register(subparsers)``; the modules are discovered, so a new group needs no edit here (an optional module constant ``ORDER`` places
it in the help; Optuna's commands come first). The
global options (``--storage``, ``-v``, ``-q``, ``--log-file``, ``--debug``, ...) are in
``_common.py``; the output formats in ``_format.py``. ``docs/cli.md`` lists every command.

Exit codes: 0 done; 1 the command failed (e.g. the study exists already, the trial is finished);
2 the command line is wrong (a bad or missing option: the message names it and says the fix).
Errors are one line on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from skipjack.cli._common import GLOBAL_DEFAULTS, add_global_options
from skipjack.exceptions import CLIUsageError
from skipjack.version import __version__

__all__ = ["main", "build_parser"]


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not name or name in ("-c", "-m") or name.endswith(".py"):
        return "skipjack"
    return name


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser with every discovered command group."""
    parser = argparse.ArgumentParser(
        prog=prog or _prog(),
        description="skipjack: hyperparameter optimization with Optuna's API and CLI. "
                    "Run '%(prog)s COMMAND --help' for the options of a command.",
    )
    add_global_options(parser, main=True)
    parser.add_argument("--version", action="version", version=f"skipjack {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module("skipjack.cli")
    modules = [importlib.import_module(f"skipjack.cli.{info.name}")
               for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name)
               if info.name.startswith("cmd_")]
    for module in sorted(modules, key=lambda m: getattr(m, "ORDER", 10)):
        module.register(subparsers)
    help_parser = subparsers.add_parser("help", help="show this help, or a command's help")
    help_parser.add_argument("topic", nargs="*", metavar="COMMAND", help="e.g. create-study")
    help_parser.set_defaults(func=None, help_of=parser)
    return parser


def _print_help(parser: argparse.ArgumentParser, topic: Sequence[str]) -> int:
    if not topic:
        parser.print_help()
        return 0
    try:
        parser.parse_args([*topic, "--help"])
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def _log_level(args: argparse.Namespace) -> int:
    quiet = args.quiet_main or args.quiet_sub
    verbose = args.verbose_main + args.verbose_sub
    if quiet and verbose:
        raise CLIUsageError("-q/--quiet and -v/--verbose exclude each other; give one of them.")
    if quiet:
        return logging.WARNING
    return logging.DEBUG if verbose else logging.INFO


@contextmanager
def _logging(args: argparse.Namespace) -> Iterator[logging.Handler | None]:
    """Optuna's CLI verbosity: INFO by default, -v DEBUG, -q WARNING; --log-file copies it."""
    import skipjack.logging as sj_logging

    previous = sj_logging.get_verbosity()
    sj_logging.set_verbosity(_log_level(args))
    handler: logging.Handler | None = None
    if args.log_file:
        try:
            handler = logging.FileHandler(args.log_file)
        except OSError as e:
            raise CLIUsageError(f"--log-file {args.log_file!r}: cannot open it ({e.strerror}).")
        handler.setFormatter(logging.Formatter("[%(levelname)1.1s %(asctime)s] %(message)s"))
        logging.getLogger("skipjack").addHandler(handler)
    try:
        yield handler
    finally:
        if handler is not None:
            logging.getLogger("skipjack").removeHandler(handler)
            handler.close()
        sj_logging.set_verbosity(previous)


def _one_line_warning(message: Any, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
    print(f"{_prog()}: {category.__name__}: {message}", file=sys.stderr)


def _error_text(e: BaseException) -> str:
    if isinstance(e, KeyError) and e.args:
        text = str(e.args[0])
    else:
        text = str(e)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(e).__name__


def _report(args: argparse.Namespace, e: BaseException, log: logging.Handler | None,
            known: bool) -> None:
    text = _error_text(e)
    if not known:
        text = f"{type(e).__name__}: {text}"
    if args.debug:
        traceback.print_exception(e)
    elif not known:
        text += " (run with --debug for the traceback)"
    print(f"{_prog()}: error: {text}", file=sys.stderr)
    if log is not None:
        log.emit(logging.LogRecord("skipjack.cli", logging.ERROR, __file__, 0, text, None, None))


def _run(args: argparse.Namespace, command_parser: argparse.ArgumentParser,
         log: logging.Handler | None) -> int:
    from skipjack.exceptions import OptunaError

    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, so that a closed pipe is handled below
        return code
    except CLIUsageError as e:
        print(command_parser.format_usage(), end="")
        _report(args, e, log, known=True)
        return 2
    except KeyboardInterrupt:
        print(f"{_prog()}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (`| head`): finish quietly, and keep the interpreter's
        # final flush from raising again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as e:
        _report(args, e, log, known=isinstance(e, (OptunaError, ValueError, KeyError)))
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    for key, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    if getattr(args, "help_of", None) is not None:
        return _print_help(parser, args.topic)
    command_parser: argparse.ArgumentParser = getattr(args, "command_parser", parser)
    if getattr(args, "func", None) is None:
        command_parser.print_help()
        if command_parser is parser:
            print(f"{parser.prog}: error: {' '.join(argv)!r} names no command; see "
                  f"'{parser.prog} --help'.", file=sys.stderr)
        else:
            print(f"{command_parser.prog}: error: give one of its commands (listed above).",
                  file=sys.stderr)
        return 2
    if getattr(args, "study_name_required", False) and args.study_name is None:
        command_parser.error("the following arguments are required: --study-name")
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            with _logging(args) as log:
                return _run(args, command_parser, log)
        except CLIUsageError as e:  # from the logging options themselves
            print(command_parser.format_usage(), end="")
            _report(args, e, None, known=True)
            return 2


if __name__ == "__main__":
    sys.exit(main())

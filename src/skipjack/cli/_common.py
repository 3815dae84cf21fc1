"""What every command shares: the global options, the storage argument, study names, ports.

Global options (Optuna's), accepted before the command and after it (after wins):
``--storage URL``, ``--storage-class NAME``, ``-v/--verbose`` (repeatable), ``-q/--quiet``,
``--log-file PATH`` and ``--debug`` (tracebacks on errors).

The storage comes from ``--storage``, else ``$SKIPJACK_STORAGE``, else ``$OPTUNA_STORAGE``. A URL
(``sqlite:///x.db``, ``postgresql://...``, ``redis://...``) opens as ``get_storage`` does; a plain
file path opens as a journal file (as in Optuna 4+), or as SQLite when the file is an SQLite
database.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from skipjack.exceptions import CLIUsageError
from skipjack.storages import BaseStorage

__all__ = [
    "ENV_VARS",
    "GLOBAL_DEFAULTS",
    "STORAGE_CLASSES",
    "add_command",
    "add_global_options",
    "add_host_port",
    "add_study_name",
    "listen_error",
    "get_storage_for_cli",
    "load_study_for_cli",
    "make_sampler",
    "port_number",
    "print_json",
    "serve_until_interrupted",
    "storage_from_args",
]

ENV_VARS = ("SKIPJACK_STORAGE", "OPTUNA_STORAGE")
STORAGE_CLASSES = ("RDBStorage", "JournalFileBackend", "JournalRedisBackend")
_DEPRECATED_STORAGE_CLASSES = {"JournalFileStorage": "JournalFileBackend",
                               "JournalRedisStorage": "JournalRedisBackend"}
GLOBAL_DEFAULTS: dict[str, Any] = {
    "storage": None, "storage_class": None, "log_file": None, "debug": False,
    "verbose_main": 0, "verbose_sub": 0, "quiet_main": False, "quiet_sub": False,
}
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _storage_class(value: str) -> str:
    if value in STORAGE_CLASSES:
        return value
    if value in _DEPRECATED_STORAGE_CLASSES:
        return _DEPRECATED_STORAGE_CLASSES[value]
    raise argparse.ArgumentTypeError(
        f"invalid choice: {value!r} (choose from {', '.join(STORAGE_CLASSES)})"
    )


def add_global_options(parser: argparse.ArgumentParser, *, main: bool) -> None:
    """Add the global options. Defaults are left out of the namespace (``GLOBAL_DEFAULTS`` fills
    them in after parsing), so that an option given before the command is not reset by the
    command's parser; ``-v``/``-q`` count separately before and after the command."""
    where = "main" if main else "sub"
    suppress = argparse.SUPPRESS
    parser.add_argument(
        "--storage", default=suppress, metavar="URL",
        help="storage URL (sqlite:///study.db, postgresql://..., redis://...) or a journal file "
             "path; default: $SKIPJACK_STORAGE, else $OPTUNA_STORAGE")
    parser.add_argument(
        "--storage-class", default=suppress, type=_storage_class, metavar="NAME",
        help=f"how to open --storage when it could be read two ways: {', '.join(STORAGE_CLASSES)}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="count", dest=f"verbose_{where}",
                           default=suppress, help="more log output (DEBUG); repeatable")
    verbosity.add_argument("-q", "--quiet", action="store_true", dest=f"quiet_{where}",
                           default=suppress, help="only warnings and errors in the log output")
    parser.add_argument("--log-file", default=suppress, metavar="PATH",
                        help="also write the log output to PATH")
    parser.add_argument("--debug", action="store_true", default=suppress,
                        help="show the traceback of an error")


def add_command(subparsers: Any, name: str, help: str, func: Callable[[argparse.Namespace], int],
                **kwargs: Any) -> argparse.ArgumentParser:
    """Add a command that takes the global options and runs ``func(args)``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=kwargs.pop("description", help), **kwargs)
    add_global_options(parser, main=False)
    parser.set_defaults(func=func, command_parser=parser)
    return parser


def add_study_name(parser: argparse.ArgumentParser, *, required: bool = True,
                   help: str = "the study's name") -> None:
    """Add ``--study-name NAME`` (and ``--study`` as a hidden alias, its older spelling)."""
    parser.add_argument("--study-name", dest="study_name", default=None, metavar="NAME",
                        help=help + (" (required)" if required else ""))
    parser.add_argument("--study", dest="study_name", default=None, help=argparse.SUPPRESS)
    if required:
        parser.set_defaults(study_name_required=True)


def port_number(text: str) -> int:
    """argparse type of a TCP port: 0-65535 (0 picks a free port)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535; got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535; got {port}")
    return port


def add_host_port(parser: argparse.ArgumentParser, default_port: int, *,
                  host_help: str = "address to bind (default 127.0.0.1, this machine only)"
                  ) -> None:
    """Add ``--host`` (loopback by default) and ``--port``."""
    parser.add_argument("--host", default="127.0.0.1", help=host_help)
    parser.add_argument("--port", type=port_number, default=default_port,
                        help=f"port to listen on (default {default_port}; 0 picks a free one)")


def listen_error(host: str, port: int, error: OSError) -> CLIUsageError:
    """The error for a server that cannot listen on ``host:port``, naming the options to change."""
    reason = error.strerror or str(error)
    return CLIUsageError(
        f"cannot listen on --host {host} --port {port}: {reason}; pick another --port "
        "(0 picks a free one) or --host."
    )


def _storage_url(url: str | None) -> str:
    if url:
        return url
    for var in ENV_VARS:
        value = os.environ.get(var)
        if value:
            return value
    raise CLIUsageError(
        "no storage given: pass --storage URL (e.g. --storage sqlite:///study.db, or a journal "
        "file path) or set $SKIPJACK_STORAGE (or $OPTUNA_STORAGE)."
    )


def _is_sqlite_file(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def get_storage_for_cli(url: str | None, storage_class: str | None = None, *,
                        create_file: bool = False) -> BaseStorage:
    """Open the storage a command line names (see the module docstring).

    ``create_file``: a plain path that does not exist yet becomes a new journal file (only
    ``create-study`` asks for that; a reading command given a missing file stops with an error).
    """
    from skipjack.storages import get_storage
    from skipjack.storages.journal import JournalFileBackend, JournalRedisBackend, JournalStorage

    url = _storage_url(url)
    if storage_class == "JournalRedisBackend":
        return JournalStorage(JournalRedisBackend(url))
    if storage_class == "JournalFileBackend":
        return JournalStorage(JournalFileBackend(url))
    if storage_class == "RDBStorage":
        from skipjack.storages._rdb.storage import RDBStorage

        return RDBStorage(url)
    if "://" in url or url.startswith(("redis:", "rediss:", "unix:")):
        try:
            return get_storage(url)
        except ValueError as e:
            raise CLIUsageError(f"--storage: {e}") from None
    if os.path.isdir(url):
        raise CLIUsageError(
            f"--storage {url!r} is a directory: give a journal file path inside it (e.g. "
            f"{os.path.join(url, 'study.log')}) or a URL such as sqlite:///study.db."
        )
    if os.path.isfile(url):
        if _is_sqlite_file(url):
            return get_storage(f"sqlite:///{os.path.abspath(url)}")
        return JournalStorage(JournalFileBackend(url))
    if create_file:
        folder = os.path.dirname(os.path.abspath(url))
        if not os.path.isdir(folder):
            raise CLIUsageError(
                f"--storage {url!r}: the folder {folder!r} does not exist; create it first."
            )
        return JournalStorage(JournalFileBackend(url))
    raise CLIUsageError(
        f"--storage {url!r} is neither a URL nor an existing file. A plain path names a journal "
        f"file: create one with 'create-study --storage {url}', or give a URL such as "
        f"sqlite:///{url}."
    )


def storage_from_args(args: argparse.Namespace, *, create_file: bool = False) -> BaseStorage:
    """Open the storage of ``args`` (``--storage``, ``--storage-class``, the environment)."""
    return get_storage_for_cli(args.storage, args.storage_class, create_file=create_file)


def _study_names_hint(storage: BaseStorage) -> str:
    names = [s.study_name for s in storage.get_all_studies()]
    if not names:
        return "the storage holds no study yet (create one with 'create-study')"
    shown = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
    return f"the storage holds {shown}"


def load_study_for_cli(args: argparse.Namespace, storage: BaseStorage | None = None,
                       **kwargs: Any) -> Any:
    """``load_study`` of ``--study-name``; a missing study is a usage error that lists the names.

    Without ``--study-name`` the storage's only study is loaded (as ``load_study`` does)."""
    from skipjack.study import load_study

    storage = storage if storage is not None else storage_from_args(args)
    name = args.study_name
    if name is None:
        studies = storage.get_all_studies()
        if len(studies) != 1:
            raise CLIUsageError(
                f"--study-name is required here: {_study_names_hint(storage)}."
                if studies else f"no study to use: {_study_names_hint(storage)}."
            )
        name = studies[0].study_name
    try:
        storage.get_study_id_from_name(name)
    except KeyError:
        raise CLIUsageError(
            f"--study-name {name!r}: no such study; {_study_names_hint(storage)}."
        ) from None
    return load_study(study_name=name, storage=storage, **kwargs)


def _sampler_names() -> list[str]:
    import skipjack.samplers as samplers

    return sorted(n for n in samplers.__all__ if n.endswith("Sampler") and n != "BaseSampler")


def make_sampler(name: str | None, kwargs_json: str | None = None, *,
                 seed: int | None = None) -> Any:
    """The sampler ``--sampler NAME --sampler-kwargs JSON [--seed N]`` asks for (None: none)."""
    if name is None:
        return None
    import skipjack.samplers as samplers
    from skipjack.samplers import BaseSampler

    cls = getattr(samplers, name, None) if not name.startswith("_") else None
    if not (isinstance(cls, type) and issubclass(cls, BaseSampler)) or cls is BaseSampler:
        raise CLIUsageError(
            f"--sampler {name!r} is not a sampler of skipjack.samplers; use one of "
            f"{', '.join(_sampler_names())}."
        )
    kwargs: Any = {}
    if kwargs_json is not None:
        try:
            kwargs = json.loads(kwargs_json)
        except json.JSONDecodeError as e:
            raise CLIUsageError(
                f"--sampler-kwargs is not valid JSON ({e.msg} at character {e.pos}); pass a "
                "JSON object, e.g. --sampler-kwargs '{\"seed\": 42}'."
            ) from None
        if not isinstance(kwargs, dict):
            raise CLIUsageError(
                f"--sampler-kwargs must be a JSON object of keyword arguments, e.g. "
                f"'{{\"seed\": 42}}'; got a JSON {type(kwargs).__name__}."
            )
    if seed is not None:
        if "seed" in kwargs:
            raise CLIUsageError("give the seed once: --seed or \"seed\" in --sampler-kwargs.")
        kwargs["seed"] = seed
    accepted: Mapping[str, inspect.Parameter]
    try:
        accepted = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        accepted = {}
    if accepted and not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise CLIUsageError(
                f"--sampler-kwargs: {name} takes no argument {', '.join(map(repr, unknown))}; "
                f"it takes {', '.join(accepted) or 'no arguments'}."
            )
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise CLIUsageError(f"--sampler-kwargs: {name}({_kwargs_text(kwargs)}) failed: {e}") \
            from None


def _kwargs_text(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


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

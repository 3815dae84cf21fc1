"""``import optuna`` resolving to skipjack, for code and add-ons written for Optuna.

In the spirit of PyMySQL's ``install_as_MySQLdb()``: after ``skipjack.install_as_optuna()``,
``import optuna`` returns the ``skipjack`` package and ``import optuna.x.y`` returns the module
``skipjack.x.y`` (the same module object, not a copy), even when the real optuna is installed.
The private Optuna modules that add-ons reach into are thin shims over skipjack's own code,
under Optuna's paths in skipjack, or in ``skipjack._optuna_shims`` where skipjack's module of
that path holds other things (table ``SHIMS``).

Whole processes: ``python -m skipjack run script.py [args]`` (or ``run -m module``, or
``run <console-script>`` such as ``optuna-dashboard``) installs the alias before the program
starts, and puts a directory holding an ``optuna`` package stub first on ``PYTHONPATH`` so that
child processes (multiprocessing ``spawn``, subprocesses) resolve ``import optuna`` to skipjack
too. ``python -m skipjack optuna-path`` prints that directory, for a shell that wants the same
for programs it starts itself.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
import warnings
from collections.abc import Sequence
from pathlib import Path

__all__ = ["install_as_optuna", "is_installed", "SHIMS", "SHADOW_DIR", "ENV_FLAG"]

ALIAS = "optuna"
TARGET = "skipjack"
ENV_FLAG = "SKIPJACK_AS_OPTUNA"
SHADOW_DIR = str(Path(__file__).resolve().parent / "_optuna_shadow")

# Optuna module path -> the skipjack module that stands in for it, where skipjack's own module of
# that path has other contents. The other private modules add-ons import exist in skipjack under
# Optuna's paths (skipjack._imports, skipjack._experimental, skipjack._deprecated,
# skipjack._transform, skipjack._typing, skipjack.study._study_direction, skipjack.study._frozen,
# skipjack.storages._cached_storage), so a plain ``sys.modules["optuna"] = skipjack`` alias
# finds them too.
SHIMS: dict[str, str] = {
    "optuna.importance._base": "skipjack._optuna_shims.importance_base",
    "optuna.samplers._base": "skipjack._optuna_shims.samplers_base",
    "optuna.study.study": "skipjack._optuna_shims.study_module",
}


def _target_name(fullname: str) -> str:
    shim = SHIMS.get(fullname)
    if shim is not None:
        return shim
    return _integration_fallback(TARGET + fullname[len(ALIAS) :])


_INTEGRATION = TARGET + ".integration."


def _integration_fallback(name: str) -> str:
    """``skipjack.integration.X...`` -> ``optuna_integration.X...`` when skipjack has no X."""
    if not name.startswith(_INTEGRATION):
        return name
    rest = name[len(_INTEGRATION) :]
    first = rest.split(".", 1)[0]
    package = importlib.import_module(TARGET + ".integration")
    if importlib.machinery.PathFinder.find_spec(first, list(package.__path__)) is not None:
        return name
    return "optuna_integration." + rest


class _AliasLoader(importlib.abc.Loader):
    """Loads ``optuna.x`` by importing the skipjack module that stands in for it."""

    def __init__(self, target: str) -> None:
        self._target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module(self._target)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the target module is imported (and executed) already."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder for ``optuna.*`` names; sits first on ``sys.meta_path``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith(_INTEGRATION):
            # skipjack.integration.<what optuna-integration has>
            name = _integration_fallback(fullname)
            if name == fullname:
                return None
        elif fullname.startswith(ALIAS + "."):
            name = _target_name(fullname)
        else:
            return None
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return None  # ModuleNotFoundError names the optuna path the caller asked for
        return importlib.util.spec_from_loader(
            fullname,
            _AliasLoader(name),
            is_package=found.submodule_search_locations is not None,
        )


_FINDER = _AliasFinder()


def is_installed() -> bool:
    """True when ``import optuna`` resolves to skipjack in this process."""
    return sys.modules.get(ALIAS) is sys.modules.get(TARGET) is not None and _FINDER in sys.meta_path


def install_as_optuna(*, children: bool = False) -> None:
    """Make ``import optuna`` (and ``optuna.x.y``) resolve to skipjack in this process.

    Call it before anything imports optuna. Modules of the real optuna that were imported
    already are dropped from ``sys.modules`` (with a warning: objects made from them stay
    Optuna's).

    Args:
        children: also make child processes started from now on (multiprocessing ``spawn``,
            subprocesses running Python) resolve ``import optuna`` to skipjack, by putting the
            optuna stub directory first on ``PYTHONPATH`` and setting ``SKIPJACK_AS_OPTUNA=1``.
    """
    target = importlib.import_module(TARGET)
    stale = [
        name
        for name, module in list(sys.modules.items())
        if (name == ALIAS or name.startswith(ALIAS + "."))
        and module is not None
        and not getattr(module, "__name__", "").startswith(TARGET)
        and not str(getattr(module, "__file__", "") or "").startswith(SHADOW_DIR)
    ]
    if stale:
        warnings.warn(
            "install_as_optuna(): the real optuna was imported before the alias was installed; "
            "objects made from it stay Optuna's. Call skipjack.install_as_optuna() (or run the "
            "program with `python -m skipjack run`) before anything imports optuna.",
            RuntimeWarning,
            stacklevel=2,
        )
        for name in stale:
            del sys.modules[name]
    sys.modules[ALIAS] = target
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    if children:
        _export_to_children()


def _export_to_children() -> None:
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    # skipjack itself must stay importable from the stub, wherever this copy of it lives
    package_root = str(Path(__file__).resolve().parent.parent)
    wanted = [SHADOW_DIR, package_root]
    os.environ["PYTHONPATH"] = os.pathsep.join(wanted + [p for p in paths if p not in wanted])
    os.environ[ENV_FLAG] = "1"
    # multiprocessing's spawn children take the parent's sys.path, not PYTHONPATH
    if SHADOW_DIR not in sys.path:
        sys.path.insert(0, SHADOW_DIR)

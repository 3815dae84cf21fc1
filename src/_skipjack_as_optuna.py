"""Process start-up switch: with ``SKIPJACK_AS_OPTUNA=1``, ``import optuna`` resolves to skipjack.

An installed skipjack (a wheel: ``pip install skipjack``) puts ``skipjack-as-optuna.pth`` in
site-packages. Python runs its one line at every start; the line only reads the environment, and
imports this module when ``SKIPJACK_AS_OPTUNA`` is set to anything but ``""``, ``0``, ``false``,
``no`` or ``off``. This module imports nothing of skipjack: it puts skipjack's stand-in
``optuna`` package directory (``skipjack/_optuna_shadow``) first on ``sys.path``, so the first
``import optuna`` of the process runs ``skipjack.install_as_optuna()`` and returns skipjack. A
process that never imports optuna pays one package lookup. Child processes inherit the variable,
so they switch too.
"""

from __future__ import annotations

import importlib.util
import os
import sys

__all__ = ["activate", "enabled"]

ENV_FLAG = "SKIPJACK_AS_OPTUNA"
_OFF = ("", "0", "false", "no", "off")


def enabled() -> bool:
    """True when the environment asks for the switch."""
    return os.environ.get(ENV_FLAG, "").strip().lower() not in _OFF


def activate() -> str | None:
    """Put skipjack's stand-in optuna directory first on ``sys.path``; return it (None: no skipjack)."""
    spec = importlib.util.find_spec("skipjack")
    if spec is None or not spec.submodule_search_locations:
        return None
    shadow = os.path.join(list(spec.submodule_search_locations)[0], "_optuna_shadow")
    if shadow not in sys.path:
        sys.path.insert(0, shadow)
    return shadow


if enabled():
    activate()

"""Runs one client program as its user would, then checks it ran on skipjack.

``python -m skipjack run _as_user.py PROGRAM [ARGS]``: runs PROGRAM as ``__main__`` (its own
directory first on ``sys.path``, ``sys.argv`` its own), then fails unless ``optuna`` and every
``optuna.*`` module loaded in the process are skipjack's.
"""

import os
import runpy
import sys

program = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
runpy.run_path(program, run_name="__main__")

import skipjack  # noqa: E402

# Modules of the real optuna package, under any name (optuna.integration.X is optuna_integration.X,
# as Optuna's own optuna.integration forwards it: that is not the real optuna).
foreign = sorted(
    name for name, module in sys.modules.items()
    if module is not None and getattr(module, "__name__", "").split(".")[0] == "optuna"
)
if sys.modules.get("optuna") is not skipjack or foreign:
    raise SystemExit(f"the program did not run on skipjack: real optuna modules {foreign[:5]}")

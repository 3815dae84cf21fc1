"""Build hook: the wheel carries ``skipjack-as-optuna.pth`` at its root (site-packages).

Everything else about the package is in pyproject.toml. The ``.pth`` line makes
``SKIPJACK_AS_OPTUNA=1`` switch ``import optuna`` to skipjack in any process (see
``src/_skipjack_as_optuna.py`` and docs/ecosystem.md). Editable installs (``pip install -e``) do
not install it: they put ``src`` on the path, where Python does not read ``.pth`` files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "skipjack-as-optuna.pth"


class BuildPyWithPth(build_py):
    """``build_py`` that also copies the start-up ``.pth`` file to the root of the build."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            shutil.copyfile(Path(__file__).parent / "src" / PTH, Path(self.build_lib) / PTH)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            outputs.append(str(Path(self.build_lib) / PTH))
        return outputs


setup(cmdclass={"build_py": BuildPyWithPth})

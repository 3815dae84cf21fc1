"""Architecture checks: dependencies point down only, and ``import skipjack`` stays light.

Layers, bottom to top (docs/architecture.md):
0 data: exceptions, logging, distributions, _records, _mo, _deprecation, version
1 storages, _study_protocol (the read-only study samplers and pruners are typed against),
  _study_feed (the incremental view of a study's trials)
2 samplers, pruners, search_space
3 trial (the live Trial, FixedTrial; ``Trial.study`` is typed as ``trial/_study_api.StudyAPI``)
4 study (the facade and the optimize loop, which build trials)
5 everything else (testing, cli, report, observability, integration, artifacts, visualization...)

A module may import only modules of its own layer or lower ones, type-only imports (inside
``if TYPE_CHECKING:``) and imports inside functions included, and no library module imports the
top-level ``skipjack`` package (which loads the facade). Counting type-only imports, no two areas
below the top layer (``samplers``, ``pruners``, ``storages``, ``trial``, ``study``, ...) import
each other in a cycle.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "skipjack"

LAYERS = {
    "exceptions": 0, "logging": 0, "distributions": 0, "_records": 0, "_mo": 0,
    "_deprecation": 0, "version": 0, "_validation": 0,
    "storages": 1, "_study_protocol": 1, "_study_feed": 1,
    "samplers": 2, "pruners": 2, "search_space": 2,
    "trial": 3,
    "study": 4,
}
TOP = 5


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return TOP
    return LAYERS.get(parts[1], TOP)


def _runtime_imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((child.lineno, alias.name))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".")
                    if not is_package:
                        base = base[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.append((child.lineno, target))
                if target == "skipjack":
                    for alias in child.names:
                        found.append((child.lineno, f"skipjack.{alias.name}"))
            elif isinstance(child, ast.Call) and child.args:
                # importlib.import_module("skipjack.x") / __import__("skipjack.x"): an import too
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = child.args[0]
                if name in ("import_module", "__import__") and isinstance(first, ast.Constant) \
                        and isinstance(first.value, str):
                    found.append((child.lineno, first.value))
            visit(child)

    visit(tree)
    return found


def _all_imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every import of the module: type-only ones and those inside functions too."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _type_only_violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Upward imports (type-only included) below the top layer, and cycles between core areas."""
    violations = []
    edges: dict[str, set[str]] = {}
    for module, (text, is_package) in sources.items():
        layer = _layer(module)
        if layer >= TOP:
            continue
        for lineno, target in _all_imports(ast.parse(text), module, is_package):
            if not target.startswith("skipjack."):
                continue
            if _layer(target) > layer:
                violations.append(
                    f"{module}:{lineno} (layer {layer}) imports {target} (layer "
                    f"{_layer(target)}), type-only or not"
                )
            if _area(target) != _area(module):
                edges.setdefault(_area(module), set()).add(_area(target))
    # a cycle between areas: an area that reaches itself
    for start in sorted(edges):
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            area = todo.pop()
            if area == start:
                violations.append(f"import cycle through the areas {start} and {sorted(seen)}")
                break
            if area not in seen:
                seen.add(area)
                todo.extend(edges.get(area, ()))
    return violations


def _modules() -> list[pathlib.Path]:
    return sorted(SRC.rglob("*.py"))


def test_dependencies_point_down() -> None:
    violations = []
    for path in _modules():
        module = _module_name(path)
        layer = _layer(module)
        tree = ast.parse(path.read_text(), filename=str(path))
        for lineno, target in _runtime_imports(tree, module, path.name == "__init__.py"):
            if not target.startswith("skipjack"):
                continue
            if module == "skipjack":
                continue
            if target == "skipjack" and layer < TOP:
                violations.append(f"{module}:{lineno} imports the top-level package")
                continue
            if target != "skipjack" and _layer(target) > layer:
                violations.append(
                    f"{module}:{lineno} (layer {layer}) imports {target} (layer {_layer(target)})"
                )
    assert not violations, "\n".join(violations)


def test_no_cycle_counting_type_only_imports() -> None:
    # samplers and pruners type the study they get as ``_study_protocol.ReadOnlyStudy``, and the
    # trial its ``study`` as ``trial/_study_api.StudyAPI``: typing them as ``skipjack.study.Study``
    # tied them, the trial and the study into one cycle.
    sources = {
        _module_name(p): (p.read_text(), p.name == "__init__.py") for p in _modules()
    }
    violations = _type_only_violations(sources)
    assert not violations, "\n".join(violations)


def test_type_only_check_catches_the_study_import() -> None:
    old = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from skipjack.study import Study\n",
        False,
    )
    found = _type_only_violations({"skipjack.samplers._x": old})
    assert found and "imports skipjack.study (layer 4), type-only" in found[0]
    # the trial/study cycle: ``trial/_trial.py`` naming ``Study`` for ``Trial.study``
    trial_study = {
        "skipjack.trial._x": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from skipjack.study._study import Study\n",
            False,
        ),
        "skipjack.study._y": ("from skipjack.trial._x import Trial\n", False),
    }
    found = _type_only_violations(trial_study)
    assert any("skipjack.trial._x:3 (layer 3) imports skipjack.study._study (layer 4)" in v
               for v in found)
    assert any("import cycle through the areas study and ['trial']" in v for v in found)
    cycle = {
        "skipjack.samplers._x": ("from skipjack.pruners._y import z\n", False),
        "skipjack.pruners._y": ("def f():\n    from skipjack.samplers._x import w\n", False),
    }
    assert any("import cycle" in v for v in _type_only_violations(cycle))


def test_layering_check_catches_an_upward_import() -> None:
    tree = ast.parse("from skipjack.study import Study\n")
    [(_, target)] = _runtime_imports(tree, "skipjack.storages._x", False)
    assert _layer(target) > _layer("skipjack.storages._x")
    dynamic = ast.parse("import importlib\nimportlib.import_module('skipjack.observability._x')\n")
    targets = [t for _, t in _runtime_imports(dynamic, "skipjack.study._x", False)]
    assert targets == ["importlib", "skipjack.observability._x"]
    assert _layer(targets[1]) > _layer("skipjack.study._x")
    guarded = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import skipjack.study\n")
    assert [t for _, t in _runtime_imports(guarded, "skipjack.storages._x", False)] == ["typing"]


def test_study_api_declares_every_member_of_study() -> None:
    # ``Trial.study`` is typed as ``StudyAPI``; mypy checks (``Study.ask`` passes the study as
    # one) that the protocol's members exist on ``Study``, this checks that none of ``Study``'s
    # public members (nor the private ones Optuna's add-ons read) is missing from it, so that
    # user code reaching ``trial.study.X`` type-checks for every X a ``Study`` has.
    import typing_extensions

    from skipjack.storages import InMemoryStorage
    from skipjack.study import create_study
    from skipjack.trial._study_api import StudyAPI

    study = create_study(storage=InMemoryStorage())
    members = {n for n in dir(study) if not n.startswith("_")}
    members |= {"_storage", "_study_id", "_is_multi_objective", "_get_trials"}
    declared = set(typing_extensions.get_protocol_members(StudyAPI))
    assert members - declared == set()
    assert declared <= set(dir(study))


def test_import_skipjack_is_light() -> None:
    code = (
        "import sys, skipjack, skipjack.study, skipjack.samplers, skipjack.storages\n"
        "heavy = sorted(m for m in ('scipy', 'sqlalchemy', 'pandas', 'plotly', 'sklearn', "
        "'matplotlib', 'redis', 'alembic', 'torch', 'cmaes', 'numpy') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


CORE_MODULES = [
    _module_name(p) for p in _modules()
    if _layer(_module_name(p)) < TOP and "_rdb" not in str(p) and "journal" not in str(p)
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_each_core_module_imports_alone(module: str) -> None:
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, capture_output=True)

"""MkDocs hook: the API reference, one generated page per public module, from its ``__all__``.

Every name in a module's ``__all__`` gets a mkdocstrings block (``::: module.name``), so the
reference cannot miss a public name and a name that does not resolve fails the strict build.
``tests/docs/test_docs.py`` builds the site and checks its object inventory against ``__all__``.
"""

from __future__ import annotations

import importlib
import types
from typing import Any

# (module, page title). A module that does not exist yet (e.g. skipjack.terminator) is left out.
MODULES = [
    ("skipjack", "skipjack"),
    ("skipjack.study", "skipjack.study"),
    ("skipjack.trial", "skipjack.trial"),
    ("skipjack.samplers", "skipjack.samplers"),
    ("skipjack.pruners", "skipjack.pruners"),
    ("skipjack.storages", "skipjack.storages"),
    ("skipjack.storages.journal", "skipjack.storages.journal"),
    ("skipjack.distributions", "skipjack.distributions"),
    ("skipjack.search_space", "skipjack.search_space"),
    ("skipjack.importance", "skipjack.importance"),
    ("skipjack.visualization", "skipjack.visualization"),
    ("skipjack.visualization.matplotlib", "skipjack.visualization.matplotlib"),
    ("skipjack.terminator", "skipjack.terminator"),
    ("skipjack.artifacts", "skipjack.artifacts"),
    ("skipjack.report", "skipjack.report"),
    ("skipjack.logging", "skipjack.logging"),
    ("skipjack.exceptions", "skipjack.exceptions"),
    ("skipjack.integration", "skipjack.integration"),
]


def present_modules() -> list[tuple[str, list[str]]]:
    """(module name, its public names) of every reference module that can be imported."""
    out = []
    for name, _ in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        out.append((name, list(getattr(module, "__all__", []))))
    return out


def _page_path(module: str) -> str:
    return f"reference/{module}.md"


def target(module: str, name: str) -> tuple[str, bool]:
    """(the dotted path where ``module.name`` is defined, whether it is a module).

    A name a package loads lazily (its ``_LAZY`` table, or ``_LAZY_MODULES`` for submodules) is
    resolved from that table without importing it, so the docs build needs none of the optional
    libraries behind it.
    """
    mod = importlib.import_module(module)
    if name in vars(mod):
        value = vars(mod)[name]
        if isinstance(value, types.ModuleType):
            return value.__name__, True
        return f"{module}.{name}", False
    lazy = getattr(mod, "_LAZY", {})
    if name in lazy:
        path = lazy[name]
        if path.rsplit(".", 1)[-1] == name:
            return path, True
        return f"{path}.{name}", False
    if name in getattr(mod, "_LAZY_MODULES", ()) or name == "matplotlib":
        return f"{module}.{name}", True
    return f"{module}.{name}", False


def page(module: str, names: list[str]) -> str:
    """The markdown of one module's reference page."""
    known = {m for m, _ in MODULES}
    lines = [f"# {module}", "", f"::: {module}", "    options:", "      members: false",
             "      show_root_heading: false", ""]
    for name in names:
        path, is_module = target(module, name)
        if is_module:
            target_name = path
            if target_name in known:
                lines += [f"## {name}", "", f"Module [`{target_name}`]({target_name}.md).", ""]
                continue
            lines += [f"::: {target_name}", "    options:", "      members: false", ""]
            continue
        if name == "__version__":
            lines += ["## `__version__`", "", "The version string of the installed skipjack.", ""]
            continue
        lines += [f"::: {path}"]
        if path != f"{module}.{name}":
            lines += ["    options:", f"      heading: {module}.{name}"]
        lines.append("")
    return "\n".join(lines)


def index(modules: list[tuple[str, list[str]]]) -> str:
    lines = ["# API reference", "",
             "Generated from the docstrings: every name in each module's `__all__`.", ""]
    for module, names in modules:
        lines.append(f"- [`{module}`]({module}.md): " + ", ".join(f"`{n}`" for n in names))
    return "\n".join(lines) + "\n"


def on_config(config: Any) -> Any:
    modules = present_modules()
    entries: list[Any] = [{"Index": "reference/index.md"}]
    entries += [{module: _page_path(module)} for module, _ in modules]
    nav = list(config["nav"])
    nav.insert(2, {"API reference": entries})
    config["nav"] = nav
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    modules = present_modules()
    files.append(File.generated(config, "reference/index.md", content=index(modules)))
    for module, names in modules:
        files.append(File.generated(config, _page_path(module), content=page(module, names)))
    return files

"""``make docs``: the site builds with warnings as errors, and its API reference holds every
public name (each module's ``__all__``) on that module's page."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys
import zlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _hook():
    spec = importlib.util.spec_from_file_location("_reference_hook",
                                                  ROOT / "docs" / "_hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _inventory(site: pathlib.Path) -> dict[str, str]:
    """name -> page URI of every object in the site's objects.inv (Sphinx inventory v2)."""
    head, body = (site / "objects.inv").read_bytes().split(b"\n", 4)[:4], \
        (site / "objects.inv").read_bytes().split(b"\n", 4)[4]
    assert head[0] == b"# Sphinx inventory version 2"
    out = {}
    for line in zlib.decompress(body).decode().splitlines():
        name, _domain, _prio, uri = line.split(" ", 4)[:4]
        out.setdefault(name, uri)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, text=True, capture_output=True, timeout=600)
    warnings = [line for line in (result.stdout + result.stderr).splitlines()
                if line.startswith(("WARNING", "ERROR"))]
    assert result.returncode == 0, (
        "`make docs` (mkdocs build --strict) fails. Each WARNING/ERROR below names a file and "
        "line: usually a Google-style docstring whose `Args:` entry is not a parameter name, or "
        "a broken link in docs/.\n" + "\n".join(warnings) + "\n" + result.stderr[-3000:])
    return out


def test_every_public_name_is_in_the_reference(site):
    inventory = _inventory(site)
    hook = _hook()
    modules = hook.present_modules()
    required = {"skipjack", "skipjack.samplers", "skipjack.pruners", "skipjack.storages",
                "skipjack.study", "skipjack.trial", "skipjack.visualization",
                "skipjack.importance"}
    if importlib.util.find_spec("skipjack.terminator") is not None:
        required.add("skipjack.terminator")
    assert required <= {m for m, _ in modules}
    missing = []
    for module, names in modules:
        page = f"reference/{module}/"
        assert module in inventory, f"module {module} has no reference entry"
        for name in names:
            path, is_module = hook.target(module, name)
            if is_module:
                ok = path in inventory
            elif name == "__version__":
                ok = (site / page / "index.html").read_text().count("__version__") > 0
            else:
                # On the module's own page, under its public path or where it is defined (an
                # alias of a standard-library constant is listed under the library's name).
                ok = any(uri.startswith(page) and (key in (f"{module}.{name}", path)
                                                   or key.rsplit(".", 1)[-1] == name)
                         for key, uri in inventory.items())
            if not ok:
                missing.append(f"{module}.{name}")
    assert not missing, f"public names missing from the API reference: {missing}"


def test_the_guide_and_design_notes_are_built_apart(site):
    assert (site / "guide" / "first-study" / "index.html").exists()
    assert (site / "reference" / "index.html").exists()
    assert (site / "architecture" / "index.html").exists()
    nav = (site / "index.html").read_text()
    assert "User guide" in nav and "API reference" in nav and "Design notes" in nav

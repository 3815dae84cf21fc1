"""Suite-wide fixtures and the CI honesty rule.

Under ``CI=true`` a skip that would leave a backend or a declared dependency untested FAILS:
a test that needs a server calls ``tests._servers.server_unreachable`` (which fails under CI),
and the hooks below turn a skip caused by a missing package of the ``test`` extra (an
``importorskip`` or a ``skipif(find_spec(...))``) into a failure. CI builds its venv from the
``test`` extra, so such a skip there means the extra is wrong, not that the test may be skipped.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest

import skipjack
from tests._servers import in_ci

# Distribution names of the test extra whose import name differs (the rest: lower, '-' -> '_').
_IMPORT_NAMES = {
    "scikit-learn": ("sklearn",),
    "psycopg": ("psycopg",),
    "pyyaml": ("yaml",),
    "opentelemetry-api": ("opentelemetry",),
    "opentelemetry-sdk": ("opentelemetry",),
    "prometheus-client": ("prometheus_client",),
    "dask": ("dask", "distributed"),
    "pytest-timeout": ("pytest_timeout",),
}


@functools.lru_cache(maxsize=1)
def _test_extra_modules() -> frozenset[str]:
    """Top-level import names of the packages declared in pyproject's ``test`` extra."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: no reader for pyproject, no rule
        return frozenset()
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    extra = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]["test"]
    names: set[str] = set()
    for requirement in extra:
        dist = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].strip().lower()
        if dist.startswith("types-") or dist.endswith("-stubs"):
            continue
        names.update(_IMPORT_NAMES.get(dist, (dist.replace("-", "_"),)))
    return frozenset(names)


_MISSING = re.compile(
    r"could not import '([\w.]+)'|No module named '([\w.]+)'|\b([\w.]+) is not installed"
)


def _undeclared_skip(reason: str) -> str | None:
    """The test-extra module a skip reason says is missing, or None."""
    extra = _test_extra_modules()
    for match in _MISSING.finditer(reason):
        module = next(g for g in match.groups() if g)
        if module.split(".")[0].lower() in extra:
            return module
    return None


def _fail_if_dishonest(report: Any) -> None:
    if not (report.skipped and in_ci()) or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    module = _undeclared_skip(reason)
    if module is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"CI=true: skipped because {module!r} is missing ({reason}); it is part of the "
            "'test' extra, so CI must have it: fix the extra or the environment."
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    _fail_if_dishonest(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: Any) -> Any:
    outcome = yield
    _fail_if_dishonest(outcome.get_result())


# `make test` spreads the suite over two pytest-xdist workers, a test file at a time
# (`-n 2 --dist loadfile`: a module-scoped fixture, such as a Redis Cluster, a built venv, the docs
# site or a browser, is set up once). The files whose tests start several worker processes against
# one storage and kill them, cut their connections or restart their servers (the fault suite, the
# RDB multi-worker and one-commit fault tests) are one unit, "multiprocess": one worker runs them
# one after another, so they never compete with each other for the two cores their time limits
# were set on. It is the longest unit, so it is handed out first, and the mypy run (the longest
# single test) second: a long unit started last would leave the other worker idle at the end.
# (pytest-xdist's own `xdist_group` marks are not used: with pytest 9.2 `--dist loadgroup`
# ignores them, pytest-xdist issue #1386.)
_MULTIPROCESS = (
    "tests/faults/",
    "tests/storages/test_rdb_workers.py",
    "tests/storages/test_one_commit_faults.py",
)
_FIRST = ("multiprocess", "tests/core/test_typing.py")


def _scope(nodeid: str) -> str:
    """The unit of work a test belongs to: "multiprocess", else its file."""
    path = nodeid.split("::", 1)[0]
    return "multiprocess" if path.startswith(_MULTIPROCESS) else path


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SuiteScheduling(LoadScopeScheduling):
        """``--dist loadfile`` with the multiprocess unit; long units first."""

        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            for scope in reversed(_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return SuiteScheduling(config, log)


# skipjack's default verbosity (INFO), read before any test module is imported.
_VERBOSITY = skipjack.logging.get_verbosity()


def pytest_collection_finish(session: Any) -> None:  # noqa: ARG001 - pytest's signature
    """Undo a verbosity a test module set when it was imported."""
    skipjack.logging.set_verbosity(_VERBOSITY)


@pytest.fixture(autouse=True)
def _restore_verbosity():
    """Every test starts at skipjack's default verbosity: a level a test or a module-scoped
    fixture sets is undone after the test. Restoring the level a test started with instead kept
    what a module had set for good, so a warning test passed or failed depending on which files
    ran before it in its process (under xdist, which files share a worker)."""
    yield
    skipjack.logging.set_verbosity(_VERBOSITY)


@pytest.fixture
def spawn_isolation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolated trials (``optimize(trial_timeout=...)``) run in this process start their worker
    with ``spawn``, whichever program runs pytest.

    Without it the start method follows ``__main__``: ``python -m pytest`` runs pytest's guarded
    ``__main__.py`` (so ``spawn``), a pytest-xdist worker runs code with no file (so ``fork``, which
    copies the objective and the trace context instead of sending them). The automatic choice is
    tested in its own processes (tests/faults/test_isolation_start.py).
    """
    monkeypatch.setenv("SKIPJACK_ISOLATION_START", "spawn")

"""Declared seams: heartbeats go through public storage methods, backends share URL helpers from
below the factory, and samplers and pruners are typed against the read-only study protocol."""

from __future__ import annotations

import ast
import pathlib
import time
from typing import Any

import skipjack
from skipjack.storages.journal import JournalFileBackend, JournalStorage
from skipjack.trial import TrialState

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "skipjack"


class _CountingJournal(JournalStorage):
    """A subclass that overrides the public heartbeat seam, as a wrapper would."""

    calls: list[int]

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        self.calls.append(study_id)
        return super().get_stale_trial_ids(study_id)


def test_fail_stale_trials_uses_the_public_heartbeat_method(tmp_path: pathlib.Path) -> None:
    storage = _CountingJournal(
        JournalFileBackend(str(tmp_path / "log.jsonl")), heartbeat_interval=1, grace_period=1
    )
    storage.calls = []
    study = skipjack.create_study(storage=storage)
    trial_id = storage.create_new_trial(study.study_id)
    storage.record_heartbeat(trial_id)
    time.sleep(2.2)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.study_id in storage.calls
    assert storage.get_trial(trial_id).state == TrialState.FAIL


def test_timed_storage_times_the_public_heartbeat_method(tmp_path: pathlib.Path) -> None:
    from skipjack.observability._histogram import HistogramFamily
    from skipjack.observability._timed_storage import TIMED_OPERATIONS, timed_storage

    inner = JournalStorage(
        JournalFileBackend(str(tmp_path / "log.jsonl")), heartbeat_interval=1, grace_period=1
    )
    family = HistogramFamily("t_seconds", "test", ["operation"])
    wrapped: Any = timed_storage(inner, family)
    study_id = wrapped.create_new_study([skipjack.study.StudyDirection.MINIMIZE], "s")
    assert "get_stale_trial_ids" in TIMED_OPERATIONS
    assert wrapped.get_stale_trial_ids(study_id) == []
    assert wrapped._get_stale_trial_ids(study_id) == []


def _imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_backends_do_not_import_the_url_factory() -> None:
    # The factory imports the backends (when it opens one); a backend importing the factory
    # (for mask_password, as it once did) made a cycle. The shared helpers are in storages/_url.py.
    storages = SRC / "storages"
    offenders = [
        str(p.relative_to(SRC))
        for p in storages.rglob("*.py")
        if p.name not in ("_factory.py", "__init__.py")
        and "skipjack.storages._factory" in _imports(p)
    ]
    assert offenders == []
    assert "skipjack.storages._factory" not in _imports(storages / "_url.py")


def test_samplers_and_pruners_type_against_the_protocol() -> None:
    from skipjack._study_protocol import ReadOnlyStudy

    users = [
        p for area in ("samplers", "pruners") for p in (SRC / area).rglob("*.py")
        if "skipjack._study_protocol" in _imports(p)
    ]
    assert len(users) > 20
    assert ReadOnlyStudy.__module__ == "skipjack._study_protocol"

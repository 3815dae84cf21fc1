"""Optuna's storage names and keywords: the current ones, Optuna 4's, and the deprecated journal ones."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

import skipjack
import skipjack.storages as st
from skipjack.exceptions import ExperimentalWarning
from skipjack.storages import RDBStorage, RetryFailedTrialCallback, RetryHeartbeatStaleTrialCallback
from skipjack.storages._heartbeat import fail_stale_trials
from skipjack.storages.journal import (
    BaseJournalBackend,
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
    JournalRedisBackend,
    JournalStorage,
)
from skipjack.trial import TrialState


def test_retry_callback_names() -> None:
    assert RetryFailedTrialCallback is RetryHeartbeatStaleTrialCallback
    with pytest.raises(ValueError, match="RetryHeartbeatStaleTrialCallback"):
        RetryHeartbeatStaleTrialCallback(max_retry=-1)


def _stale_storage(tmp_path: Path, **kwargs: Any) -> RDBStorage:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return RDBStorage(f"sqlite:///{tmp_path}/s.db", heartbeat_interval=1, grace_period=1,
                          **kwargs)


@pytest.mark.parametrize("keyword", ["heartbeat_stale_trial_callback", "failed_trial_callback"])
def test_stale_trial_callback_keyword_and_attribute(tmp_path: Path, keyword: str) -> None:
    seen: list[int] = []
    storage = _stale_storage(tmp_path, **{keyword: lambda study, trial: seen.append(trial.number)})
    assert storage.heartbeat_stale_trial_callback is storage.failed_trial_callback
    assert storage.get_heartbeat_stale_trial_callback() is storage.get_failed_trial_callback()
    study = skipjack.create_study(storage=storage)
    trial_id = storage.create_new_trial(study._study_id)
    storage.record_heartbeat(trial_id)
    # Replacing the callback by attribute (as Optuna's tests do) is honoured.
    other: list[int] = []
    storage.heartbeat_stale_trial_callback = lambda study, trial: other.append(trial.number)
    import time

    time.sleep(2.2)
    fail_stale_trials(study)
    assert storage.get_trial(trial_id).state == TrialState.FAIL
    assert (seen, other) == ([], [0])


def test_both_callback_keywords_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        _stale_storage(tmp_path, heartbeat_stale_trial_callback=print, failed_trial_callback=print)


def test_heartbeat_interval_is_experimental(tmp_path: Path) -> None:
    with pytest.warns(ExperimentalWarning, match="heartbeat_interval"):
        RDBStorage(f"sqlite:///{tmp_path}/h.db", heartbeat_interval=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExperimentalWarning)
        RDBStorage(f"sqlite:///{tmp_path}/h.db")


def test_engine_and_engine_kwargs(tmp_path: Path) -> None:
    storage = RDBStorage("sqlite:///:memory:", engine_kwargs={"pool_size": 5, "max_overflow": 2})
    assert storage.engine.dialect.name == "sqlite"
    study = skipjack.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert len(study.trials) == 3
    storage.engine.dispose()
    file_storage = RDBStorage(f"sqlite:///{tmp_path}/e.db", engine_kwargs={"pool_size": 3})
    assert file_storage.engine.pool.size() == 3  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="no_such_option"):
        RDBStorage(f"sqlite:///{tmp_path}/e.db", engine_kwargs={"no_such_option": 1})


@pytest.mark.parametrize(("url", "given", "expected"), [
    ("mysql://localhost", {}, True),
    ("mysql+pymysql://localhost", {"pool_pre_ping": False}, False),
    ("mariadb://localhost", {"pool_size": 5}, True),
    ("sqlite:///x.db", {}, None),
    ("postgresql://localhost/db", {}, None),
])
def test_default_engine_kwargs_for_mysql(url: str, given: dict[str, Any],
                                         expected: bool | None) -> None:
    kwargs = dict(given)
    RDBStorage._set_default_engine_kwargs_for_mysql(url, kwargs)
    assert kwargs.get("pool_pre_ping") is expected


def test_deprecated_journal_names_warn_and_work(tmp_path: Path) -> None:
    path = str(tmp_path / "j.log")
    with pytest.warns(FutureWarning, match="JournalFileBackend"):
        backend = st.JournalFileStorage(path)
    assert isinstance(backend, JournalFileBackend)
    study = skipjack.create_study(storage=JournalStorage(backend))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(skipjack.load_study(study_name=study.study_name,
                                   storage=JournalStorage(JournalFileBackend(path))).trials) == 2
    with pytest.warns(FutureWarning, match="JournalRedisBackend"):
        redis_backend = st.JournalRedisStorage("redis://127.0.0.1:6379", prefix="names-test")
    assert isinstance(redis_backend, JournalRedisBackend)
    for old, new in ((st.JournalFileOpenLock, JournalFileOpenLock),
                     (st.JournalFileSymlinkLock, JournalFileSymlinkLock)):
        with pytest.warns(FutureWarning, match=new.__name__):
            lock = old(filepath=str(tmp_path / f"{new.__name__}.log"))
        assert isinstance(lock, new)
        assert lock.acquire()
        lock.release()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        JournalFileOpenLock(str(tmp_path / "quiet.log"))


def test_deprecated_base_class_warns_for_subclasses() -> None:
    class Backend(st.BaseJournalLogStorage):
        def __init__(self) -> None:
            super().__init__()
            self.logs: list[dict[str, Any]] = []

        def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
            return self.logs[log_number_from:]

        def append_logs(self, logs: list[dict[str, Any]]) -> None:
            self.logs.extend(logs)

    with pytest.warns(FutureWarning, match="BaseJournalBackend"):
        backend = Backend()
    assert isinstance(backend, BaseJournalBackend)
    study = skipjack.create_study(storage=JournalStorage(backend))
    study.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2


def test_deprecated_names_only_in_storages() -> None:
    import skipjack.storages.journal as journal

    for name in ("JournalFileStorage", "JournalRedisStorage", "BaseJournalLogStorage"):
        assert name in st.__all__
        with pytest.raises(AttributeError):
            getattr(journal, name)


def test_missing_driver_is_an_import_error_naming_the_fix() -> None:
    pytest.importorskip("sqlalchemy")
    try:
        import pg8000  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pg8000 is installed: no missing driver to try")
    with pytest.raises(ImportError, match="Failed to import DB access module.*skipjack\\[postgresql\\]"):
        RDBStorage("postgresql+pg8000://user:pw@127.0.0.1:1/db")

"""optimize(executor=...) and the `skipjack worker` CLI against real persistent storages."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import skipjack
from skipjack.trial import TrialState
from tests.distributed import objectives

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    pytest.importorskip("sqlalchemy")
    if not (ROOT / "src/skipjack/storages/_rdb/storage.py").exists():
        pytest.skip("RDBStorage is not built yet")
    return f"sqlite:///{tmp_path / 'exec.db'}"


def _finished_numbers(study: skipjack.Study) -> list[int]:
    return sorted(t.number for t in study.get_trials(deepcopy=False) if t.state.is_finished())


def test_in_memory_storage_is_rejected_with_advice() -> None:
    study = skipjack.create_study()
    with ProcessPoolExecutor(1) as pool:
        with pytest.raises(ValueError, match="persistent storage"):
            study.optimize(objectives.quadratic, n_trials=1, executor=pool)


def test_process_pool_executor(sqlite_url: str) -> None:
    study = skipjack.create_study(storage=sqlite_url, study_name="pool")
    seen: list[int] = []
    with ProcessPoolExecutor(2) as pool:
        study.optimize(objectives.slow_quadratic, n_trials=24, executor=pool,
                       callbacks=[lambda s, t: seen.append(t.number)])
    assert _finished_numbers(study) == list(range(24))
    assert sorted(seen) == list(range(24))
    assert all(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))


def test_executor_reraises_objective_error(sqlite_url: str) -> None:
    study = skipjack.create_study(storage=sqlite_url, study_name="err")
    with ProcessPoolExecutor(2) as pool:
        with pytest.raises(ValueError, match="objective broke"):
            study.optimize(objectives.failing_after_three, n_trials=20, executor=pool)
    states = [t.state for t in study.get_trials(deepcopy=False)]
    assert TrialState.FAIL in states and TrialState.RUNNING not in states


def test_dask_local_cluster(sqlite_url: str) -> None:
    distributed = pytest.importorskip("distributed")
    study = skipjack.create_study(storage=sqlite_url, study_name="dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            study.optimize(objectives.quadratic, n_trials=16, executor=client.get_executor())
    assert _finished_numbers(study) == list(range(16))


def test_worker_cli_processes_share_a_study(sqlite_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               SKIPJACK_STORAGE=sqlite_url)
    skipjack.create_study(storage=sqlite_url, study_name="cli")
    cmd = [sys.executable, "-m", "skipjack.cli", "worker", "--study", "cli",
           "--objective", "tests.distributed.objectives:quadratic", "--n-trials", "10"]
    procs = [subprocess.Popen(cmd, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    study = skipjack.load_study(study_name="cli", storage=sqlite_url)
    assert _finished_numbers(study) == list(range(30))


def test_worker_cli_bad_objective_says_what_to_do(sqlite_url: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "skipjack.cli", "worker", "--storage", sqlite_url, "--study", "x",
         "--objective", "no_colon_here"], capture_output=True, text=True,
    )
    assert out.returncode == 2 and "module:function" in out.stderr


def test_worker_cli_failure_breaker_stops_and_says_why(sqlite_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, "-m", "skipjack.cli", "worker", "--storage", sqlite_url, "--study", "brk",
         "--direction", "minimize", "--objective", "tests.distributed.objectives:fails_from_trial_five",
         "--n-trials", "100", "--catch-all", "--max-failure-rate", "0.5", "--failure-window", "6"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    study = skipjack.load_study(study_name="brk", storage=sqlite_url)
    assert len(study.trials) < 20
    reason = study._storage.get_study_system_attrs(study._study_id)["skipjack:stop_reason"]
    assert reason["callback"] == "FailureRateBreaker" and "ConnectionError" in reason["reason"]


@pytest.mark.usefixtures("spawn_isolation")
def test_executor_applies_trial_timeout(sqlite_url: str) -> None:
    study = skipjack.create_study(storage=sqlite_url, study_name="limits")
    with ProcessPoolExecutor(2) as pool:
        study.optimize(objectives.hangs_on_trial_two, n_trials=6, executor=pool, trial_timeout=5)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 6
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(failed) == 1 and "timed out" in failed[0].system_attrs["fail_reason"]

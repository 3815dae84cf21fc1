"""The study exporter (``skipjack metrics``): scrapes parse and match the storage's counts."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

prometheus_client = pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

import skipjack  # noqa: E402
from skipjack._records import TrialState  # noqa: E402
from skipjack.cli import main as cli_main  # noqa: E402
from skipjack.observability import StudyExporter, serve_exporter  # noqa: E402
from tests.ops._build import T0, record  # noqa: E402

def _scrape(storage, **kwargs) -> dict:
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(StudyExporter(storage, **kwargs))
    text = prometheus_client.generate_latest(registry).decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def _value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def _storage_counts(storage, study_name):
    study_id = storage.get_study_id_from_name(study_name)
    return {s: storage.get_n_trials(study_id, s) for s in TrialState}


def _assert_scrape_matches(samples, storage, study_name):
    counts = _storage_counts(storage, study_name)
    for state, n in counts.items():
        assert _value(samples, "skipjack_study_trials", study=study_name, state=state.name) == n
    finished = counts[TrialState.COMPLETE] + counts[TrialState.PRUNED] + counts[TrialState.FAIL]
    assert _value(samples, "skipjack_study_trials_finished_total", study=study_name) == finished
    assert _value(samples, "skipjack_study_running_trials", study=study_name) == counts[
        TrialState.RUNNING]
    assert _value(samples, "skipjack_study_trial_duration_seconds_count",
                  study=study_name) == finished


def _objective(trial):
    x = trial.suggest_float("x", -1.0, 1.0)
    time.sleep(0.002)
    if x > 0.8:
        raise ValueError("x too large")
    return x * x


def test_scrapes_during_a_threaded_run_parse_and_match_the_storage():
    storage = skipjack.storages.InMemoryStorage()
    study = skipjack.create_study(storage=storage, study_name="threads")
    scrapes = []
    done = threading.Event()

    def scraper():
        while not done.is_set():
            scrapes.append(_scrape(storage))
            time.sleep(0.01)

    thread = threading.Thread(target=scraper)
    thread.start()
    study.optimize(_objective, n_trials=200, n_jobs=4, catch=ValueError)
    done.set()
    thread.join()
    assert len(scrapes) >= 2
    previous = -1.0
    for samples in scrapes:  # consistent snapshots: totals never go down, never exceed the run
        total = sum(_value(samples, "skipjack_study_trials", study="threads", state=s.name)
                    for s in TrialState)
        finished = _value(samples, "skipjack_study_trials_finished_total", study="threads")
        assert previous <= finished <= total <= 200
        previous = finished
    _assert_scrape_matches(_scrape(storage), storage, "threads")


def test_figures_on_a_hand_built_study():
    storage = skipjack.storages.InMemoryStorage()
    study = skipjack.create_study(storage=storage, study_name="hand", direction="maximize")
    values = [1.0, 3.0, 2.0, 5.0, 4.0, 4.5]  # best 5.0 at trial 3, then two more finished
    for i, v in enumerate(values):
        study.add_trial(record(value=v, x=v, start=10 * i, end=10 * i + 2 * (i + 1)))
    study.add_trial(record(
        state=TrialState.FAIL, start=0, end=100,
        system_attrs={"fail_reason": "Trial failed: its heartbeat stopped (worker died?)."},
    ))
    study.enqueue_trial({"x": 1.0})
    now = T0 + datetime.timedelta(seconds=60)
    samples = _scrape(storage, window=30.0, now=lambda: now)
    assert _value(samples, "skipjack_study_best_value", study="hand") == 5.0
    assert _value(samples, "skipjack_study_trials_since_improvement", study="hand") == 3
    assert _value(samples, "skipjack_study_waiting_trials", study="hand") == 1
    assert _value(samples, "skipjack_study_stale_trials_failed_total", study="hand") == 1
    # completed after now-30 s = t0+30 s: trials 3 (t0+38), 4 (t0+50), 5 (t0+62 is after
    # 'now' but still counted as recent) and the failed one (t0+100).
    assert _value(samples, "skipjack_study_trials_finished_per_second", study="hand") == 4 / 30
    durations = [2 * (i + 1) for i in range(6)] + [100]
    assert _value(samples, "skipjack_study_trial_duration_seconds_sum",
                  study="hand") == pytest.approx(sum(durations))
    assert _value(samples, "skipjack_study_trial_duration_seconds_bucket", study="hand",
                  le="10.0") == sum(1 for d in durations if d <= 10)


def test_http_server_and_cli_once(capsys):
    storage = skipjack.storages.InMemoryStorage()
    study = skipjack.create_study(storage=storage, study_name="http")
    study.optimize(_objective, n_trials=20, catch=ValueError)
    server, _ = serve_exporter(storage, port=0, addr="127.0.0.1")
    try:
        text = urllib.request.urlopen(
            f"http://127.0.0.1:{server.server_port}/metrics", timeout=10).read().decode()
    finally:
        server.shutdown()
    names = {f.name for f in text_string_to_metric_families(text)}
    assert {"skipjack_study_trials", "skipjack_study_trial_duration_seconds"} <= names


def test_cli_once_prints_a_scrape(tmp_path, capsys):
    pytest.importorskip("sqlalchemy")
    try:
        import skipjack.storages._rdb.storage  # noqa: F401
    except ImportError:
        pytest.skip("RDBStorage (skipjack.storages._rdb) is not available yet")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    study = skipjack.create_study(storage=url, study_name="cli")
    study.optimize(_objective, n_trials=10, catch=ValueError)
    assert cli_main(["metrics", "--storage", url, "--once"]) == 0
    text = capsys.readouterr().out
    total = sum(s.value for f in text_string_to_metric_families(text)
                if f.name == "skipjack_study_trials" for s in f.samples)
    assert total == 10


_WORKER = """
import sys, time
import skipjack
skipjack.logging.set_verbosity(skipjack.logging.WARNING)
study = skipjack.load_study(study_name=sys.argv[2], storage=sys.argv[1])
def objective(trial):
    x = trial.suggest_float("x", -1.0, 1.0)
    time.sleep(0.02)
    if x > 0.8:
        raise ValueError("x too large")
    return x * x
study.optimize(objective, n_trials=25, catch=ValueError)
"""


def test_four_process_postgresql_run_scrapes_match_the_storage():
    from tests.storages._rdb_servers import server_url

    url = server_url("postgresql")  # this test session's database: its scrapes see no other's
    name = f"ops-exporter-{uuid.uuid4().hex[:8]}"
    storage = skipjack.storages.get_storage(url)
    skipjack.create_study(storage=storage, study_name=name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, url, name], env=env)
             for _ in range(4)]
    scrapes = []
    try:
        while any(p.poll() is None for p in procs):
            scrapes.append(_scrape(url))
            time.sleep(0.2)
    finally:
        for p in procs:
            p.wait(timeout=120)
    assert all(p.returncode == 0 for p in procs)
    previous = -1.0
    for samples in scrapes:
        finished = _value(samples, "skipjack_study_trials_finished_total", study=name)
        assert previous <= finished <= 100
        previous = finished
    final = _scrape(url)
    _assert_scrape_matches(final, storage, name)
    assert _value(final, "skipjack_study_trials_finished_total", study=name) == 100
    skipjack.delete_study(study_name=name, storage=storage)

"""In-process worker metrics and JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import urllib.request

import pytest

prometheus_client = pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

import skipjack  # noqa: E402
from skipjack import observability  # noqa: E402
from skipjack.observability import TimedStorage  # noqa: E402


def _objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    if x > 0.7:
        raise ValueError("too big")
    return x


def _samples(registry):
    text = prometheus_client.generate_latest(registry).decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_worker_metrics_count_every_trial_in_a_user_registry():
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    observability.register_metrics(registry)
    study = skipjack.create_study(study_name="wm-registry")
    study.optimize(_objective, n_trials=30, catch=ValueError)
    samples = _samples(registry)
    states = [t.state.name for t in study.trials]
    for state in ("COMPLETE", "FAIL"):
        key = ("skipjack_worker_trials_total", (("state", state), ("study", "wm-registry")))
        assert samples[key] == states.count(state)
        objective = ("skipjack_objective_duration_seconds_count",
                     (("state", state), ("study", "wm-registry")))
        assert samples[objective] == states.count(state)
    for name in ("skipjack_ask_duration_seconds_count", "skipjack_tell_duration_seconds_count"):
        assert samples[(name, (("study", "wm-registry"),))] == 30
    # In-memory storage calls are not timed by default (plain dictionary operations).
    assert not isinstance(study._storage, TimedStorage)


def test_storage_latency_by_operation_when_asked():
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    observability.register_metrics(registry)
    observability.enable_metrics(time_storage=True)
    storage = skipjack.storages.InMemoryStorage()
    study = skipjack.create_study(storage=storage, study_name="wm-storage")
    assert isinstance(study._storage, TimedStorage) and study._storage.inner is storage
    before = _samples(registry).get(
        ("skipjack_storage_operation_duration_seconds_count",
         (("operation", "set_trial_param"),)), 0)
    study.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("b", 0, 1),
                   n_trials=10)
    after = _samples(registry)[("skipjack_storage_operation_duration_seconds_count",
                                (("operation", "set_trial_param"),))]
    assert after - before == 20
    assert len(storage.get_all_trials(storage.get_study_id_from_name("wm-storage"))) == 10


def test_instrument_attaches_to_an_existing_study_and_http_server_serves():
    study = skipjack.create_study(study_name="wm-http")
    assert study._hooks is None
    server, _ = observability.start_metrics_server(port=0, addr="127.0.0.1")
    try:
        observability.instrument(study)
        study.optimize(_objective, n_trials=5, catch=ValueError)
        text = urllib.request.urlopen(
            f"http://127.0.0.1:{server.server_port}/metrics", timeout=10).read().decode()
    finally:
        server.shutdown()
    counts = {s.labels.get("state"): s.value for f in text_string_to_metric_families(text)
              if f.name == "skipjack_worker_trials" for s in f.samples
              if s.labels.get("study") == "wm-http"}
    assert sum(counts.values()) == 5


def test_label_sets_are_bounded():
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    observability.register_metrics(registry)
    study = skipjack.create_study(study_name="wm-labels")
    study.optimize(_objective, n_trials=20, catch=ValueError)
    for (name, labels) in _samples(registry):
        assert {k for k, _ in labels} <= {"study", "state", "operation", "le"}, name


def test_json_logs_one_object_per_line():
    stream = io.StringIO()
    skipjack.logging.set_verbosity(skipjack.logging.INFO)  # one INFO line per finished trial
    observability.enable_json_logs()
    handler = skipjack.logging._default_handler
    old_stream = handler.setStream(stream)
    try:
        study = skipjack.create_study(study_name="json-logs")
        study.optimize(_objective, n_trials=10, catch=ValueError)
    finally:
        handler.setStream(old_stream)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    trial_lines = [line for line in lines if "trial" in line]
    assert [line["trial"] for line in trial_lines] == list(range(10))
    for line, trial in zip(trial_lines, study.trials):
        assert line["study"] == "json-logs"
        assert line["event"] == {"COMPLETE": "trial_complete", "FAIL": "trial_failed"}[
            trial.state.name]
        assert line["values"] == trial.values
        assert line["params"] == trial.params
        assert line["level"] == ("INFO" if trial.state.name == "COMPLETE" else "WARNING")
    failed = [line for line in trial_lines if line["event"] == "trial_failed"]
    assert failed and all("ValueError: too big" in line["exception"] for line in failed)
    observability.disable_json_logs()
    assert not isinstance(handler.formatter, skipjack.logging._JsonFormatter)
    record = logging.LogRecord("skipjack.x", logging.INFO, __file__, 1, "plain", None, None)
    assert handler.format(record).endswith("] plain")


def test_persistent_storage_is_timed_and_keeps_heartbeats(tmp_path):
    try:
        from skipjack.storages import RDBStorage
    except ImportError:
        pytest.skip("RDBStorage (skipjack.storages._rdb) is not available yet")
    from skipjack.storages._heartbeat import is_heartbeat_enabled

    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    observability.register_metrics(registry)
    storage = RDBStorage(f"sqlite:///{tmp_path / 'hb.db'}", heartbeat_interval=60)
    study = skipjack.create_study(storage=storage, study_name="wm-rdb")
    assert isinstance(study._storage, TimedStorage) and is_heartbeat_enabled(study._storage)
    study.optimize(_objective, n_trials=4, catch=ValueError)
    samples = _samples(registry)
    assert samples[("skipjack_storage_operation_duration_seconds_count",
                    (("operation", "record_heartbeat"),))] >= 4
    # trials start through the storage's own start_trial (timed as such): the RDB storage
    # creates each next trial inside the previous finish, not with create_new_trial
    assert samples[("skipjack_storage_operation_duration_seconds_count",
                    (("operation", "start_trial"),))] >= 4
    assert len(skipjack.load_study(study_name="wm-rdb", storage=storage).trials) == 4


def test_env_var_switches_logs_to_json_lines():
    import os
    import subprocess
    import sys

    code = ("import skipjack\n"
            "s = skipjack.create_study(study_name='env-json')\n"
            "s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=3)\n")
    env = dict(os.environ, SKIPJACK_LOG_FORMAT="json", PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines()]
    trial_lines = [line for line in lines if line.get("event") == "trial_complete"]
    assert [(line["study"], line["trial"]) for line in trial_lines] == [
        ("env-json", 0), ("env-json", 1), ("env-json", 2)]

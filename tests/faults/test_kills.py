"""SIGKILL of worker processes at random points (in ask, inside the objective, during tell, and
at random moments from outside), 8 workers per backend, killed workers restarted; the invariant
checker (``_harness.check``) reads the study afterwards and finds no violation."""

from __future__ import annotations

import importlib.util

import pytest

from tests.faults._harness import backend_spec, run_with_kills


def _write_behind_open() -> bool:
    # finding 2 of issue 16 (the rdb helper's fix removes the write-behind module)
    return importlib.util.find_spec("skipjack.storages._rdb._write_behind") is not None


def _mariadb_1467_open() -> bool:
    # finding 1 of issue 16: MariaDB's error 1467 is not yet retried as transient
    from skipjack.storages._rdb import _engine

    return 1467 not in getattr(_engine, "_TRANSIENT_MYSQL_CODES", ())


# Until the rdb helper's fix for finding 2 lands (it removes the RDB write-behind and the
# journal's write buffer in one change), a killed worker's last writes are lost on every
# backend: these runs fail, and must (strict). Once it lands the marks turn themselves off.
_RDB_XFAIL = pytest.mark.xfail(
    condition=_write_behind_open(), strict=True,
    reason="issue 16 finding 2: a killed trial's writes are lost (RDB write-behind, journal "
    "write buffer)",
)


@pytest.mark.parametrize("backend", [
    pytest.param("sqlite", marks=_RDB_XFAIL),
    pytest.param("postgresql", marks=_RDB_XFAIL),
    pytest.param("mysql", marks=[_RDB_XFAIL, pytest.mark.xfail(
        condition=not _write_behind_open() and _mariadb_1467_open(), strict=False,
        reason="issue 16 finding 1: MariaDB error 1467 under concurrent inserts")]),
    pytest.param("journal", marks=_RDB_XFAIL),
    pytest.param("redis", marks=_RDB_XFAIL),
])
def test_sigkilled_workers_lose_nothing(backend, tmp_path):
    spec = backend_spec(backend, tmp_path)
    figures, violations = run_with_kills(spec, tmp_path, f"kills-{backend}", seed=16)
    print("\n" + figures.line(f"kills/{backend}"))
    assert figures.kills >= 5, figures
    assert not violations, "\n".join(violations[:20])


@pytest.mark.xfail(strict=True, reason=(
    "new finding (issue 16 follow-up): a worker killed inside ask (sampler.before_trial, relative "
    "sampling) leaves its trial RUNNING forever: the first heartbeat is recorded after ask "
    "returns, and fail_stale_trials only fails trials that have a heartbeat"))
@pytest.mark.parametrize("backend", ["journal"])
def test_worker_killed_inside_ask_leaves_no_running_trial(backend, tmp_path):
    spec = backend_spec(backend, tmp_path)
    figures, violations = run_with_kills(spec, tmp_path, f"ask-{backend}", points=("ask",),
                                         outside_kills=0, trials_each=4, n_enqueued=0)
    print("\n" + figures.line(f"kill-in-ask/{backend}"))
    assert figures.kills == 1
    assert not violations, "\n".join(violations[:20])

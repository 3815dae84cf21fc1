"""SIGKILL of worker processes at random points (in ask, inside the objective, during tell, and
at random moments from outside), 8 workers per backend, killed workers restarted; the invariant
checker (``_harness.check``) reads the study afterwards and finds no violation."""

from __future__ import annotations

import pytest

from tests.faults._harness import backend_spec, run_with_kills


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql", "journal", "redis"])
def test_sigkilled_workers_lose_nothing(backend, tmp_path):
    spec = backend_spec(backend, tmp_path)
    figures, violations = run_with_kills(spec, tmp_path, f"kills-{backend}", seed=16)
    print("\n" + figures.line(f"kills/{backend}"))
    assert figures.kills >= 4, figures  # 3 self-kills + at least one from outside
    assert not violations, "\n".join(violations[:20])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql", "journal", "redis"])
def test_worker_killed_inside_ask_leaves_no_running_trial(backend, tmp_path):
    """A worker killed inside ``ask`` (in the sampler's ``before_trial``) after the storage
    started its trial: the trial has its first heartbeat already, so it is failed and retried."""
    spec = backend_spec(backend, tmp_path)
    figures, violations = run_with_kills(spec, tmp_path, f"ask-{backend}", points=("ask",),
                                         outside_kills=0, trials_each=4, n_enqueued=0)
    print("\n" + figures.line(f"kill-in-ask/{backend}"))
    assert figures.kills == 1
    assert not violations, "\n".join(violations[:20])

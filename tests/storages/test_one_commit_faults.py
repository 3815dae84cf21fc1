"""One durable commit per trial, under SIGKILL: the optimize loop starts each next trial inside the
previous trial's finishing transaction (see docs/storage.md, "One commit per trial"), and workers
killed at every point of that path lose nothing and run nothing twice.

8 worker processes share a study on the real PostgreSQL and MariaDB servers (heartbeats on, a retry
callback), with 4 enqueued trials. Five of them kill themselves at a fixed point of a random trial:
inside ``ask``, inside the objective, inside the finishing transaction before the next number is
taken, right before its ``COMMIT``, right after it; the test kills others at random moments. Every
killed worker is restarted once. After the grace period a sweeper fails stale trials and runs what
waits; then the fault suite's invariant checker (``tests.faults._harness.check``: numbers 0..N-1
once each, nothing RUNNING or WAITING, every logged parameter, report and result present, each
enqueued trial run once) and one more check: no trial number was handed to two workers.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults._harness import ROOT, Figures, _env, backend_spec, check, count_trials, \
    create, read_logs, sweep

N_WORKERS = 8
POINTS = ("ask", "objective", "mid_tell", "before_commit", "after_commit")


def _start(spec: dict[str, Any], log: Path, n_trials: int, kill: dict[str, Any] | None) -> Any:
    full = {**spec, "log": str(log), "n_trials": n_trials, "kill": kill}
    return subprocess.Popen([sys.executable, "-m", "tests.storages._one_commit_worker",
                             json.dumps(full)], cwd=ROOT, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _run(spec: dict[str, Any], tmp: Path, name: str, seed: int, trials_each: int = 12,
         outside_kills: int = 3, budget: float = 600.0) -> tuple[Figures, list[str]]:
    rng = random.Random(seed)
    create(spec, name, n_enqueued=4)
    spec = {**spec, "study": name}
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    procs: list[Any] = []
    for i in range(N_WORKERS):
        kill = ({"at": POINTS[i], "after": rng.randint(2, 6)} if i < len(POINTS) else None)
        procs.append(_start(spec, logs / f"w{i}.jsonl", trials_each, kill))
    figures = Figures(runs=1)
    restarted: set[int] = set()
    errors: list[str] = []
    deadline = time.monotonic() + budget
    next_kill = time.monotonic() + rng.uniform(1.0, 3.0)
    kills_left = outside_kills
    while time.monotonic() < deadline:
        for i, p in enumerate(list(procs)):
            code = p.poll()
            if code is None or i in restarted:
                continue
            restarted.add(i)
            if code == -signal.SIGKILL:
                figures.kills += 1
                figures.restarts += 1
                procs.append(_start(spec, logs / f"w{i}-restart.jsonl", trials_each // 2, None))
            elif code != 0:
                errors.append(f"worker {i} exited with {code}: {p.stderr.read()[-2000:]}")
        alive = [i for i in range(len(POINTS), N_WORKERS)  # the workers that do not kill
                 if procs[i].poll() is None]                 # themselves, once each
        if kills_left and alive and time.monotonic() >= next_kill:
            procs[rng.choice(alive)].send_signal(signal.SIGKILL)
            kills_left -= 1
            next_kill = time.monotonic() + rng.uniform(0.2, 1.0)
        if all(p.poll() is not None for p in procs) and all(
                i in restarted for i, p in enumerate(procs) if p.returncode == -signal.SIGKILL):
            break
        time.sleep(0.02)
    for i, p in enumerate(procs):
        if p.poll() is None:
            p.kill()
            errors.append(f"worker {i} still running after {budget:.0f} s")
        elif p.returncode not in (0, -signal.SIGKILL):
            if i not in restarted:
                errors.append(f"worker {i} exited with {p.returncode}: "
                              f"{p.stderr.read()[-2000:]}")
    sweep(spec)
    violations = check(spec, name, logs)
    handed: dict[int, set[int]] = {}
    for rec in read_logs(logs):
        if rec["kind"] == "ask":
            handed.setdefault(rec["n"], set()).add(rec["pid"])
    for number, pids in sorted(handed.items()):
        if len(pids) > 1:
            violations.append(f"trial {number} was handed to {len(pids)} workers: {sorted(pids)}")
    figures.violations = len(violations) + len(errors)
    figures.trials = count_trials(spec, name)
    return figures, errors + violations


# Open bug (issue 16): on PostgreSQL a retry copy is sometimes run with freshly sampled parameters
# instead of the killed trial's ("retry 22 of killed trial 14 has x=0.86, the killed trial had
# 1.83"), seen in about 1 run of 3 under load; the taking side (the one-commit claim of a WAITING
# copy) is the suspect. Not strict: the run passes when the race does not happen.
@pytest.mark.parametrize("backend", [
    pytest.param("postgresql", marks=pytest.mark.xfail(
        strict=False, reason="open: a retry copy taken by the one-commit loop may be run with "
                             "new parameters (issue 16)")),
    "mysql",
])
def test_killed_workers_of_the_one_commit_loop_lose_nothing(backend, tmp_path):
    spec = backend_spec(backend, tmp_path)
    figures, violations = _run(spec, tmp_path, f"one-commit-{backend}", seed=17)
    print("\n" + figures.line(f"one-commit-kills/{backend}"))
    assert figures.kills >= len(POINTS) + 1, figures  # every self-kill point, and from outside
    assert not violations, "\n".join(violations[:20])

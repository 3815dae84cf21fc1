"""The fault suite's harness: backends, a run of 8 worker processes with SIGKILLs and restarts,
and the invariant checker that reads the study afterwards.

Invariants (each breach is one violation, described in words):

1. trial numbers are 0..N-1, each once;
2. no trial is RUNNING (or WAITING) once the grace period has passed and the sweeper ran;
3. every COMPLETE trial has values;
4. every parameter, report and finished value a worker logged as written (the call returned) is
   in the study, with that value;
5. each enqueued trial ran once (one trial holds its fixed parameters, apart from retry copies);
6. each killed trial (FAIL with the heartbeat check's fail_reason) was retried, and the retry
   holds the parameters the killed trial had written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
N_WORKERS = 8


@dataclasses.dataclass
class Figures:
    runs: int = 0
    kills: int = 0
    restarts: int = 0
    trials: int = 0
    violations: int = 0

    def line(self, label: str) -> str:
        return (f"fault-figures {label}: runs={self.runs} kills={self.kills} "
                f"restarts={self.restarts} trials={self.trials} violations={self.violations}")


def backend_spec(backend: str, tmp: Path) -> dict[str, Any]:
    """The worker spec (without study/log) of ``backend``; fails or skips without its server."""
    tag = uuid.uuid4().hex[:10]
    if backend == "sqlite":
        return {"backend": "sqlite", "url": f"sqlite:///{tmp / 'faults.db'}"}
    if backend == "journal":
        return {"backend": "journal", "path": str(tmp / "faults.log")}
    if backend == "redis":
        from tests.storages.test_journal import _redis_client

        _redis_client()
        return {"backend": "redis", "url": "redis://127.0.0.1:6379", "prefix": f"faults-{tag}"}
    from tests.storages._rdb_servers import empty_database, server_url

    url = server_url(backend, f"skipjack_faults_{os.getpid()}")
    empty_database(url)
    return {"backend": backend, "url": url}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def start_worker(spec: dict[str, Any], log: Path, n_trials: int, **extra: Any) -> Any:
    full = {**spec, "log": str(log), "n_trials": n_trials, **extra}
    return subprocess.Popen([sys.executable, "-m", "tests.faults._worker", json.dumps(full)],
                            cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def create(spec: dict[str, Any], name: str, n_enqueued: int) -> None:
    import skipjack
    from tests.faults._worker import open_storage

    study = skipjack.create_study(storage=open_storage(spec), study_name=name)
    for i in range(n_enqueued):
        study.enqueue_trial({"x": float(i) / 2, "k": i})


def _in_objective(log: Path) -> bool:
    """Whether the worker writing ``log`` is inside its objective (its last line is a report
    before the last step: it is sleeping between reports)."""
    try:
        lines = log.read_text().splitlines()
        last = json.loads(lines[-1]) if lines else {}
    except (OSError, json.JSONDecodeError):
        return False
    return last.get("kind") == "report" and last.get("step") in (0, 1)


def run_with_kills(spec: dict[str, Any], tmp: Path, name: str, *, trials_each: int = 6,
                   outside_kills: int = 3, n_enqueued: int = 4, seed: int = 0,
                   points: tuple[str, ...] = ("objective", "tell", "objective"),
                   budget: float = 150.0) -> tuple[Figures, list[str]]:
    """8 workers on one study; ``len(points)`` of them kill themselves (at those points: "ask",
    "objective" or "tell", in their 2nd, 3rd... trial), ``outside_kills`` SIGKILLs from the test
    land inside the objective of a random worker; every killed worker is restarted once. Then
    the sweeper finishes what is left and the checker reads the study."""
    rng = random.Random(seed)
    create(spec, name, n_enqueued)
    figures = Figures(runs=1)
    spec = {**spec, "study": name}
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    procs = []
    paths = []
    for i in range(N_WORKERS):
        extra = {"kill_at": points[i], "kill_after": 2 + i} if i < len(points) else {}
        paths.append(logs / f"w{i}.jsonl")
        procs.append(start_worker(spec, paths[-1], trials_each, **extra))
    deadline = time.monotonic() + budget
    kills_left = outside_kills
    restarted: set[int] = set()
    errors: list[str] = []
    # The first outside kill lands a random moment after a worker first runs its objective (a
    # fixed delay from the start let a fast backend finish before any kill landed).
    next_kill: float | None = None
    while time.monotonic() < deadline:
        alive = [i for i, p in enumerate(procs) if p.poll() is None]
        for i, p in enumerate(procs):
            code = p.poll()
            if code is None or i in restarted:
                continue
            if code == -signal.SIGKILL:
                figures.kills += 1
                restarted.add(i)
                figures.restarts += 1
                paths.append(logs / f"w{i}-restart.jsonl")
                procs.append(start_worker(spec, paths[-1], trials_each // 2))
            elif code != 0:
                errors.append(f"worker {i} exited with {code}: {p.stderr.read()[-2000:]}")
                restarted.add(i)
        if kills_left and alive and (next_kill is None or time.monotonic() >= next_kill):
            victims = [i for i in alive if i not in restarted and _in_objective(paths[i])]
            if victims and next_kill is None:
                next_kill = time.monotonic() + rng.uniform(0.0, 1.0)
            elif victims:
                procs[rng.choice(victims)].send_signal(signal.SIGKILL)
                kills_left -= 1
                next_kill = time.monotonic() + rng.uniform(0.3, 1.5)
        if not alive and all(i in restarted or p.poll() == 0 for i, p in enumerate(procs)):
            break
        time.sleep(0.05)
    for i, p in enumerate(procs):
        if p.poll() is None:
            p.kill()
            errors.append(f"worker {i} still running after {budget:.0f} s")
        elif p.returncode not in (0, -signal.SIGKILL) and i >= N_WORKERS:
            errors.append(f"restarted worker {i} exited with {p.returncode}: "
                          f"{p.stderr.read()[-2000:]}")
    sweep(spec)
    violations = check(spec, name, logs)
    figures.violations = len(violations) + len(errors)
    figures.trials = count_trials(spec, name)
    return figures, errors + violations


def sweep(spec: dict[str, Any]) -> None:
    """After the grace period: fail stale trials (retry copies get enqueued) and run every
    waiting trial, as a surviving worker would."""
    import skipjack
    from skipjack._records import TrialState
    from tests.faults._worker import GRACE_PERIOD, open_storage

    time.sleep(GRACE_PERIOD + 1.5)
    storage = open_storage(spec)
    study = skipjack.load_study(study_name=spec["study"], storage=storage)
    for _ in range(20):
        waiting = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if not waiting and not running:
            return
        if running and not waiting:
            time.sleep(1.0)
        study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2 + t.suggest_int("k", 0, 9),
                       n_trials=max(1, len(waiting)))


def count_trials(spec: dict[str, Any], name: str) -> int:
    import skipjack
    from tests.faults._worker import open_storage

    return len(skipjack.load_study(study_name=name, storage=open_storage(spec)).trials)


def read_logs(logs: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(logs.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # the last line of a killed worker may be torn
                continue
    return records


def check(spec: dict[str, Any], name: str, logs: Path | None) -> list[str]:
    """The invariant checker: one message per violation."""
    import skipjack
    from skipjack._records import TrialState
    from tests.faults._worker import open_storage

    trials = skipjack.load_study(study_name=name, storage=open_storage(spec)).trials
    out: list[str] = []
    numbers = [t.number for t in trials]
    if sorted(numbers) != list(range(len(trials))):
        out.append(f"trial numbers are not 0..{len(trials) - 1} once each: {sorted(numbers)}")
    by_number = {t.number: t for t in trials}
    for t in trials:
        if t.state in (TrialState.RUNNING, TrialState.WAITING):
            out.append(f"trial {t.number} is still {t.state.name} after the grace period "
                       f"(params {t.params}, reports {t.intermediate_values}, started "
                       f"{t.datetime_start})")
        if t.state == TrialState.COMPLETE and not t.values:
            out.append(f"COMPLETE trial {t.number} has no values")
    logged_params: dict[int, dict[str, Any]] = {}
    for rec in read_logs(logs) if logs is not None else []:
        if rec["kind"] == "param":
            logged_params.setdefault(rec["n"], {})[rec["name"]] = rec["value"]
        t = by_number.get(rec.get("n", -1))
        kind = rec["kind"]
        if kind in ("param", "report", "complete") and t is None:
            out.append(f"trial {rec['n']} was written ({kind}) but is not in the study")
        elif kind == "param" and t.params.get(rec["name"]) != rec["value"]:
            out.append(f"trial {t.number}: parameter {rec['name']}={rec['value']!r} was written, "
                       f"the study has {t.params.get(rec['name'])!r}")
        elif kind == "report" and t.intermediate_values.get(rec["step"]) != rec["value"]:
            out.append(f"trial {t.number}: report step {rec['step']}={rec['value']!r} was "
                       f"written, the study has {t.intermediate_values.get(rec['step'])!r}")
        elif kind == "complete" and (t.state != TrialState.COMPLETE or t.values != rec["values"]):
            out.append(f"trial {t.number} was told COMPLETE {rec['values']}, the study has "
                       f"{t.state.name} {t.values}")
    # 5. enqueued trials ran once (retry copies carry failed_trial)
    seen: dict[str, list[int]] = {}
    for t in trials:
        fixed = t.system_attrs.get("fixed_params")
        if fixed is not None and "failed_trial" not in t.system_attrs:
            seen.setdefault(json.dumps(fixed, sort_keys=True), []).append(t.number)
    for key, numbers_ in seen.items():
        if len(numbers_) != 1:
            out.append(f"enqueued parameters {key} ran as trials {numbers_}, not once")
    # 6. killed trials retried with their parameters
    retries: dict[int, list[Any]] = {}
    for t in trials:
        history = t.system_attrs.get("retry_history")
        if history:
            retries.setdefault(history[-1], []).append(t)
    for t in trials:
        if t.state != TrialState.FAIL or not str(t.system_attrs.get("fail_reason", "")).startswith(
                "Trial failed: its heartbeat stopped"):
            continue  # failed by its own worker (the objective raised), not killed
        copies = retries.get(t.number, [])
        if not copies:
            out.append(f"killed trial {t.number} was not retried")
            continue
        for key, value in {**logged_params.get(t.number, {}), **t.params}.items():
            if copies[0].params.get(key) != value:
                out.append(f"retry {copies[0].number} of killed trial {t.number} has "
                           f"{key}={copies[0].params.get(key)!r}, the killed trial had {value!r}")
    return out


def run_with_server_restart(spec: dict[str, Any], tmp: Path, name: str, restart: Any, *,
                            trials_each: int = 5, down_seconds: float = 3.0,
                            budget: float = 150.0) -> tuple[Figures, list[str]]:
    """8 workers on one study on a server of the test's own; ``restart(down_seconds)`` stops and
    starts that server while they run. Every worker must ride the outage out (exit 0)."""
    import threading

    create(spec, name, n_enqueued=2)
    spec = {**spec, "study": name}
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    procs = [start_worker({**spec, "step_seconds": 0.15}, logs / f"w{i}.jsonl", trials_each)
             for i in range(N_WORKERS)]
    figures = Figures(runs=1)

    def bounce() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            _in_objective(p) for p in logs.glob("*.jsonl")
        ):
            time.sleep(0.05)
        restart(down_seconds)
        figures.restarts += 1

    bouncer = threading.Thread(target=bounce)
    bouncer.start()
    errors: list[str] = []
    deadline = time.monotonic() + budget
    for i, p in enumerate(procs):
        try:
            p.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            errors.append(f"worker {i} still running after {budget:.0f} s")
            continue
        if p.returncode != 0:
            errors.append(f"worker {i} exited with {p.returncode}: {p.stderr.read()[-2000:]}")
    bouncer.join()
    sweep(spec)
    violations = check(spec, name, logs)
    figures.violations = len(violations) + len(errors)
    figures.trials = count_trials(spec, name)
    return figures, errors + violations

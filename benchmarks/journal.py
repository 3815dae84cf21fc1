"""Journal storage benchmark: per-trial overhead and multi-process throughput.

Two measurements, for skipjack's JournalStorage on a file and on Redis, side by side with Optuna's
journal (file, Redis) and Rustuna's journal file when the Python given with ``--anchor-python``
can import them:

- overhead: one process, a trivial objective over 2 floats, ``n`` trials; ms/trial over the first
  and the last 10% of trials (flat cost means last/first close to 1);
- throughput: 1, 2, 4, 8 worker processes each running ``--per-worker`` trials of one study;
  trials per second of wall time (first start to last end);
- snapshot: seconds to open a long journal file by full replay and from a snapshot.

Every run is a fresh subprocess. Redis runs use a unique key prefix and delete their keys.

    python benchmarks/journal.py                                   # everything, skipjack only
    python benchmarks/journal.py --anchor-python .benchenv/bin/python
    python benchmarks/journal.py --parts overhead --sizes 1000 --samplers random --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

__all__ = ["main"]

SRC = str(Path(__file__).resolve().parents[1] / "src")
REDIS_URL = "redis://127.0.0.1:6379"

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
mode, framework, backend, location, sampler_kind, n_trials, study_name = sys.argv[1:8]
n_trials = int(n_trials)
if framework == "skipjack":
    import skipjack as fw
    from skipjack.storages.journal import JournalFileBackend, JournalRedisBackend, JournalStorage
    if backend.startswith("file"):
        storage = JournalStorage(JournalFileBackend(location, fsync=backend == "file"))
    else:
        storage = JournalStorage(JournalRedisBackend("%(redis)s", prefix=location))
elif framework == "optuna":
    import optuna as fw
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalRedisBackend
    if backend == "file":
        storage = JournalStorage(JournalFileBackend(location))
    else:
        storage = JournalStorage(JournalRedisBackend("%(redis)s", prefix=location))
else:
    import rustuna as fw
    storage = fw.storages.JournalFileStorage(location)
if hasattr(fw, "logging") and hasattr(fw.logging, "set_verbosity"):
    fw.logging.set_verbosity(fw.logging.WARNING)
sampler = (fw.samplers.TPESampler(seed=None) if sampler_kind == "tpe"
           else fw.samplers.RandomSampler())
study = fw.create_study(study_name=study_name, storage=storage, sampler=sampler,
                        load_if_exists=True)
def objective(trial):
    return trial.suggest_float("x", -5, 5) ** 2 + trial.suggest_float("y", -5, 5) ** 2
if mode == "create":
    print(json.dumps({}))
    sys.exit(0)
stamps = []
start = time.time()
if framework == "rustuna":
    for _ in range(n_trials):
        study.optimize(objective, n_trials=1)
        stamps.append(time.perf_counter())
else:
    study.optimize(objective, n_trials=n_trials,
                   callbacks=[lambda s, t: stamps.append(time.perf_counter())])
end = time.time()
tenth = max(1, n_trials // 10)
first = (stamps[tenth] - stamps[0]) / tenth * 1000
last = (stamps[-1] - stamps[-1 - tenth]) / tenth * 1000
print(json.dumps({"start": start, "end": end, "first_ms": first, "last_ms": last}))
""" % {"redis": REDIS_URL}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(python: str, args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [python, "-c", CHILD, *args], stdout=subprocess.PIPE, text=True, env=_env()
    )


def _result(proc: subprocess.Popen[str]) -> dict[str, float] | None:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        return None
    return json.loads(out.strip().splitlines()[-1])


_counter = iter(range(10**9))


def _location(backend: str, tmp: str) -> str:
    if backend.startswith("file"):
        # short paths: on ext4 a symlink whose target exceeds 60 bytes costs a disk block per
        # create/delete, and Optuna's and Rustuna's symlink locks point to the journal's path
        return os.path.join(tmp, f"j{next(_counter)}.log")
    return f"bench-journal-{uuid.uuid4().hex}"


def _cleanup(backend: str, location: str) -> None:
    if backend != "redis":
        return
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{location}*", count=10_000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i : i + 1000])


def _importable(python: str, module: str) -> bool:
    return subprocess.run(
        [python, "-c", f"import {module}"], capture_output=True, env=_env()
    ).returncode == 0


def _frameworks(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(framework, backend, python) combinations that can run."""
    rows = [("skipjack", "file", sys.executable), ("skipjack", "file-nosync", sys.executable),
            ("skipjack", "redis", sys.executable)]
    anchor = args.anchor_python or sys.executable
    if _importable(anchor, "optuna"):
        rows += [("optuna", "file", anchor), ("optuna", "redis", anchor)]
    if _importable(anchor, "rustuna"):
        rows.append(("rustuna", "file", anchor))
    return [r for r in rows if r[1] in args.backends and r[0] in args.frameworks]


def overhead(args: argparse.Namespace, tmp: str) -> None:
    print("\n## Per-trial overhead (1 process, 2 floats, trivial objective)\n")
    print("| framework | backend | sampler | trials | ms/trial first 10% | last 10% | last/first |")
    print("|---|---|---|---:|---:|---:|---:|")
    for sampler in args.samplers:
        for n in args.sizes:
            for framework, backend, python in _frameworks(args):
                runs = []
                for _ in range(args.repeat):
                    location = _location(backend, tmp)
                    try:
                        runs.append(_result(_run(
                            python, ["run", framework, backend, location, sampler, str(n), "b"]
                        )))
                    finally:
                        _cleanup(backend, location)
                res = None
                if all(r is not None for r in runs):
                    res = {k: statistics.median(r[k] for r in runs)  # type: ignore[index]
                           for k in ("first_ms", "last_ms")}
                if res is None:
                    print(f"| {framework} | {backend} | {sampler} | {n} | failed | | |")
                    continue
                ratio = res["last_ms"] / res["first_ms"]
                print(
                    f"| {framework} | {backend} | {sampler} | {n} | {res['first_ms']:.2f} | "
                    f"{res['last_ms']:.2f} | {ratio:.2f} |",
                    flush=True,
                )


def throughput(args: argparse.Namespace, tmp: str) -> None:
    print(f"\n## Throughput (trials/s; {args.per_worker} trials per worker, 2 floats)\n")
    print("| framework | backend | sampler | " + " | ".join(f"{w} workers" for w in args.workers)
          + " |")
    print("|---|---|---|" + "---:|" * len(args.workers))
    for sampler in args.samplers:
        for framework, backend, python in _frameworks(args):
            cells = []
            for n_workers in args.workers:
                rates = []
                for _ in range(args.repeat):
                    location = _location(backend, tmp)
                    try:
                        base = [framework, backend, location, sampler, str(args.per_worker), "b"]
                        if _result(_run(python, ["create", *base])) is None:
                            break
                        procs = [_run(python, ["run", *base]) for _ in range(n_workers)]
                        results = [_result(p) for p in procs]
                    finally:
                        _cleanup(backend, location)
                    if any(r is None for r in results):
                        break
                    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
                    rates.append(n_workers * args.per_worker / wall)
                if len(rates) < args.repeat:
                    cells.append("failed")
                    continue
                cells.append(f"{statistics.median(rates):.0f}")
            print(f"| {framework} | {backend} | {sampler} | " + " | ".join(cells) + " |",
                  flush=True)


SNAPSHOT_CHILD = r"""
import json, os, sys, time
from skipjack.distributions import FloatDistribution, distribution_to_json
from skipjack.storages.journal import JournalFileBackend, JournalStorage
n, path = int(sys.argv[1]), sys.argv[2]
dist = distribution_to_json(FloatDistribution(-5, 5))
with open(path, "w") as f:
    f.write(json.dumps({"op_code": 0, "worker_id": "w", "study_name": "big", "directions": [1]})
            + "\n")
    for i in range(n):
        f.write(json.dumps({"op_code": 4, "worker_id": "w", "study_id": 0,
                            "datetime_start": "2026-01-01T00:00:00.000000+00:00"}) + "\n")
        for p in ("x", "y"):
            f.write(json.dumps({"op_code": 5, "worker_id": "w", "trial_id": i, "param_name": p,
                                "param_value_internal": i % 7 / 7, "distribution": dist}) + "\n")
        f.write(json.dumps({"op_code": 6, "worker_id": "w", "trial_id": i, "state": 1,
                            "values": [float(i)],
                            "datetime_complete": "2026-01-01T00:00:01.000000+00:00"}) + "\n")
t = time.perf_counter(); JournalStorage(JournalFileBackend(path), snapshot_interval=None)
full = time.perf_counter() - t
t = time.perf_counter(); JournalStorage(JournalFileBackend(path), snapshot_interval=1000)
write = time.perf_counter() - t - full
t = time.perf_counter(); s = JournalStorage(JournalFileBackend(path))
snap = time.perf_counter() - t
assert s._snapshot_base == 4 * n + 1
print(json.dumps({"full": full, "write": write, "snap": snap, "ops": 4 * n + 1}))
"""


def snapshot(args: argparse.Namespace, tmp: str) -> None:
    print("\n## Opening a long journal file (2 params per trial)\n")
    print("| trials | operations | full replay (s) | writing the snapshot (s) | from snapshot (s) |")
    print("|---:|---:|---:|---:|---:|")
    for n in args.snapshot_sizes:
        path = os.path.join(tmp, f"snap-{n}.log")
        proc = subprocess.run([sys.executable, "-c", SNAPSHOT_CHILD, str(n), path],
                              capture_output=True, text=True, env=_env())
        if proc.returncode != 0:
            print(f"| {n} | failed | | | |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {n} | {r['ops']} | {r['full']:.2f} | {r['write']:.2f} | {r['snap']:.2f} |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--anchor-python", default=None,
                        help="Python that imports optuna / rustuna (default: this one)")
    parser.add_argument("--parts", nargs="+", default=["overhead", "throughput", "snapshot"],
                        choices=["overhead", "throughput", "snapshot"])
    parser.add_argument("--snapshot-sizes", nargs="+", type=int, default=[10000, 100000])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--samplers", nargs="+", default=["random", "tpe"],
                        choices=["random", "tpe"])
    parser.add_argument("--backends", nargs="+", default=["file", "file-nosync", "redis"],
                        choices=["file", "file-nosync", "redis"],
                        help="file: appends made durable (fdatasync) as Optuna and Rustuna do; "
                        "file-nosync: skipjack's fsync=False")
    parser.add_argument("--frameworks", nargs="+", default=["skipjack", "optuna", "rustuna"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4, 8])
    parser.add_argument("--per-worker", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the median is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sjb-") as tmp:
        if "overhead" in args.parts:
            overhead(args, tmp)
        if "throughput" in args.parts:
            throughput(args, tmp)
        if "snapshot" in args.parts:
            snapshot(args, tmp)


if __name__ == "__main__":
    main()

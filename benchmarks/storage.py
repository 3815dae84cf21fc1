"""Storage benchmark: per-trial overhead and multi-process throughput, skipjack vs Optuna.

Two measurements, each per backend (SQLite file, PostgreSQL, MySQL/MariaDB, and skipjack's
journal file / Redis backends when they exist), Random sampler, 2 floats:

1. overhead: one process runs N trials (``--n-trials 1000,10000``); ms/trial over the first and
   the last 10% of the trials (a flat cost has last/first close to 1).
2. throughput: W worker processes (``--workers 1,2,4,8``) run ``--per-worker`` trials each on one
   study, with a trivial objective and with a 10 ms objective (``--objective-ms 0,10``); trials/s
   from the moment all workers are ready to the last finished trial.

Optuna's RDB storage runs side by side when ``optuna`` is importable in this Python
(``--no-optuna`` to skip). Servers: PostgreSQL and MariaDB on 127.0.0.1 (databases
``skipjack_bench`` are created and emptied by this script).

Examples::

    python benchmarks/storage.py --quick                        # small sizes, a few minutes
    python benchmarks/storage.py --n-trials 1000,10000 --backends sqlite,postgresql
    python benchmarks/storage.py --skip-overhead --workers 1,4 --per-worker 200
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MYSQL_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"
BENCH_DB = "skipjack_bench"
RDB = ("sqlite", "postgresql", "mysql")
# PostgreSQL with synchronous_commit=off for the benchmark's sessions (both libraries alike): the
# commit no longer waits for the WAL flush (see docs/storage.md, "Faster commits").
PG_ASYNC = "postgresql-async"
# journal-file-nofsync: skipjack's JournalFileBackend(fsync=False); appends are not flushed to disk
# (they survive a process crash, not a power loss). Optuna's file backend always flushes, so its
# column on that row is its ordinary (flushing) backend.
JOURNAL = ("journal-file", "journal-file-nofsync", "journal-redis")


def _server_url(backend: str) -> str:
    import sqlalchemy as sa

    admin = PG_ADMIN if backend == "postgresql" else MYSQL_ADMIN
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/" + BENCH_DB


def fresh_location(backend: str, workdir: str, tag: str) -> str:
    """A fresh, empty storage location (URL or file path) for one measurement."""
    if backend == "sqlite":
        return f"sqlite:///{os.path.join(workdir, tag + '.db')}"
    if backend in ("postgresql", "mysql"):
        return _server_url(backend)
    if backend == PG_ASYNC:
        return _server_url("postgresql") + "?options=-csynchronous_commit%3Doff"
    if backend in ("journal-file", "journal-file-nofsync"):
        return os.path.join(workdir, f"{tag}-{backend}.jsonl")
    if backend == "journal-redis":
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379")
        for key in client.scan_iter(f"skipjack-bench-{tag}*"):
            client.delete(key)
        return f"skipjack-bench-{tag}"
    raise ValueError(f"unknown backend {backend!r}")


def open_storage(impl: str, backend: str, location: str) -> Any:
    """Open the storage of ``impl`` ("skipjack" or "optuna") at ``location``."""
    if impl == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if backend.startswith("journal"):
            from optuna.storages.journal import JournalFileBackend, JournalStorage

            return JournalStorage(JournalFileBackend(location))
        return optuna.storages.RDBStorage(location)
    import skipjack

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    if backend in ("journal-file", "journal-file-nofsync"):
        from skipjack.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(location, fsync=backend == "journal-file"))
    if backend == "journal-redis":
        from skipjack.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(JournalRedisBackend("redis://127.0.0.1:6379", prefix=location))
    from skipjack.storages import RDBStorage

    return RDBStorage(location)


_BASELINE_SRC: list[str] = []  # --baseline-src: another skipjack checkout's src/, run as "baseline"


def _module(impl: str) -> Any:
    if impl == "optuna":
        import optuna

        return optuna
    if impl == "baseline" and _BASELINE_SRC and "skipjack" not in sys.modules:
        sys.path.insert(0, _BASELINE_SRC[0])  # a worker process: import the baseline's skipjack
    import skipjack

    return skipjack


def make_objective(objective_ms: float) -> Any:
    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        if objective_ms:
            time.sleep(objective_ms / 1000)
        return x * x + y * y

    return objective


def overhead(impl: str, backend: str, n_trials: int, workdir: str,
             sampler: str = "random") -> tuple[float, float]:
    """ms/trial over the first and the last 10% of ``n_trials`` trials in one process."""
    lib = _module(impl)
    location = fresh_location(backend, workdir, f"{impl}-oh-{n_trials}")
    storage = open_storage(impl, backend, location)
    study = lib.create_study(storage=storage, sampler=make_sampler(lib, sampler, seed=0))
    stamps: list[float] = []
    objective = make_objective(0)
    stamps.append(time.perf_counter())
    study.optimize(objective, n_trials=n_trials,
                   callbacks=[lambda s, t: stamps.append(time.perf_counter())])
    tenth = max(1, n_trials // 10)
    first = (stamps[tenth] - stamps[0]) / tenth * 1000
    last = (stamps[-1] - stamps[-1 - tenth]) / tenth * 1000
    return first, last


def make_sampler(lib: Any, name: str, seed: int | None = None) -> Any:
    """The sampler ``name`` ("random" or "tpe", Optuna 5's default TPE) of ``lib``."""
    if name == "tpe":
        return lib.samplers.TPESampler(seed=seed)
    return lib.samplers.RandomSampler(seed=seed)


def _worker(impl: str, backend: str, location: str, study_name: str, n: int, objective_ms: float,
            ready: Any, go: Any, sampler: str, baseline_src: list[str]) -> None:
    warnings.simplefilter("ignore")
    _BASELINE_SRC[:] = baseline_src
    lib = _module(impl)
    storage = open_storage(impl, backend, location)
    study = lib.load_study(study_name=study_name, storage=storage,
                           sampler=make_sampler(lib, sampler))
    ready.release()
    go.wait()
    study.optimize(make_objective(objective_ms), n_trials=n)


def throughput(impl: str, backend: str, workers: int, per_worker: int, objective_ms: float,
               workdir: str, sampler: str = "random") -> float:
    """Trials per second of ``workers`` processes sharing one study."""
    lib = _module(impl)
    location = fresh_location(backend, workdir, f"{impl}-tp-{workers}-{objective_ms}")
    storage = open_storage(impl, backend, location)
    lib.create_study(storage=storage, study_name="bench")
    del storage
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_worker, args=(impl, backend, location, "bench", per_worker,
                                                objective_ms, ready, go, sampler,
                                                list(_BASELINE_SRC)))
             for _ in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a {impl} worker on {backend} failed (exit {p.exitcode})")
    return workers * per_worker / (time.perf_counter() - start)


def _available(backend: str, impl: str) -> bool:
    if impl == "optuna" and backend == "journal-redis":
        return False
    if backend.startswith("journal") and impl == "skipjack":
        try:
            import skipjack.storages.journal  # noqa: F401
        except ImportError:
            return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(RDB + (PG_ASYNC,) + JOURNAL),
                        help="comma-separated: " + ",".join(RDB + (PG_ASYNC,) + JOURNAL))
    parser.add_argument("--n-trials", default="1000,10000", help="overhead sizes")
    parser.add_argument("--optuna-max-trials", type=int, default=1000,
                        help="largest overhead size run with Optuna (it is slow)")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--per-worker", type=int, default=250)
    parser.add_argument("--objective-ms", default="0,10")
    parser.add_argument("--sampler", choices=("random", "tpe"), default="random",
                        help="tpe: Optuna 5's default TPESampler in both libraries")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--baseline-src", default=None,
                        help="src/ folder of another skipjack checkout (e.g. a worktree of the "
                             "previous commit): its workers run as a 'baseline' column of the "
                             "throughput table, in the same run")
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: --n-trials 500 --workers 1,4 --per-worker 100")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_trials, args.workers, args.per_worker = "500", "1,4", 100
    impls = ["skipjack"]
    if not args.no_optuna:
        try:
            import optuna  # noqa: F401

            impls.append("optuna")
        except ImportError:
            print("# optuna is not importable here: skipjack only")
    if args.baseline_src:
        _BASELINE_SRC[:] = [os.path.abspath(args.baseline_src)]
    backends = [b for b in args.backends.split(",") if b]
    workdir = tempfile.mkdtemp(prefix="skipjack-storage-bench-")
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{args.sampler} sampler, 2 floats")
    if not args.skip_overhead:
        print("\n## Per-trial overhead (one process): ms/trial, first 10% -> last 10%\n")
        print("| backend | trials | skipjack first | skipjack last | last/first | optuna first "
              "| optuna last |")
        print("|---|---|---|---|---|---|---|")
        for backend in backends:
            for n in [int(v) for v in args.n_trials.split(",")]:
                row = [backend, str(n)]
                if _available(backend, "skipjack"):
                    f, last = overhead("skipjack", backend, n, workdir, args.sampler)
                    row += [f"{f:.2f}", f"{last:.2f}", f"{last / f:.2f}"]
                else:
                    row += ["-", "-", "-"]
                if "optuna" in impls and _available(backend, "optuna") \
                        and n <= args.optuna_max_trials:
                    f, last = overhead("optuna", backend, n, workdir, args.sampler)
                    row += [f"{f:.2f}", f"{last:.2f}"]
                else:
                    row += ["-", "-"]
                print("| " + " | ".join(row) + " |", flush=True)
    if not args.skip_throughput:
        print(f"\n## Throughput ({args.per_worker} trials per worker process): trials/s\n")
        base = bool(_BASELINE_SRC)
        head = "| backend | objective | workers | skipjack | "
        head += "baseline | baseline ratio | " if base else ""
        print(head + "optuna | ratio |")
        print("|---" * (6 + 2 * base) + "|")
        for backend in backends:
            for ms in [float(v) for v in args.objective_ms.split(",")]:
                for w in [int(v) for v in args.workers.split(",")]:
                    ours = theirs = before = None
                    if _available(backend, "skipjack"):
                        ours = throughput("skipjack", backend, w, args.per_worker, ms, workdir,
                                          args.sampler)
                    if base and _available(backend, "skipjack"):
                        before = throughput("baseline", backend, w, args.per_worker, ms,
                                            workdir, args.sampler)
                    if "optuna" in impls and _available(backend, "optuna"):
                        theirs = throughput("optuna", backend, w, args.per_worker, ms, workdir,
                                            args.sampler)

                    def fmt(v: float | None) -> str:
                        return "-" if v is None else f"{v:.1f}"

                    def ratio(a: float | None) -> str:
                        return f"{a / theirs:.1f}x" if a and theirs else "-"

                    row = f"| {backend} | {ms:g} ms | {w} | {fmt(ours)} | "
                    if base:
                        row += f"{fmt(before)} | {ratio(before)} | "
                    print(row + f"{fmt(theirs)} | {ratio(ours)} |", flush=True)


if __name__ == "__main__":
    main()

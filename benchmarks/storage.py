"""Storage benchmark: per-trial overhead and multi-process throughput, skipjack vs Optuna.

Two measurements, each per backend (SQLite file, PostgreSQL, MySQL/MariaDB, and skipjack's
journal file / Redis backends when they exist), Random sampler, 2 floats:

1. overhead: one process runs N trials (``--n-trials 1000,10000``); ms/trial over the first and
   the last 10% of the trials (a flat cost has last/first close to 1).
2. throughput: W worker processes (``--workers 1,2,4,8``) run ``--per-worker`` trials each on one
   study, with a trivial objective and with a 10 ms objective (``--objective-ms 0,10``); trials/s
   from the moment all workers are ready to the last finished trial.

Optuna's RDB storage runs side by side when ``optuna`` is importable in this Python
(``--no-optuna`` to skip). Servers: PostgreSQL and MariaDB on 127.0.0.1; the script creates,
empties and at the end drops one database of its own (``--db-name``, by default
``skipjack_bench_<pid>``, so that runs sharing a server never drop each other's).

With ``--baseline-src`` (another checkout's ``src/``) every measurement also runs on that
checkout (and on Optuna), in child processes for each, ``--repeat`` times in alternating order
(A B, B A, ...) so that the load of a shared machine falls on all alike; a last table gives the
medians and the median of the paired ratios (this checkout's time / the baseline's: above 1 is
slower).

Examples::

    python benchmarks/storage.py --quick                        # small sizes, a few minutes
    python benchmarks/storage.py --n-trials 1000,10000 --backends sqlite,postgresql
    python benchmarks/storage.py --skip-overhead --workers 1,4 --per-worker 200
    python benchmarks/storage.py --backends sqlite,postgresql --no-optuna --n-trials 1000 \
        --workers 1,4 --objective-ms 0 --baseline-src ../base/src --repeat 5
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import warnings
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MYSQL_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"
BENCH_DB = [f"skipjack_bench_{os.getpid()}"]  # --db-name; one name, this run's own
_TAGS = itertools.count()  # a fresh SQLite/journal file for every measurement
RDB = ("sqlite", "postgresql", "mysql")
# PostgreSQL with synchronous_commit=off for the benchmark's sessions (both libraries alike): the
# commit no longer waits for the WAL flush (see docs/storage.md, "Faster commits").
PG_ASYNC = "postgresql-async"
# journal-file-nofsync: skipjack's JournalFileBackend(fsync=False); appends are not flushed to disk
# (they survive a process crash, not a power loss). Optuna's file backend always flushes, so its
# column on that row is its ordinary (flushing) backend.
JOURNAL = ("journal-file", "journal-file-nofsync", "journal-redis")


def _server_url(backend: str, create: bool = True) -> str:
    """A fresh, empty database of this run's own (``create=False``: only drop it)."""
    import sqlalchemy as sa

    name = BENCH_DB[0]
    admin = PG_ADMIN if backend == "postgresql" else MYSQL_ADMIN
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        if create:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/" + name


def fresh_location(backend: str, workdir: str, tag: str) -> str:
    """A fresh, empty storage location (URL or file path) for one measurement."""
    tag = f"{tag}-{next(_TAGS)}"
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
             sampler: str = "random", location: str | None = None,
             callbacks: bool = True) -> tuple[float, float, float]:
    """ms/trial over the first and the last 10% of ``n_trials`` trials in one process, and over
    all of them. ``callbacks=False``: the whole run only (no per-trial time stamps; the loop
    without callbacks is the one that ends a trial and starts the next in one commit)."""
    lib = _module(impl)
    if location is None:
        location = fresh_location(backend, workdir, f"{impl}-oh-{n_trials}")
    storage = open_storage(impl, backend, location)
    study = lib.create_study(storage=storage, sampler=make_sampler(lib, sampler, seed=0))
    stamps: list[float] = []
    objective = make_objective(0)
    stamps.append(time.perf_counter())
    if not callbacks:
        study.optimize(objective, n_trials=n_trials)
        total = (time.perf_counter() - stamps[0]) / n_trials * 1000
        return total, total, total
    study.optimize(objective, n_trials=n_trials,
                   callbacks=[lambda s, t: stamps.append(time.perf_counter())])
    tenth = max(1, n_trials // 10)
    first = (stamps[tenth] - stamps[0]) / tenth * 1000
    last = (stamps[-1] - stamps[-1 - tenth]) / tenth * 1000
    return first, last, (stamps[-1] - stamps[0]) / n_trials * 1000


def _child_overhead(impl: str, backend: str, n_trials: int, workdir: str, sampler: str,
                    location: str, baseline_src: list[str],
                    callbacks: bool) -> tuple[float, float, float]:
    warnings.simplefilter("ignore")
    _BASELINE_SRC[:] = baseline_src
    return overhead(impl, backend, n_trials, workdir, sampler, location, callbacks)


def overhead_in_child(impl: str, backend: str, n_trials: int, workdir: str,
                      sampler: str, callbacks: bool = True) -> tuple[float, float, float]:
    """``overhead`` in a fresh spawned process (the baseline's skipjack is importable there)."""
    location = fresh_location(backend, workdir, f"{impl}-oh-{n_trials}")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        result: tuple[float, float, float] = pool.apply(
            _child_overhead,
            (impl, backend, n_trials, workdir, sampler, location, list(_BASELINE_SRC),
             callbacks),
        )
    return result


def make_sampler(lib: Any, name: str, seed: int | None = None) -> Any:
    """The sampler ``name`` ("random" or "tpe", Optuna 5's default TPE) of ``lib``."""
    if name == "tpe":
        return lib.samplers.TPESampler(seed=seed)
    return lib.samplers.RandomSampler(seed=seed)


def _worker(impl: str, backend: str, location: str, study_name: str, n: int, objective_ms: float,
            ready: Any, go: Any, sampler: str, baseline_src: list[str],
            db_name: list[str]) -> None:
    warnings.simplefilter("ignore")
    _BASELINE_SRC[:] = baseline_src
    BENCH_DB[:] = db_name
    lib = _module(impl)
    storage = open_storage(impl, backend, location)
    study = lib.load_study(study_name=study_name, storage=storage,
                           sampler=make_sampler(lib, sampler))
    ready.release()
    go.wait()
    study.optimize(make_objective(objective_ms), n_trials=n)


def _create_study(impl: str, backend: str, location: str, baseline_src: list[str]) -> None:
    _BASELINE_SRC[:] = baseline_src
    lib = _module(impl)
    lib.create_study(storage=open_storage(impl, backend, location), study_name="bench")


def throughput(impl: str, backend: str, workers: int, per_worker: int, objective_ms: float,
               workdir: str, sampler: str = "random") -> float:
    """Trials per second of ``workers`` processes sharing one study."""
    location = fresh_location(backend, workdir, f"{impl}-tp-{workers}-{objective_ms}")
    ctx = multiprocessing.get_context("spawn")
    # the study (and the schema) created by the implementation that runs it
    with ctx.Pool(1) as pool:
        pool.apply(_create_study, (impl, backend, location, list(_BASELINE_SRC)))
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_worker, args=(impl, backend, location, "bench", per_worker,
                                                objective_ms, ready, go, sampler,
                                                list(_BASELINE_SRC), list(BENCH_DB)))
             for _ in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for p in procs:
        p.join()  # all of them before raising: the caller then drops the database
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} {impl} worker(s) on {backend} failed (exit {failed})")
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


def compare(args: argparse.Namespace, backends: list[str], impls: list[str],
            workdir: str) -> None:
    """This checkout against ``--baseline-src`` (and Optuna when importable), each scenario
    ``--repeat`` times, the order rotating from round to round."""
    scenarios: list[tuple[str, str, Any]] = []
    for backend in backends:
        if not args.skip_overhead:
            for n in [int(v) for v in args.n_trials.split(",")]:
                for cb in (False, True):
                    scenarios.append((backend, f"1 process, {n} trials"
                                      f"{', a callback' if cb else ''}, ms/trial",
                                      lambda impl, b=backend, n=n, cb=cb: overhead_in_child(
                                          impl, b, n, workdir, args.sampler, cb)[2]))
        if not args.skip_throughput:
            for ms in [float(v) for v in args.objective_ms.split(",")]:
                for w in [int(v) for v in args.workers.split(",")]:
                    # seconds per trial of the whole study, so that above 1 is slower as above
                    scenarios.append((backend, f"{w} workers x {args.per_worker}, {ms:g} ms "
                                      "objective, ms/trial",
                                      lambda impl, b=backend, w=w, ms=ms: 1000 / throughput(
                                          impl, b, w, args.per_worker, ms, workdir,
                                          args.sampler)))
    names = ["skipjack", "baseline"] + [i for i in impls if i == "optuna"]
    optuna = len(names) == 3
    print(f"\n## This checkout against {_BASELINE_SRC[0]}: {args.repeat} rounds, alternating\n")
    print("| backend | scenario | round | baseline | this | this / baseline |"
          + (" optuna |" if optuna else ""))
    print("|---" * (6 + optuna) + "|")
    results = []
    for backend, name, measure in scenarios:
        rounds = []
        for r in range(args.repeat):
            order = names[r % len(names):] + names[:r % len(names)]
            if r % 2:
                order.reverse()
            got = {impl: measure(impl) if _available(backend, impl) else None
                   for impl in order}
            rounds.append(got)
            theirs = got.get("optuna")
            print(f"| {backend} | {name} | {r + 1} | {got['baseline']:.3f} | "
                  f"{got['skipjack']:.3f} | {got['skipjack'] / got['baseline']:.3f} |"
                  + (f" {'-' if theirs is None else f'{theirs:.3f}'} |" if optuna else ""),
                  flush=True)
        results.append((backend, name, rounds))
    print(f"\n## Medians of {args.repeat} rounds (load average now "
          f"{os.getloadavg()[0]:.1f})\n")
    print("| backend | scenario | baseline | this | ratio (median of rounds) | ratio range |"
          + (" optuna |" if optuna else ""))
    print("|---" * (6 + optuna) + "|")
    for backend, name, rounds in results:
        ratios = [g["skipjack"] / g["baseline"] for g in rounds]
        theirs = [g["optuna"] for g in rounds if g.get("optuna") is not None]
        print(f"| {backend} | {name} | {statistics.median(g['baseline'] for g in rounds):.3f} | "
              f"{statistics.median(g['skipjack'] for g in rounds):.3f} | "
              f"{statistics.median(ratios):.3f} | {min(ratios):.3f}-{max(ratios):.3f} |"
              + (f" {statistics.median(theirs):.3f} |" if theirs else " - |" if optuna else ""),
              flush=True)


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
                             "previous commit): every measurement runs on both (and on Optuna "
                             "unless --no-optuna), alternating, instead of the tables")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of each measurement with --baseline-src")
    parser.add_argument("--db-name", default=BENCH_DB[0],
                        help="the PostgreSQL/MySQL database this run creates and drops "
                             "(default: skipjack_bench_<pid>)")
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
    BENCH_DB[:] = [args.db_name]
    backends = [b for b in args.backends.split(",") if b]
    workdir = tempfile.mkdtemp(prefix="skipjack-storage-bench-")
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{args.sampler} sampler, 2 floats")
    try:
        if args.baseline_src:
            _BASELINE_SRC[:] = [os.path.abspath(args.baseline_src)]
            compare(args, backends, impls, workdir)
        else:
            tables(args, backends, impls, workdir)
    finally:
        for backend in {"postgresql" if b == PG_ASYNC else b for b in backends}:
            if backend in ("postgresql", "mysql"):
                _server_url(backend, create=False)


def tables(args: argparse.Namespace, backends: list[str], impls: list[str],
           workdir: str) -> None:
    """The overhead and throughput tables, skipjack against Optuna."""
    if not args.skip_overhead:
        print("\n## Per-trial overhead (one process): ms/trial, first 10% -> last 10%\n")
        print("| backend | trials | skipjack first | skipjack last | last/first | optuna first "
              "| optuna last |")
        print("|---|---|---|---|---|---|---|")
        for backend in backends:
            for n in [int(v) for v in args.n_trials.split(",")]:
                row = [backend, str(n)]
                if _available(backend, "skipjack"):
                    f, last, _ = overhead("skipjack", backend, n, workdir, args.sampler)
                    row += [f"{f:.2f}", f"{last:.2f}", f"{last / f:.2f}"]
                else:
                    row += ["-", "-", "-"]
                if "optuna" in impls and _available(backend, "optuna") \
                        and n <= args.optuna_max_trials:
                    f, last, _ = overhead("optuna", backend, n, workdir, args.sampler)
                    row += [f"{f:.2f}", f"{last:.2f}"]
                else:
                    row += ["-", "-"]
                print("| " + " | ".join(row) + " |", flush=True)
    if not args.skip_throughput:
        print(f"\n## Throughput ({args.per_worker} trials per worker process): trials/s\n")
        print("| backend | objective | workers | skipjack | optuna | ratio |")
        print("|---" * 6 + "|")
        for backend in backends:
            for ms in [float(v) for v in args.objective_ms.split(",")]:
                for w in [int(v) for v in args.workers.split(",")]:
                    ours = theirs = None
                    if _available(backend, "skipjack"):
                        ours = throughput("skipjack", backend, w, args.per_worker, ms, workdir,
                                          args.sampler)
                    if "optuna" in impls and _available(backend, "optuna"):
                        theirs = throughput("optuna", backend, w, args.per_worker, ms, workdir,
                                            args.sampler)

                    def fmt(v: float | None) -> str:
                        return "-" if v is None else f"{v:.1f}"

                    def ratio(a: float | None) -> str:
                        return f"{a / theirs:.1f}x" if a and theirs else "-"

                    print(f"| {backend} | {ms:g} ms | {w} | {fmt(ours)} | {fmt(theirs)} | "
                          f"{ratio(ours)} |", flush=True)


if __name__ == "__main__":
    main()

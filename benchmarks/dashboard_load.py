"""Dashboard load figures: first meaningful paint and live-update latency for 1k / 10k / 100k trials.

    python benchmarks/dashboard_load.py [--sizes 1000,10000,100000] [--baseline-src OLD/src]
        [--optuna-python PATH [--optuna-alias]] [--updates 10] [--json FILE]

For each size a SQLite file gets one study of N finished trials (3 float parameters, 1 categorical,
5 intermediate values each; bulk-loaded through Optuna's schema, which both dashboards read). Each
dashboard gets its own copy of the file (the live updates add trials). Then, per version
(``--baseline-src``: an older checkout's ``src``, measured first; then this one), in headless
Chromium (Debian's ``chromium``, driven by Playwright):

- **first paint, cold**: a fresh ``skipjack dashboard`` process; from navigating to the study page
  until its summary and the first page of the trials table are drawn;
- **first paint, warm**: the same page opened again in a new browser tab;
- **history plot**: from clicking the *History* tab until the plot is drawn;
- **first paint, study held**: the page in a new tab once the plot needed every trial;
- **live update**: a writer process adds one finished trial; from its commit until its row is in
  the table. Median and maximum of ``--updates``;
- without a browser: a fresh server's study page reads (the study, the first table page) from an
  HTTP client, cold and once the study is held; and the storage's incremental read when nothing
  changed (median of 50, in a process running that version).

With ``--optuna-python`` (a Python with ``optuna-dashboard`` installed) the same file is opened
in optuna-dashboard and the time until its trial table shows is printed next to ours (it has no
live push: its page polls, so only the paint is compared); ``--optuna-alias`` also runs it on
skipjack (``python -m skipjack run optuna-dashboard``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

CHROMIUM_ARGS = ["--no-sandbox", "--use-gl=angle", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


def make_db(path: str, n: int, seed: int = 0) -> tuple[str, int]:
    """A SQLite file with study ``bench`` of ``n`` COMPLETE trials; returns (URL, study id)."""
    import skipjack

    url = f"sqlite:///{path}"
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(study_name="bench", storage=url)
    study_id = study._study_id
    rng = random.Random(seed)
    start = datetime.datetime.now() - datetime.timedelta(seconds=n)
    dist = {
        "x": '{"name": "FloatDistribution", "attributes": {"step": null, "low": -5.0, '
             '"high": 5.0, "log": false}}',
        "y": '{"name": "FloatDistribution", "attributes": {"step": null, "low": -5.0, '
             '"high": 5.0, "log": false}}',
        "lr": '{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0001, '
              '"high": 1.0, "log": true}}',
        "opt": '{"name": "CategoricalDistribution", "attributes": {"choices": ["adam", "sgd", '
               '"rmsprop"]}}',
    }
    con = sqlite3.connect(path)
    trials, params, values, inter = [], [], [], []
    for i in range(n):
        tid = i + 1
        t0 = start + datetime.timedelta(seconds=i)
        t1 = t0 + datetime.timedelta(seconds=0.8)
        x, y, lr, opt = rng.uniform(-5, 5), rng.uniform(-5, 5), 10 ** rng.uniform(-4, 0), \
            rng.randrange(3)
        v = x * x + y * y + abs(lr - 0.01) + opt
        trials.append((tid, i, study_id, "COMPLETE", str(t0), str(t1)))
        params += [(tid, "x", x, dist["x"]), (tid, "y", y, dist["y"]),
                   (tid, "lr", lr, dist["lr"]), (tid, "opt", float(opt), dist["opt"])]
        values.append((tid, 0, v, "FINITE"))
        inter += [(tid, s, v + 5.0 / (s + 1), "FINITE") for s in range(5)]
    with con:
        con.executemany("INSERT INTO trials (trial_id, number, study_id, state, datetime_start, "
                        "datetime_complete) VALUES (?, ?, ?, ?, ?, ?)", trials)
        con.executemany("INSERT INTO trial_params (trial_id, param_name, param_value, "
                        "distribution_json) VALUES (?, ?, ?, ?)", params)
        con.executemany("INSERT INTO trial_values (trial_id, objective, value, value_type) "
                        "VALUES (?, ?, ?, ?)", values)
        con.executemany("INSERT INTO trial_intermediate_values (trial_id, step, "
                        "intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)", inter)
    # Design note: the SQLite file is in WAL mode; until a checkpoint, the tables and rows live
    # in bench.db-wal, and a copy of bench.db alone (each dashboard gets its own copy) is an
    # empty database. Release every connection and fold the log into the file first.
    study._storage.remove_session()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return url, study_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 120.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


WRITER = """
import sys, skipjack
skipjack.logging.set_verbosity(skipjack.logging.ERROR)
study = skipjack.load_study(study_name="bench", storage=sys.argv[1])
import time
for line in sys.stdin:
    t = study.ask()
    t.suggest_float("x", -5, 5)
    study.tell(t, 1.0)
    print(t.number, time.time(), flush=True)
"""


def measure_skipjack(url: str, study_id: int, browser: Any, src: str | None = None,
                     updates: int = 10) -> dict[str, float]:
    """The figures of one ``skipjack dashboard`` process (``src``: the code to serve with, put
    first on its PYTHONPATH, e.g. an older checkout's ``src`` for a before/after run)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src] + [p for p in [env.get("PYTHONPATH")] if p])
    server = subprocess.Popen([sys.executable, "-m", "skipjack.cli", "dashboard", "--storage", url,
                               "--port", str(port)], stdout=subprocess.DEVNULL, env=env)
    out: dict[str, float] = {}
    try:
        wait_http(base + "api/meta")
        ctx = browser.new_context(viewport={"width": 1280, "height": 860})
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(base + f"#/studies/{study_id}", wait_until="commit")
        page.wait_for_selector("#trials tbody tr", timeout=300_000)
        page.wait_for_selector("#n-trials")
        out["paint_cold_s"] = time.perf_counter() - t0
        warm = ctx.new_page()
        t0 = time.perf_counter()
        warm.goto(base + f"#/studies/{study_id}", wait_until="commit")
        warm.wait_for_selector("#trials tbody tr", timeout=300_000)
        out["paint_warm_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm.click("nav.tabs >> text=History")
        warm.wait_for_selector("#plot-history .main-svg .point", timeout=300_000)
        out["history_plot_s"] = time.perf_counter() - t0
        warm.close()
        loaded = ctx.new_page()  # the plot needed every trial: the server now holds the study
        t0 = time.perf_counter()
        loaded.goto(base + f"#/studies/{study_id}", wait_until="commit")
        loaded.wait_for_selector("#trials tbody tr", timeout=300_000)
        out["paint_loaded_s"] = time.perf_counter() - t0
        loaded.close()
        page.wait_for_selector("#live.on", timeout=60_000)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdin is not None and writer.stdout is not None
        latencies = []
        try:
            for _ in range(updates):
                writer.stdin.write("\n")
                writer.stdin.flush()
                number, written = writer.stdout.readline().split()
                page.wait_for_selector(f"#trials tbody tr[data-number='{number}']",
                                       timeout=60_000)
                latencies.append(time.time() - float(written))
                page.wait_for_timeout(300)
        finally:
            writer.stdin.close()
            writer.wait(timeout=60)
        out["live_update_median_s"] = statistics.median(latencies)
        out["live_update_max_s"] = max(latencies)
        ctx.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def measure_api(url: str, study_id: int, src: str | None = None) -> dict[str, float]:
    """Server side only (no browser): a fresh server, then the study page's two reads (the
    study, the first table page), timed from the client; then the same once the server holds
    the study, and one incremental storage read as the server makes it."""
    import urllib.request

    port = free_port()
    base = f"http://127.0.0.1:{port}/api/"
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src] + [p for p in [env.get("PYTHONPATH")] if p])
    server = subprocess.Popen([sys.executable, "-m", "skipjack.cli", "dashboard", "--storage", url,
                               "--port", str(port)], stdout=subprocess.DEVNULL, env=env)
    reads = [f"studies/{study_id}", f"studies/{study_id}/trials?sort=number&order=desc&limit=50"]

    def first_page() -> float:
        t0 = time.perf_counter()
        for path in reads:
            with urllib.request.urlopen(base + path, timeout=600) as r:
                r.read()
        return time.perf_counter() - t0

    out: dict[str, float] = {}
    try:
        wait_http(base + "meta")
        out["api_cold_s"] = first_page()
        with urllib.request.urlopen(base + f"studies/{study_id}/plots/history", timeout=600) as r:
            r.read()  # needs every trial: the server holds the study afterwards
        out["api_loaded_s"] = first_page()
    finally:
        server.terminate()
        server.wait(timeout=30)
    since = subprocess.run([sys.executable, "-c", SINCE, url, str(study_id)], env=env,
                           capture_output=True, text=True, check=True)
    out["since_read_ms"] = float(since.stdout.split()[-1])
    return out


SINCE = """
import sys, time
from skipjack.storages import RDBStorage
storage = RDBStorage(sys.argv[1])
study_id = int(sys.argv[2])
_, mark = storage.get_trials_since(study_id, None)
times = []
for _ in range(50):
    t0 = time.perf_counter()
    storage.get_trials_since(study_id, mark)
    times.append(time.perf_counter() - t0)
print(sorted(times)[len(times) // 2] * 1000)  # the median: a loaded machine preempts some reads
"""


def measure_optuna_dashboard(python: str, path: str, study_id: int, browser: Any,
                             alias_src: str | None = None) -> dict[str, float]:
    """optuna-dashboard's first paint; with ``alias_src`` on skipjack (that ``src`` first on the
    PYTHONPATH, started by ``python -m skipjack run optuna-dashboard``: ``import optuna``
    resolves to skipjack) instead of Optuna."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    bindir = os.path.dirname(python)
    script = os.path.join(bindir, "optuna-dashboard")
    command = [script, f"sqlite:///{path}", "--port", str(port)]
    env = dict(os.environ)
    if alias_src is not None:
        env["PYTHONPATH"] = alias_src
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        command = [python, "-m", "skipjack", "run"] + command
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env)
    out: dict[str, float] = {}
    try:
        wait_http(base + "api/studies", timeout=300.0)  # its first start compiles optuna
        ctx = browser.new_context(viewport={"width": 1280, "height": 860})
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(base + f"dashboard/studies/{study_id}/trials", wait_until="commit")
        try:
            page.wait_for_selector("text=Trial 0", timeout=240_000)
            out["paint_cold_s"] = time.perf_counter() - t0
        except Exception:  # noqa: BLE001 - report a timeout as such
            out["paint_cold_s"] = float("inf")
        ctx.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "not measured"
    return "> 240 s" if value == float("inf") else f"{value:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--optuna-python", default=None,
                        help="a Python with optuna-dashboard installed, to compare")
    parser.add_argument("--optuna-alias", action="store_true",
                        help="also run optuna-dashboard on skipjack (import optuna -> skipjack)")
    parser.add_argument("--baseline-src", default=None,
                        help="the src folder of an older skipjack, measured first (before/after)")
    parser.add_argument("--updates", type=int, default=10, help="live updates measured per run")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    import skipjack

    here = os.path.dirname(os.path.dirname(os.path.abspath(skipjack.__file__)))
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("chromium is not installed: apt-get install chromium")
    versions = ([("before", os.path.abspath(args.baseline_src))] if args.baseline_src else []) \
        + [("after" if args.baseline_src else "skipjack", here)]
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for n in (int(s) for s in args.sizes.split(",")):
            tmp = tempfile.mkdtemp(prefix="dash-bench-")
            path = os.path.join(tmp, "bench.db")
            t0 = time.perf_counter()
            _, study_id = make_db(path, n)
            row: dict[str, Any] = {"trials": n, "load_db_s": time.perf_counter() - t0}
            if args.optuna_python:
                for key, alias in [("optuna_dashboard", None)] + (
                        [("optuna_dashboard_on_skipjack", here)] if args.optuna_alias else []):
                    copy = f"{path}.{key}.db"
                    shutil.copy(path, copy)
                    try:
                        row[key] = measure_optuna_dashboard(args.optuna_python, copy, study_id,
                                                            browser, alias_src=alias)
                    except Exception as error:  # noqa: BLE001 - report, go on with ours
                        row[key] = {"error": repr(error)}
            for name, src in versions:  # each on its own copy: the live updates add trials
                copy = f"{path}.{name}.db"
                shutil.copy(path, copy)
                row[name] = measure_skipjack(f"sqlite:///{copy}", study_id, browser, src,
                                             args.updates)
                row[name].update(measure_api(f"sqlite:///{copy}", study_id, src))
            results.append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(tmp, ignore_errors=True)
        browser.close()
    print()
    print("| trials | version | first paint, cold | first paint, warm | history plot | "
          "first paint, study held | live update (median / max) | API first page, cold / held "
          "| incremental read |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        for name, _ in versions:
            s = r[name]
            print(f"| {r['trials']:,} | {name} | {s['paint_cold_s']:.2f} s | "
                  f"{s['paint_warm_s']:.2f} s | {s['history_plot_s']:.2f} s | "
                  f"{s['paint_loaded_s']:.2f} s | {s['live_update_median_s'] * 1000:.0f} / "
                  f"{s['live_update_max_s'] * 1000:.0f} ms | {s['api_cold_s'] * 1000:.0f} / "
                  f"{s['api_loaded_s'] * 1000:.0f} ms | {s['since_read_ms']:.2f} ms |")
    if args.optuna_python:
        print()
        print("| trials | optuna-dashboard first paint (Optuna) | optuna-dashboard first paint "
              "(on skipjack) |")
        print("|---|---|---|")
        for r in results:
            od = r.get("optuna_dashboard", {}).get("paint_cold_s")
            oa = r.get("optuna_dashboard_on_skipjack", {}).get("paint_cold_s")
            print(f"| {r['trials']:,} | {_fmt_s(od)} | {_fmt_s(oa)} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

"""Serving: uvicorn in a thread, the CLI (flags, token rules), the static export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("uvicorn")

import skipjack  # noqa: E402
from skipjack.dashboard import export_dashboard, serve_dashboard  # noqa: E402
from skipjack.dashboard._server import is_loopback  # noqa: E402

from .conftest import EVIL  # noqa: E402

TOKEN = "s3cret-token-for-tests-0123"


def test_serve_in_a_thread_and_stop(url):
    server = serve_dashboard(url, port=0)
    try:
        with urllib.request.urlopen(server.url + "api/studies", timeout=30) as r:
            names = {s["name"] for s in json.load(r)["studies"]}
        assert "single" in names
        with urllib.request.urlopen(server.url, timeout=30) as r:
            page = r.read().decode()
        assert '<script src="/static/app.js" type="module">' in page
        with urllib.request.urlopen(server.url + "static/plotly.min.js", timeout=30) as r:
            assert len(r.read()) > 100_000
    finally:
        server.shutdown()
    assert not server.thread.is_alive()


def test_no_unauthenticated_dashboard_on_the_network(url):
    with pytest.raises(ValueError, match="token=") as error:
        serve_dashboard(url, host="0.0.0.0", port=0)
    assert "127.0.0.1" in str(error.value)
    for bad in ["short", "has a space in it, long enough", "semi;colon-and-long-enough"]:
        with pytest.raises(ValueError, match="16 characters"):
            serve_dashboard(url, port=0, token=bad)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "skipjack.cli", "dashboard", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line


def test_cli_serves_read_only_with_the_flag(url, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, banner = _start_cli("--storage", url, "--port", str(port), "--read-only",
                              "--artifacts", str(tmp_path / "art"))
    try:
        assert f"serving http://127.0.0.1:{port}/" in banner and "[read-only]" in banner, banner
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta", timeout=5) as r:
                    meta = json.load(r)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert meta["read_only"] is True and meta["artifacts"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_cli_generates_a_token_off_loopback(url):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, banner = _start_cli("--storage", url, "--port", str(port), "--host", "0.0.0.0")
    try:
        assert "?token=" in banner and "generated token" in banner, banner
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_export_writes_static_pages_with_local_plotly(url, tmp_path):
    out = tmp_path / "site"
    storage = skipjack.storages.get_storage(url)
    ids = {s.study_name: s.study_id for s in storage.get_all_studies()}
    written = export_dashboard(storage, str(out))
    assert {p.rsplit("/", 1)[-1] for p in written} == {
        "index.html", "style.css", "export.js", "plotly.min.js",
        *(f"study-{i}.html" for i in ids.values())}
    page = (out / f"study-{ids['single']}.html").read_text()
    assert 'src="plotly.min.js"' in page and 'href="index.html"' in page
    assert page.count('class="plot-data"') == 6 and page.count("<tr data-number=") == 20
    evil = (out / f"study-{ids[EVIL]}.html").read_text()
    index = (out / "index.html").read_text()
    for text in (index, evil, page):  # the name and the categorical choice only as text
        assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in index and "Pareto front" in evil
    script = (out / "export.js").read_text()
    assert "\nimport " not in script and "\nexport " not in script and "function draw(" in script

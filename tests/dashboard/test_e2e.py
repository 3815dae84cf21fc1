"""End to end, in a real headless browser: Debian's chromium driven by Playwright (no browser
download: ``executable_path``). Screenshots of the main views go to ``.screenshots/dashboard/``
(git-ignored; ``SKIPJACK_SCREENSHOTS`` moves them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("playwright")
pytest.importorskip("uvicorn")

import skipjack  # noqa: E402
from skipjack.dashboard import serve_dashboard  # noqa: E402
from tests._servers import require_binary  # noqa: E402

from .conftest import EVIL, study_ids  # noqa: E402

SHOTS = Path(os.environ.get("SKIPJACK_SCREENSHOTS",
                            Path(__file__).resolve().parents[2] / ".screenshots" / "dashboard"))
CHROMIUM_ARGS = ["--no-sandbox", "--use-gl=angle", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or require_binary("chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def served(url):  # type: ignore[no-untyped-def]
    server = serve_dashboard(url, port=0)
    yield server
    server.shutdown()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text)  # type: ignore[attr-defined]
          if m.type == "error" and "favicon" not in m.text and "404" not in m.text else None)
    yield pg
    context.close()


def wait_until(page, expression: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Poll ``expression`` in the page (``page.wait_for_function`` evaluates a string, which the
    dashboard's CSP forbids: no 'unsafe-eval')."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_study_list_renders_a_script_name_as_text(served, page):
    page.goto(served.url)
    page.wait_for_selector("#studies")
    names = page.locator("#studies td.name a").all_text_contents()
    assert sorted(names) == sorted(["single", EVIL])
    # the name is text: no script element was added, no dialog opened
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # app.js only
    assert page.evaluate("document.body.innerHTML").count("<script>alert") == 0
    page.fill("#study-search", "sing")
    wait_until(page, "document.querySelectorAll('#studies tbody tr').length === 1")
    shot(page, "study-list")
    page.goto(served.url)
    page.wait_for_selector("#studies")
    shot(page, "study-list")
    assert page.dialogs == [] and page.errors == []


def test_open_a_study_filter_the_table_open_a_trial(served, page, url):
    trials = skipjack.load_study(study_name="single", storage=url).get_trials()
    page.goto(served.url)
    page.click("#studies >> text=single")
    page.wait_for_selector("#trials tbody tr")
    assert page.text_content("#study-name") == "single"
    assert page.locator("#trials tbody tr").count() == 20
    assert page.text_content("#count-fail") == "1"
    shot(page, "study")

    page.fill("#param-filter", "x<0")
    page.select_option("#state-filter", "COMPLETE")
    page.click("#apply-filter")
    expected = [t.number for t in trials
                if t.params["x"] < 0 and t.state == skipjack.trial.TrialState.COMPLETE]
    wait_until(page, f"document.querySelectorAll('#trials tbody tr').length === {len(expected)}")
    shown = [int(n) for n in page.eval_on_selector_all(
        "#trials tbody tr", "rows => rows.map(r => r.dataset.number)")]
    assert sorted(shown) == sorted(expected)
    assert page.text_content("#page-info").endswith(f"of {len(expected)}")

    page.click(f"#trials a:text-is('#{expected[0]}')")
    page.wait_for_selector("#params")
    assert f"Trial #{expected[0]}" in page.text_content("h1")
    assert page.locator("#params tbody tr").count() == 3
    page.wait_for_selector("#trial-intermediate .main-svg")
    shot(page, "trial")
    assert page.errors == []


def test_plots_draw(served, page, url):
    sid = study_ids(url)["single"]
    for kind in ("history", "slice", "contour", "parallel", "importance"):
        page.goto(f"{served.url}#/studies/{sid}?tab={kind}")
        page.wait_for_selector(f"#plot-{kind} .main-svg", timeout=20_000)
        if kind in ("history", "parallel"):
            shot(page, f"plot-{kind}")
        if kind == "slice":  # a categorical choice '<script>...' is drawn as text by plotly
            assert EVIL in page.text_content("#plot-slice")
            assert page.evaluate("document.querySelectorAll('#plot-slice script').length") == 0
    mo = study_ids(url)[EVIL]
    page.goto(f"{served.url}#/studies/{mo}?tab=pareto")
    page.wait_for_selector("#plot-pareto .main-svg")
    assert "loss" in page.text_content("#plot-pareto")  # metric names on the axes
    shot(page, "pareto")
    page.goto(f"{served.url}#/studies/{sid}/ops")
    page.wait_for_selector("#health table")
    shot(page, "operations")
    assert page.errors == []


WORKER = textwrap.dedent("""
    import sys, time
    import skipjack
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.load_study(study_name="single", storage=sys.argv[1])
    def objective(trial):
        time.sleep(0.5)
        return trial.suggest_float("x", -2, 2) ** 2
    study.optimize(objective, n_trials=3)
""")


def test_a_trial_appears_live_while_a_worker_runs(served, page, url):
    sid = study_ids(url)["single"]
    page.goto(f"{served.url}#/studies/{sid}")
    page.wait_for_selector("#trials tbody tr")
    page.wait_for_selector("#live.on")
    assert page.locator("#trials tbody tr[data-number='20']").count() == 0
    worker = subprocess.Popen([sys.executable, "-c", WORKER, url])
    try:
        page.wait_for_selector("#trials tbody tr[data-number='20']", timeout=30_000)
        page.wait_for_selector("#trials tbody tr[data-number='22']", timeout=30_000)
        wait_until(page, "document.getElementById('n-trials').textContent === '23'")
    finally:
        assert worker.wait(timeout=60) == 0
    first = page.eval_on_selector("#trials tbody tr", "r => r.dataset.number")
    assert first == "22"  # newest first, without reloading the page
    assert page.errors == []


def test_add_a_note(served, page, url):
    sid = study_ids(url)["single"]
    page.goto(f"{served.url}#/studies/{sid}")
    page.wait_for_selector(".note-body")
    page.fill(".note-body", f"checked by hand {EVIL}")
    page.click(".note-save")
    page.wait_for_selector(".note-status.ok")
    page.reload()
    page.wait_for_selector(".note-body")
    assert page.input_value(".note-body") == f"checked by hand {EVIL}"
    storage = skipjack.storages.get_storage(url)
    assert storage.get_study_system_attrs(sid)["skipjack:note"]["body"].startswith("checked")
    assert page.dialogs == []


def test_read_only_dashboard_offers_no_write(url, page):
    server = serve_dashboard(url, port=0, read_only=True)
    try:
        page.goto(server.url + f"#/studies/{study_ids(url)['single']}")
        page.wait_for_selector(".note-body")
        assert page.text_content("#mode") == "read-only"
        assert page.is_disabled(".note-save")
    finally:
        server.shutdown()


def test_tell_a_waiting_trial_and_compare_studies(served, page, url):
    study = skipjack.load_study(study_name="single", storage=url)
    study.enqueue_trial({"x": 0.5, "lr": 0.01, "kind": "a"})
    number = study.get_trials()[-1].number
    ids = study_ids(url)
    page.goto(f"{served.url}#/studies/{ids['single']}/trials/{number}")
    page.wait_for_selector("form.tell")
    page.fill(".tell-value", "0.25")
    page.click("form.tell button")
    page.wait_for_selector("h1 .s-complete", timeout=30_000)
    told = skipjack.load_study(study_name="single", storage=url).get_trials()[number]
    assert told.state == skipjack.trial.TrialState.COMPLETE and told.value == 0.25
    page.goto(served.url)
    page.wait_for_selector("#studies")
    for box in page.query_selector_all("#studies input[type=checkbox]"):
        box.check()
    page.click("#compare-link")
    page.wait_for_selector("#compare-plot .main-svg", timeout=30_000)
    assert "single" in page.text_content("main") and EVIL in page.text_content("main")
    shot(page, "compare")
    assert page.errors == []


def test_the_static_export_opens_from_disk_with_its_plots(url, tmp_path, page):
    from skipjack.dashboard import export_dashboard

    out = tmp_path / "site"
    storage = skipjack.storages.get_storage(url)
    export_dashboard(storage, str(out))
    ids = study_ids(url)
    page.goto((out / "index.html").as_uri())
    assert page.locator("#studies a", has_text=EVIL).count() == 1  # the name, as text
    page.goto((out / f"study-{ids['single']}.html").as_uri())
    page.wait_for_selector("#plot-0 .main-svg", timeout=60_000)  # drawn by plots.js
    page.wait_for_selector("#plot-5 .main-svg", timeout=60_000)
    assert page.locator("#trials tbody tr").count() == 20
    shot(page, "export-study")
    page.goto((out / f"study-{ids[EVIL]}.html").as_uri())
    page.wait_for_selector(".plot .main-svg", timeout=60_000)
    assert page.locator("#study-name").inner_text() == EVIL
    assert not page.dialogs and not page.errors, (page.dialogs, page.errors)

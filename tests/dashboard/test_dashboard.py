"""The web dashboard: pages and JSON reflect the storage, stored text cannot inject markup."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

import skipjack
from skipjack.dashboard import export_dashboard, serve_dashboard
from skipjack.dashboard._pages import study_path
from skipjack.samplers import RandomSampler
from skipjack.trial import TrialState

EVIL = '<script>alert("x")</script>'


def _objective(trial):
    x = trial.suggest_float("x", -2, 2)
    trial.suggest_categorical("kind", ["a", EVIL])
    for step in range(3):
        trial.report(x * x + 1.0 / (step + 1), step)
    if trial.number % 7 == 6:
        raise skipjack.TrialPruned()
    if trial.number == 4:
        raise ValueError("boom")
    return x * x


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(study_name="single", storage=url,
                                  sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=20, catch=(ValueError,))
    mo = skipjack.create_study(study_name=EVIL, storage=url, directions=["minimize", "maximize"],
                               sampler=RandomSampler(seed=1))
    mo.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=10)
    return url


@pytest.fixture
def server(url):
    server, _ = serve_dashboard(url, port=0)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _get(address: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(address, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def test_index_lists_every_study_with_counts_and_best(server, url):
    status, kind, page = _get(server + "/")
    assert status == 200 and kind.startswith("text/html")
    study = skipjack.load_study(study_name="single", storage=url)
    assert "single" in page and f"{study.best_value:.6g}" in page
    assert EVIL not in page and "&lt;script&gt;" in page  # escaped, linked
    assert study_path(EVIL) in page.replace("&amp;", "&") or "%3Cscript%3E" in page


def test_api_matches_the_storage(server, url):
    study = skipjack.load_study(study_name="single", storage=url)
    trials = study.get_trials()
    summaries = json.loads(_get(server + "/api/studies")[2])
    single = next(s for s in summaries if s["name"] == "single")
    assert single["n_trials"] == 20
    assert single["states"]["COMPLETE"] == sum(t.state == TrialState.COMPLETE for t in trials)
    assert single["states"]["PRUNED"] == 2 and single["states"]["FAIL"] == 1
    assert single["best_value"] == study.best_value and single["best_trial"] == study.best_trial.number
    mo = next(s for s in summaries if s["name"] == EVIL)
    assert mo["directions"] == ["minimize", "maximize"]
    assert mo["n_best_trials"] == len(skipjack.load_study(study_name=EVIL, storage=url).best_trials)

    detail = json.loads(_get(server + "/api/studies/single")[2])
    assert detail["health"]["figures"]["n_fail"] == 1
    since = json.loads(_get(server + "/api/studies/single/trials?since=15")[2])
    assert [t["number"] for t in since] == [15, 16, 17, 18, 19]
    assert since[0]["params"]["x"] == trials[15].params["x"]
    assert since[0]["intermediate_values"] == {
        str(k): v for k, v in trials[15].intermediate_values.items()}


def test_new_trials_show_up_without_restarting(server, url):
    before = json.loads(_get(server + "/api/studies/single")[2])["summary"]["n_trials"]
    skipjack.load_study(study_name="single", storage=url).optimize(
        lambda t: t.suggest_float("x", -2, 2) ** 2, n_trials=3)
    after = json.loads(_get(server + "/api/studies/single")[2])["summary"]["n_trials"]
    assert after == before + 3


def test_study_page_has_plots_health_and_escaped_trials(server):
    status, _, page = _get(server + study_path("single"))
    assert status == 200
    for title in ("Optimization history", "Intermediate values", "Parameter importances",
                  "Parallel coordinates", "Timeline", "Health: "):
        assert title in page
    assert EVIL not in page  # the categorical choice is shown escaped
    figures = page.split('<script type="application/json"')[1:]
    assert figures and all(f.split("</script>")[0].count("<") == 0 for f in figures)
    status, _, js = _get(server + "/static/plotly.min.js")
    assert status == 200 and len(js) > 100_000

    status, _, mo_page = _get(server + study_path(EVIL))
    assert status == 200 and "Pareto front" in mo_page and EVIL not in mo_page


def test_unknown_pages_and_bad_input_say_what_exists(server):
    status, _, text = _get(server + study_path("nope"))
    assert status == 404 and "single" in text  # lists the studies that exist
    status, _, text = _get(server + "/api/studies/single/trials?since=abc")
    assert status == 400 and "since" in text
    status, _, text = _get(server + "/no/such/page")
    assert status == 404 and "/api/studies" in text


def test_export_writes_static_pages_with_local_plotly(url, tmp_path):
    out = tmp_path / "site"
    written = export_dashboard(skipjack.storages.get_storage(url), str(out))
    assert {p.rsplit("/", 1)[-1] for p in written} == {
        "index.html", "study-0.html", "study-1.html", "plotly.min.js"}
    index = (out / "index.html").read_text()
    assert 'href="study-0.html"' in index and 'href="study-1.html"' in index
    page = (out / "study-1.html").read_text()  # "single" sorts after "<script...>"
    assert 'src="plotly.min.js"' in page and 'href="index.html"' in page


def test_cli_export(url, tmp_path):
    out = tmp_path / "cli-site"
    done = subprocess.run(
        [sys.executable, "-m", "skipjack.cli", "dashboard", "--storage", url, "--export", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 4 files" in done.stdout and (out / "index.html").exists()


TOKEN = "s3cret-token-for-tests-0123"


def _request(port: int, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response, body


def test_a_token_guards_every_page_and_a_browser_gets_a_cookie(url):
    server, _ = serve_dashboard(url, port=0, token=TOKEN)
    port = server.server_port
    try:
        for path in ["/", "/api/studies", "/study/single", "/static/plotly.min.js"]:
            response, body = _request(port, path)
            assert response.status == 401 and "token" in body
        response, _ = _request(port, "/api/studies", {"Authorization": "Bearer wrong-token-xx"})
        assert response.status == 401
        response, body = _request(port, "/api/studies", {"Authorization": f"Bearer {TOKEN}"})
        assert response.status == 200 and "single" in body
        # a browser opens /?token=..., gets the cookie and is sent to the URL without the token
        response, _ = _request(port, f"/study/single?token={TOKEN}")
        assert response.status == 303
        assert response.getheader("Location") == "/study/single"
        cookie = response.getheader("Set-Cookie").split(";")[0]
        assert "HttpOnly" in response.getheader("Set-Cookie")
        response, body = _request(port, "/study/single", {"Cookie": cookie})
        assert response.status == 200 and "single" in body
        response, _ = _request(port, "/", {"Cookie": "skipjack_dashboard_token=nope"})
        assert response.status == 401
        response, _ = _request(port, "/?token=nope")
        assert response.status == 401
    finally:
        server.shutdown()


def test_no_unauthenticated_dashboard_on_the_network(url):
    with pytest.raises(ValueError, match="token=") as error:
        serve_dashboard(url, host="0.0.0.0", port=0)
    assert "127.0.0.1" in str(error.value)
    for bad in ["short", "has a space in it, long enough", "semi;colon-and-long-enough"]:
        with pytest.raises(ValueError, match="16 characters"):
            serve_dashboard(url, port=0, token=bad)
    server, _ = serve_dashboard(url, host="0.0.0.0", port=0, token=TOKEN)
    try:
        response, _ = _request(server.server_port, "/")
        assert response.status == 401
    finally:
        server.shutdown()


def test_loopback_names():
    from skipjack.dashboard._server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")

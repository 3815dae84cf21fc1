"""Every JSON endpoint of the dashboard: status codes, shapes (against the wire models), errors."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

import skipjack  # noqa: E402
from skipjack.dashboard import create_app  # noqa: E402
from skipjack.dashboard import _wire  # noqa: E402
from skipjack.trial import TrialState  # noqa: E402

from .conftest import EVIL, study_ids  # noqa: E402


@pytest.fixture
def client(url):  # type: ignore[no-untyped-def]
    with TestClient(create_app(url, min_interval=0.0)) as c:
        c.get("/api/meta")  # gets the CSRF cookie, as the page does
        yield c


def csrf(client: TestClient) -> dict[str, str]:
    return {"x-skipjack-csrf": client.cookies["skipjack_csrf"]}


def fields(model: type) -> set[str]:
    return set(model.model_fields)  # type: ignore[attr-defined]


def test_meta(client):
    body = client.get("/api/meta").json()
    assert fields(_wire.Meta) <= set(body)
    assert body["read_only"] is False and body["plotly"] is True and body["artifacts"] is False


def test_study_list_counts_best_and_search(client, url):
    body = client.get("/api/studies").json()
    by_name = {s["name"]: s for s in body["studies"]}
    assert set(by_name) == {"single", EVIL}
    single = by_name["single"]
    assert fields(_wire.StudySummary) <= set(single)
    study = skipjack.load_study(study_name="single", storage=url)
    trials = study.get_trials()
    for state in TrialState:
        assert single["states"][state.name] == sum(t.state == state for t in trials)
    assert single["n_trials"] == 20 and single["states"]["FAIL"] == 1
    assert single["best_value"] == study.best_value
    assert single["best_trial"] == study.best_trial.number
    assert single["last_activity"] is not None
    mo = by_name[EVIL]
    assert mo["metric_names"] == ["loss", "accuracy"] and mo["best_value"] is None
    assert mo["n_best_trials"] == len(skipjack.load_study(study_name=EVIL, storage=url).best_trials)

    found = client.get("/api/studies", params={"q": "SING"}).json()["studies"]
    assert [s["name"] for s in found] == ["single"]
    ordered = client.get("/api/studies", params={"sort": "name", "order": "desc"}).json()
    assert [s["name"] for s in ordered["studies"]] == ["single", EVIL]
    by_best = client.get("/api/studies", params={"sort": "best_value"}).json()["studies"]
    assert by_best[-1]["name"] == EVIL  # no best value: last
    r = client.get("/api/studies", params={"sort": "colour"})
    assert r.status_code == 400 and "'sort'" in r.json()["detail"]


def test_study_detail(client, url):
    ids = study_ids(url)
    body = client.get(f"/api/studies/{ids['single']}").json()
    assert fields(_wire.StudyDetail) <= set(body)
    assert body["param_names"] == ["kind", "lr", "x"] and body["attr_names"] == ["tag"]
    assert body["note"] == {"body": "", "version": 0, "updated": None}
    assert body["seq"] >= 1


def test_trial_table_filters_sorts_and_pages(client, url):
    sid = study_ids(url)["single"]
    trials = skipjack.load_study(study_name="single", storage=url).get_trials()
    page = client.get(f"/api/studies/{sid}/trials", params={"limit": 5, "offset": 5}).json()
    assert fields(_wire.TrialPage) <= set(page)
    assert page["total"] == 20 and [t["number"] for t in page["trials"]] == [5, 6, 7, 8, 9]
    assert fields(_wire.TrialRow) <= set(page["trials"][0])

    complete = client.get(f"/api/studies/{sid}/trials",
                          params={"state": "COMPLETE", "sort": "value", "limit": 500}).json()
    expected = sorted((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.value)
    assert [t["number"] for t in complete["trials"]] == [t.number for t in expected]
    desc = client.get(f"/api/studies/{sid}/trials",
                      params={"state": "COMPLETE", "sort": "value", "order": "desc"}).json()
    assert desc["trials"][0]["number"] == expected[-1].number

    small = client.get(f"/api/studies/{sid}/trials", params={"param": "x<0", "limit": 500}).json()
    assert {t["number"] for t in small["trials"]} == {t.number for t in trials if t.params["x"] < 0}
    both = client.get(f"/api/studies/{sid}/trials",
                      params={"param": ["x<0", "lr>=0.01"], "attr": "tag=even"}).json()
    assert {t["number"] for t in both["trials"]} == {
        t.number for t in trials
        if t.params["x"] < 0 and t.params["lr"] >= 0.01 and t.user_attrs["tag"] == "even"}
    evil = client.get(f"/api/studies/{sid}/trials", params={"param": "kind~script"}).json()
    assert {t["number"] for t in evil["trials"]} == {
        t.number for t in trials if t.params["kind"] == EVIL}
    by_param = client.get(f"/api/studies/{sid}/trials", params={"sort": "param:x"}).json()
    xs = [t["params"]["x"] for t in by_param["trials"]]
    assert xs == sorted(xs)

    for params, word in [({"state": "DONE"}, "'state'"), ({"sort": "height"}, "'sort'"),
                         ({"order": "up"}, "'order'"), ({"limit": 0}, "'limit'"),
                         ({"limit": 501}, "'limit'"), ({"offset": -1}, "'offset'"),
                         ({"param": "x"}, "'param'"), ({"attr": "nope"}, "'attr'")]:
        r = client.get(f"/api/studies/{sid}/trials", params=params)
        assert r.status_code == 400, params
        assert word in r.json()["detail"]


def test_trial_page(client, url):
    sid = study_ids(url)["single"]
    study = skipjack.load_study(study_name="single", storage=url)
    failed = next(t for t in study.trials if t.state == TrialState.FAIL)
    body = client.get(f"/api/studies/{sid}/trials/{failed.number}").json()
    assert fields(_wire.TrialDetail) <= set(body)
    assert "boom" in body["fail_reason"]
    assert body["distributions"]["lr"]["attributes"]["log"] is True
    assert body["intermediate_values"] == [[s, v] for s, v in
                                           sorted(failed.intermediate_values.items())]
    assert body["user_attrs"] == {"tag": failed.user_attrs["tag"]}
    assert body["pruning"] and {"step", "verdict", "rule"} <= set(body["pruning"][0])
    assert body["heartbeat_age"] is None and body["running_for"] is None
    assert body["artifacts"] == []


def test_plots_for_every_kind(client, url):
    ids = study_ids(url)
    sid = ids["single"]
    for kind in ("history", "intermediate", "slice", "contour", "parallel", "rank", "edf",
                 "importance", "timeline"):
        r = client.get(f"/api/studies/{sid}/plots/{kind}")
        assert r.status_code == 200, (kind, r.text)
        assert r.json()["n"] > 0, kind
    history = client.get(f"/api/studies/{sid}/plots/history").json()
    study = skipjack.load_study(study_name="single", storage=url)
    assert history["best_y"][-1] == study.best_value
    contour = client.get(f"/api/studies/{sid}/plots/contour", params={"x": "lr", "y": "x"}).json()
    assert (contour["x"], contour["y"], contour["x_log"]) == ("lr", "x", True)
    pareto = client.get(f"/api/studies/{ids[EVIL]}/plots/pareto", params={"x": 0, "y": 1}).json()
    assert pareto["n_front"] == len(skipjack.load_study(study_name=EVIL, storage=url).best_trials)
    r = client.get(f"/api/studies/{ids[EVIL]}/plots/history", params={"objective": 1})
    assert r.status_code == 200
    assert client.get(f"/api/studies/{sid}/plots/pareto").status_code == 400
    assert client.get(f"/api/studies/{sid}/plots/history", params={"objective": 3}).status_code == 400
    r = client.get(f"/api/studies/{sid}/plots/pie")
    assert r.status_code == 404 and "pie" not in r.json()["detail"]


def test_ops_health_pruning_compare(client, url):
    ids = study_ids(url)
    sid = ids["single"]
    ops = client.get(f"/api/studies/{sid}/ops").json()
    assert ops["running"] == [] and ops["stale"] == []
    assert [f["cause"] for f in ops["failures"]] == ["ValueError"]
    assert "boom" in ops["failures"][0]["examples"][0]["reason"]
    assert len(ops["trials_per_minute"]) == 60 and sum(ops["trials_per_minute"]) == 20
    assert ops["budget"]["used"]["trials"] == 20 and ops["storage_latency_ms"] >= 0
    health = client.get(f"/api/studies/{sid}/health").json()
    assert health["figures"]["n_fail"] == 1 and health["checks"]
    pruning = client.get(f"/api/studies/{sid}/pruning").json()
    assert pruning["paused"] is False and pruning["per_step"] and pruning["rules"]
    both = client.get("/api/compare", params={"ids": f"{sid},{ids[EVIL]}"}).json()
    assert [s["summary"]["id"] for s in both["studies"]] == [sid, ids[EVIL]]
    assert both["studies"][0]["best"] == skipjack.load_study(study_name="single",
                                                             storage=url).best_value
    assert client.get("/api/compare", params={"ids": "a,b"}).status_code == 400
    assert client.get("/api/compare", params={"ids": "999"}).status_code == 404


def test_live_events_send_only_what_changed(url):
    """The event stream sends the trials that changed after ``since``, not the history."""
    from skipjack.dashboard import _api_read

    app = create_app(url, min_interval=0.0)
    sid = study_ids(url)["single"]
    with TestClient(app) as client:
        seq = client.get(f"/api/studies/{sid}").json()["seq"]
        skipjack.load_study(study_name="single", storage=url).optimize(
            lambda t: t.suggest_float("x", -2, 2) ** 2, n_trials=2)
        with client.stream("GET", f"/api/studies/{sid}/events", params={"since": seq}) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            data = None
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = json.loads(line[6:])
                    break
    assert data is not None and data["seq"] > seq and data["reload"] is False
    assert [t["number"] for t in data["trials"]] == [20, 21]
    assert data["summary"]["n_trials"] == 22
    assert _api_read.EVENT_LIMIT == 500


def test_unknown_ids_are_404_with_a_clear_message(client, url):
    sid = study_ids(url)["single"]
    for path in ["/api/studies/999", "/api/studies/999/trials", f"/api/studies/{sid}/trials/999",
                 f"/api/studies/{sid}/trials/999/artifacts/abc", "/api/studies/999/events",
                 "/api/studies/999/ops", "/api/nothing-here"]:
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["detail"] and "999" not in r.json()["detail"]
    r = client.get(f"/api/studies/{sid}/trials/abc")
    assert r.status_code == 422 and "'number'" in r.json()["detail"]


def test_openapi_describes_every_route(client):
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for path in ["/api/studies", "/api/studies/{study_id}", "/api/studies/{study_id}/trials",
                 "/api/studies/{study_id}/trials/{number}", "/api/studies/{study_id}/events",
                 "/api/studies/{study_id}/plots/{kind}", "/api/studies/{study_id}/ops",
                 "/api/studies/{study_id}/health", "/api/studies/{study_id}/pruning",
                 "/api/compare", "/api/studies/{study_id}/note",
                 "/api/studies/{study_id}/trials/{number}/note",
                 "/api/studies/{study_id}/trials/{number}/tell",
                 "/api/studies/{study_id}/pruning/pause",
                 "/api/studies/{study_id}/trials/{number}/artifacts/{artifact_id}"]:
        assert path in paths, path
    assert "TrialPage" in spec["components"]["schemas"]


# --- writes -------------------------------------------------------------------------------------

def test_notes_on_studies_and_trials(client, url):
    sid = study_ids(url)["single"]
    r = client.put(f"/api/studies/{sid}/note", json={"body": EVIL, "version": 0},
                   headers=csrf(client))
    assert r.status_code == 200 and r.json()["version"] == 1
    assert client.get(f"/api/studies/{sid}").json()["note"]["body"] == EVIL
    stale = client.put(f"/api/studies/{sid}/note", json={"body": "x", "version": 0},
                       headers=csrf(client))
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]
    r = client.put(f"/api/studies/{sid}/trials/3/note", json={"body": "look", "version": 0},
                   headers=csrf(client))
    assert r.status_code == 200
    assert client.get(f"/api/studies/{sid}/trials/3").json()["note"]["body"] == "look"
    assert client.get(f"/api/studies/{sid}/trials/2").json()["note"]["body"] == ""
    r = client.put(f"/api/studies/{sid}/trials/99/note", json={"body": "x", "version": 0},
                   headers=csrf(client))
    assert r.status_code == 404
    r = client.put(f"/api/studies/{sid}/note", json={"body": 3}, headers=csrf(client))
    assert r.status_code == 422 and "'version'" in r.json()["detail"]


def test_tell_a_waiting_or_running_trial(client, url):
    study = skipjack.load_study(study_name="single", storage=url)
    study.enqueue_trial({"x": 0.5, "lr": 0.01, "kind": "a"})
    running = study.ask()  # takes the enqueued trial
    study.enqueue_trial({"x": 0.25, "lr": 0.01, "kind": "a"})
    waiting = study.get_trials()[-1]
    sid = study_ids(url)["single"]
    r = client.post(f"/api/studies/{sid}/trials/{running.number}/tell",
                    json={"state": "COMPLETE", "values": [0.125]}, headers=csrf(client))
    assert r.status_code == 200 and r.json()["state"] == "COMPLETE"
    r = client.post(f"/api/studies/{sid}/trials/{waiting.number}/tell",
                    json={"state": "PRUNED"}, headers=csrf(client))
    assert r.status_code == 200
    trials = skipjack.load_study(study_name="single", storage=url).get_trials()
    assert trials[running.number].state == TrialState.COMPLETE
    assert trials[running.number].value == 0.125
    assert trials[waiting.number].state == TrialState.PRUNED
    again = client.post(f"/api/studies/{sid}/trials/{running.number}/tell",
                        json={"values": [1.0]}, headers=csrf(client))
    assert again.status_code == 409 and "COMPLETE" in again.json()["detail"]
    study.enqueue_trial({"x": 0.1, "lr": 0.01, "kind": "a"})
    last = study.get_trials()[-1].number
    for body, word in [({"values": [1.0, 2.0]}, "'values'"), ({"values": None}, "'values'"),
                       ({"state": "RUNNING", "values": [1.0]}, "'state'")]:
        r = client.post(f"/api/studies/{sid}/trials/{last}/tell", json=body, headers=csrf(client))
        assert r.status_code in (400, 422) and word in r.json()["detail"], body


def test_pause_switch(client, url):
    sid = study_ids(url)["single"]
    r = client.put(f"/api/studies/{sid}/pruning/pause", json={"paused": True},
                   headers=csrf(client))
    assert r.status_code == 200
    from skipjack.pruners import is_pruning_paused

    assert is_pruning_paused(skipjack.load_study(study_name="single", storage=url))
    assert client.get(f"/api/studies/{sid}/pruning").json()["paused"] is True


def test_read_only_refuses_every_write(url):
    sid = study_ids(url)["single"]
    study = skipjack.load_study(study_name="single", storage=url)
    study.enqueue_trial({"x": 0.5, "lr": 0.01, "kind": "a"})
    number = study.get_trials()[-1].number
    with TestClient(create_app(url, read_only=True)) as client:
        assert client.get("/api/meta").json()["read_only"] is True
        for method, path, body in [
            ("PUT", f"/api/studies/{sid}/note", {"body": "x", "version": 0}),
            ("PUT", f"/api/studies/{sid}/trials/1/note", {"body": "x", "version": 0}),
            ("POST", f"/api/studies/{sid}/trials/{number}/tell", {"values": [1.0]}),
            ("PUT", f"/api/studies/{sid}/pruning/pause", {"paused": True}),
        ]:
            r = client.request(method, path, json=body, headers=csrf(client))
            assert r.status_code == 403 and "read-only" in r.json()["detail"], path
    after = skipjack.load_study(study_name="single", storage=url)
    assert after.get_trials()[number].state == TrialState.WAITING
    assert "skipjack:note" not in after._storage.get_study_system_attrs(sid)

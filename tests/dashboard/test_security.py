"""Security: headers on every response, token, CSRF on writes, 404s that echo nothing,
artifacts only from the store, the token never logged."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

import skipjack  # noqa: E402
from skipjack.artifacts import FileSystemArtifactStore, upload_artifact  # noqa: E402
from skipjack.dashboard import create_app  # noqa: E402

from .conftest import EVIL, study_ids  # noqa: E402

TOKEN = "s3cret-token-for-tests-0123"


def test_security_headers_on_every_response(url):
    sid = study_ids(url)["single"]
    with TestClient(create_app(url)) as client:
        for method, path in [("GET", "/"), ("GET", "/static/app.js"), ("GET", "/api/studies"),
                             ("GET", f"/api/studies/{sid}/trials/1"), ("GET", "/no/such/page"),
                             ("GET", "/api/studies/999"), ("PUT", f"/api/studies/{sid}/note"),
                             ("GET", "/openapi.json"), ("DELETE", "/api/studies")]:
            r = client.request(method, path)
            csp = r.headers.get("content-security-policy", "")
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
            assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            assert r.headers["x-frame-options"] == "DENY", path
            assert r.headers["x-content-type-options"] == "nosniff", path
        assert client.get("/api/studies").headers["cache-control"] == "no-store"


def test_not_found_bodies_echo_nothing(url):
    with TestClient(create_app(url)) as client:
        for path in ["/<b>probe</b>", "/api/studies/12345", "/static/../../etc/passwd",
                     "/static/%3Cscript%3E.js", "/api/studies/0/trials/777"]:
            r = client.get(path)
            assert r.status_code == 404, path
            text = r.text
            for echoed in ("probe", "12345", "passwd", "script", "777", "single", EVIL):
                assert echoed not in text, (path, text)


def test_token_guards_everything_and_a_browser_gets_a_cookie(url):
    with TestClient(create_app(url, token=TOKEN), follow_redirects=False) as client:
        for path in ["/", "/api/studies", "/static/app.js", "/static/plotly.min.js",
                     "/openapi.json"]:
            r = client.get(path)
            assert r.status_code == 401 and "token" in r.json()["detail"], path
            assert r.headers["x-frame-options"] == "DENY"
        assert client.get("/api/studies",
                          headers={"Authorization": "Bearer wrong-token-xxxxx"}).status_code == 401
        r = client.get("/api/studies", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.json()["studies"]
        r = client.get(f"/?token={TOKEN}&x=1")
        assert r.status_code == 303 and r.headers["location"] == "/?x=1"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert client.get("/api/studies").status_code == 200  # the cookie now
        client.cookies.clear()
        client.cookies.set("skipjack_dashboard_token", "nope")
        assert client.get("/").status_code == 401
        assert client.get("/?token=nope").status_code == 401


def test_writes_need_the_csrf_token_or_a_bearer_header(url):
    sid = study_ids(url)["single"]
    note = {"body": "hi", "version": 0}
    with TestClient(create_app(url)) as client:
        r = client.put(f"/api/studies/{sid}/note", json=note)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"]
        client.get("/")
        good = client.cookies["skipjack_csrf"]
        r = client.put(f"/api/studies/{sid}/note", json=note, headers={"x-skipjack-csrf": "bad"})
        assert r.status_code == 403
        r = client.put(f"/api/studies/{sid}/note", json=note,
                       headers={"x-skipjack-csrf": good, "origin": "http://evil.example"})
        assert r.status_code == 403 and "Origin" in r.json()["detail"]
        r = client.put(f"/api/studies/{sid}/note", json=note,
                       headers={"x-skipjack-csrf": good, "origin": "http://testserver"})
        assert r.status_code == 200
    with TestClient(create_app(url, token=TOKEN)) as client:  # a script with the token
        r = client.put(f"/api/studies/{sid}/note", json={"body": "x", "version": 1},
                       headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200


def test_artifacts_download_only_from_the_store(url, tmp_path):
    store = FileSystemArtifactStore(tmp_path / "artifacts")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    study = skipjack.load_study(study_name="single", storage=url)
    trial = study.ask()
    src = tmp_path / "model.bin"
    src.write_bytes(b"\x00weights")
    artifact_id = upload_artifact(artifact_store=store, file_path=str(src), study_or_trial=trial)
    # a forged metadata entry pointing outside the store
    study._storage.set_trial_system_attr(
        trial._trial_id, "artifacts:../secret.txt",
        '{"artifact_id": "../secret.txt", "filename": "secret.txt", "mimetype": "text/plain", '
        '"encoding": null}')
    study.tell(trial, 0.5)  # flushes the trial's writes
    sid = study_ids(url)["single"]
    with TestClient(create_app(url, artifact_store=store)) as client:
        detail = client.get(f"/api/studies/{sid}/trials/{trial.number}").json()
        assert artifact_id in {a["artifact_id"] for a in detail["artifacts"]}
        r = client.get(f"/api/studies/{sid}/trials/{trial.number}/artifacts/{artifact_id}")
        assert r.status_code == 200 and r.content == b"\x00weights"
        assert 'filename="model.bin"' in r.headers["content-disposition"]
        for bad in ["..%2Fsecret.txt", "%2E%2E%2Fsecret.txt", "unknown-id"]:
            r = client.get(f"/api/studies/{sid}/trials/{trial.number}/artifacts/{bad}")
            assert r.status_code == 404 and "do not serve" not in r.text, bad
        other = client.get(f"/api/studies/{sid}/trials/0/artifacts/{artifact_id}")
        assert other.status_code == 404  # listed on another trial only


def test_the_token_is_never_logged(url, caplog):
    import http.client

    from skipjack.dashboard import serve_dashboard

    caplog.set_level(logging.DEBUG)
    server = serve_dashboard(url, port=0, token=TOKEN)
    try:
        for path in [f"/?token={TOKEN}", "/api/studies", f"/api/nothing?token={TOKEN}"]:
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
    finally:
        server.shutdown()
    assert TOKEN not in caplog.text

"""Every answer carries the security headers: successes, every kind of error (401, 403, 404 of
an unknown path or id, 405, 413, 422, 429, the 500 of a bug), health checks, the OpenAPI
document and the docs page (which gets the looser page CSP it needs to render)."""

from __future__ import annotations

import logging

import pytest

from .custom_world import served

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _secured(answer, csp: str = API_CSP) -> None:
    for name, value in EXPECTED.items():
        assert answer.headers.get(name) == value, (answer.status_code, name)
    assert answer.headers.get("Content-Security-Policy") == csp
    # One of each: a route that set its own never doubles them.
    assert len(answer.headers.get_list("X-Frame-Options")) == 1


def test_every_kind_of_answer_carries_the_security_headers(db, cipher, api_settings, post_body):
    # Five requests reach a route (404s of paths, 405s and 413s are refused before).
    with served(db, cipher, api_settings, rate_per_minute=1, burst=5, max_body_bytes=4096) as api:
        editor = api.client("acme", "editor")
        answers = {
            "ok": editor.get("/api/v1/posts"),
            "created": editor.post("/api/v1/posts", json=post_body()),
            "unauthorized": api.anonymous().get("/api/v1/posts"),
            "forbidden": editor.post("/api/v1/accounts/1/disable"),
            "unknown path": editor.get("/api/v1/nothing-here"),
            "unknown id": editor.get("/api/v1/posts/987654"),
            "method": editor.put("/api/v1/posts"),
            "invalid": editor.post("/api/v1/posts", json={"text": "no time"}),
            "too large": editor.post("/api/v1/posts", content=b"x" * 5000),
            "healthz": api.anonymous().get("/healthz"),
            "openapi": api.anonymous().get("/api/v1/openapi.json"),
        }
        answers["limited"] = editor.get("/api/v1/posts")
        expected = {
            "ok": 200,
            "created": 201,
            "unauthorized": 401,
            "forbidden": 403,
            "unknown path": 404,
            "unknown id": 404,
            "method": 405,
            "invalid": 422,
            "too large": 413,
            "healthz": 200,
            "openapi": 200,
            "limited": 429,
        }
        assert {k: a.status_code for k, a in answers.items()} == expected
        for answer in answers.values():
            _secured(answer)
        for name in ("unknown path", "method", "too large", "limited"):
            error = answers[name].json()["error"]
            assert set(error) == {"code", "message", "details"}, name

        docs = api.anonymous().get("/api/v1/docs")
        assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
        _secured(docs, csp="default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                 "frame-ancestors 'none'")  # fmt: skip


def test_the_500_of_a_bug_has_the_headers_the_error_shape_and_no_exception_text(
    db, cipher, api_settings, caplog
):
    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.store.redis_connection import connect

    from .conftest import seed
    from .server import ApiServer

    seed(db, cipher)
    redis = connect(api_settings.redis_url)
    app = create_app(api_settings, db=db, redis=redis)

    # A route with a bug, added for this test: what any unforeseen exception does.
    @app.get("/boom")
    def boom():
        raise RuntimeError("token=SECRET-IN-AN-EXCEPTION")

    caplog.set_level(logging.DEBUG)
    try:
        with ApiServer(app) as server:
            import httpx

            answer = httpx.get(f"{server.url}/boom")
    finally:
        redis.close()
    assert answer.status_code == 500
    assert answer.json() == {
        "error": {
            "code": "internal_error",
            "message": "something went wrong on our side",
            "details": [],
        }
    }
    _secured(answer)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unexpected RuntimeError on GET /boom" in logged
    assert "SECRET-IN-AN-EXCEPTION" not in logged

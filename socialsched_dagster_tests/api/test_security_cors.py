"""CORS is closed unless origins are configured: no origin is ever allowed by default (and a
preflight is refused), and with SOCIALSCHED_API_CORS_ORIGINS only those origins are."""

from __future__ import annotations

import pytest

from .custom_world import served

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
APP = "https://app.example.com"
EVIL = "https://evil.example.net"


def _preflight(client, origin: str, headers: str = "authorization,content-type"):
    return client.options(
        "/api/v1/posts",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_by_default_no_origin_is_allowed_and_preflights_are_refused(db, cipher, api_settings):
    with served(db, cipher, api_settings) as api:
        editor = api.client("acme", "editor")
        for origin in (APP, EVIL, "null", api.url):
            answer = editor.get("/api/v1/posts", headers={"Origin": origin})
            assert answer.status_code == 200
            assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
            preflight = _preflight(api.anonymous(), origin)
            assert preflight.status_code == 405
            assert "access-control-allow-origin" not in preflight.headers
            assert preflight.headers["X-Content-Type-Options"] == "nosniff"


def test_configured_origins_and_only_they_may_call_from_a_browser(db, cipher, api_settings):
    with served(db, cipher, api_settings, cors_origins=(APP,)) as api:
        allowed = _preflight(
            api.anonymous(), APP, "authorization,x-socialsched-timestamp,x-socialsched-signature"
        )
        assert allowed.status_code == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == APP
        assert "access-control-allow-credentials" not in allowed.headers  # bearer keys only
        allowed_headers = allowed.headers["Access-Control-Allow-Headers"].lower()
        assert "x-socialsched-signature" in allowed_headers
        assert allowed.headers["X-Frame-Options"] == "DENY"

        refused = _preflight(api.anonymous(), EVIL)
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers

        editor = api.client("acme", "editor")
        mine = editor.get("/api/v1/posts", headers={"Origin": APP})
        assert mine.headers["Access-Control-Allow-Origin"] == APP
        exposed = mine.headers["Access-Control-Expose-Headers"].lower()
        assert "ratelimit-remaining" in exposed and "retry-after" in exposed
        theirs = editor.get("/api/v1/posts", headers={"Origin": EVIL})
        assert "access-control-allow-origin" not in theirs.headers

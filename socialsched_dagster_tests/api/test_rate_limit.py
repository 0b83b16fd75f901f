"""Rate limits per key (and per client address without a valid key), kept in Redis so every
API process counts together: the burst, then 429 with Retry-After and the RateLimit-* fields
of draft-ietf-httpapi-ratelimit-headers-06; one Redis round trip a request; and requests still
served (unlimited) while Redis is unreachable."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from socialsched_dagster.store.redis_connection import connect

from .custom_world import served
from .server import ApiServer, free_port

# Rate limiting does not touch the database beyond authentication: one backend is enough.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _limits(answer) -> tuple[str, ...]:
    h = answer.headers
    return (h["RateLimit-Limit"], h["RateLimit-Remaining"], h["RateLimit-Policy"])


def test_a_key_gets_its_burst_then_429_with_retry_after_and_the_error_shape(
    db, cipher, api_settings
):
    with served(db, cipher, api_settings, rate_per_minute=60, burst=3) as api:
        editor = api.client("acme", "editor")
        answers = [editor.get("/api/v1/posts") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [_limits(a) for a in answers] == [
            ("3", "2", "3;w=3"),
            ("3", "1", "3;w=3"),
            ("3", "0", "3;w=3"),
        ]
        # Seconds until the whole burst is back: three requests at one a second.
        assert 1 <= int(answers[-1].headers["RateLimit-Reset"]) <= 3
        assert "Retry-After" not in answers[-1].headers

        refused = editor.get("/api/v1/posts")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["RateLimit-Remaining"] == "0"
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
        error = refused.json()["error"]
        assert error["code"] == "rate_limited"
        assert "60 a minute" in error["message"] and error["details"] == []

        # Each key has its own allowance, even in the same workspace.
        other = api.client("acme", "viewer").get("/api/v1/posts")
        assert other.status_code == 200
        assert other.headers["RateLimit-Remaining"] == "2"


def test_errors_count_and_carry_the_limit_fields_too(db, cipher, api_settings):
    with served(db, cipher, api_settings, rate_per_minute=60, burst=2) as api:
        viewer = api.client("acme", "viewer")
        missing = viewer.get("/api/v1/posts/999999")
        forbidden = viewer.post("/api/v1/accounts/1/disable")
        assert (missing.status_code, forbidden.status_code) == (404, 403)
        assert [
            missing.headers["RateLimit-Remaining"],
            forbidden.headers["RateLimit-Remaining"],
        ] == [
            "1",
            "0",
        ]
        assert viewer.get("/api/v1/workspace").status_code == 429


def test_the_allowance_refills_at_the_steady_rate(db, cipher, api_settings):
    with served(db, cipher, api_settings, rate_per_minute=120, burst=1) as api:
        editor = api.client("acme", "editor")
        assert editor.get("/api/v1/workspace").status_code == 200
        refused_at = time.monotonic()
        assert editor.get("/api/v1/workspace").status_code == 429
        deadline = refused_at + 5
        while (answer := editor.get("/api/v1/workspace")).status_code == 429:
            assert time.monotonic() < deadline, "the allowance never came back"
            time.sleep(0.05)
        # One request every half second: not before most of that interval has passed.
        assert time.monotonic() - refused_at >= 0.3
        assert answer.headers["RateLimit-Remaining"] == "0"


def test_requests_without_a_valid_key_are_limited_per_client_address(db, cipher, api_settings):
    with served(db, cipher, api_settings, rate_per_minute=60, burst=2) as api:
        nobody = api.anonymous()
        first = nobody.get("/api/v1/posts")
        assert first.status_code == 401
        assert first.json()["error"]["code"] == "unauthorized"
        assert first.headers["RateLimit-Remaining"] == "1"
        wrong = nobody.get("/api/v1/posts", headers={"Authorization": "Bearer ssk_0123456789ab_x"})
        assert wrong.status_code == 401 and wrong.headers["RateLimit-Remaining"] == "0"
        # Guessing keys from this address is now refused before any key is looked up.
        guessed = nobody.get("/api/v1/posts", headers={"Authorization": "Bearer ssk_guess_y"})
        assert guessed.status_code == 429
        assert guessed.json()["error"]["code"] == "rate_limited"
        # A valid key from the same address has its own allowance.
        assert api.client("acme", "viewer").get("/api/v1/posts").status_code == 200


def test_processes_sharing_redis_share_each_keys_allowance(db, cipher, api_settings):
    from socialsched_dagster.api.app import create_app

    from .conftest import with_api

    with served(db, cipher, api_settings, rate_per_minute=60, burst=2) as api:
        redis = connect(api_settings.redis_url)
        second = create_app(with_api(api_settings, rate_per_minute=60, burst=2), db=db, redis=redis)
        try:
            with ApiServer(second) as other:
                key = api.keys[("acme", "editor")]
                headers = {"Authorization": f"Bearer {key}"}
                assert api.client("acme", "editor").get("/api/v1/posts").status_code == 200
                import httpx

                with httpx.Client(base_url=other.url, headers=headers) as client:
                    assert client.get("/api/v1/posts").status_code == 200
                    assert client.get("/api/v1/posts").status_code == 429
        finally:
            redis.close()


def test_each_request_costs_one_redis_round_trip(db, cipher, api_settings):
    with served(db, cipher, api_settings) as api:
        editor = api.client("acme", "editor")
        assert editor.get("/api/v1/posts").status_code == 200  # loads the script once
        watcher = connect(api_settings.redis_url, timeout_s=5)
        seen: list[str] = []
        watching = threading.Event()
        db_index = watcher.connection_pool.connection_kwargs.get("db", 0)

        def watch():
            with watcher.monitor() as monitor:
                while True:
                    command = monitor.next_command()
                    # Other databases of a shared server, and what the script itself runs.
                    if command["db"] != db_index or command.get("client_type") == "lua":
                        continue
                    if command["command"] == "ECHO start-of-test":
                        watching.set()
                    elif command["command"] == "ECHO end-of-test":
                        return
                    elif watching.is_set():
                        seen.append(command["command"].split()[0].upper())

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        while not watching.wait(0.05):  # until MONITOR is on
            watcher.echo("start-of-test")
        for _ in range(3):
            assert editor.get("/api/v1/posts").status_code == 200
        watcher.echo("end-of-test")
        thread.join(5)
        watcher.close()
        assert seen == ["EVALSHA"] * 3, seen


def test_an_unreachable_redis_serves_requests_unlimited_and_says_so_once(
    db, cipher, api_settings, caplog
):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    caplog.set_level(logging.WARNING, logger="socialsched_dagster.api.rate_limit")
    with served(db, cipher, api_settings, redis_url=nowhere, rate_per_minute=60, burst=1) as api:
        editor = api.client("acme", "editor")
        answers = [editor.get("/api/v1/posts") for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert all("RateLimit-Limit" not in a.headers for a in answers)
    warnings = [r for r in caplog.records if r.name == "socialsched_dagster.api.rate_limit"]
    assert len(warnings) == 1
    assert "Redis is unreachable (ConnectionError)" in warnings[0].getMessage()

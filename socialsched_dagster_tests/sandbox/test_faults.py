"""Faults on demand: error rates, 429 storms, lost responses, malformed bodies, outages."""

from __future__ import annotations

import httpx
import pytest

from .helpers import IG, PAGE, error, ig_image, ig_publish, status_of, token
from .test_youtube import open_session


def test_error_rate_answers_transient_error_without_commit(sb, http):
    tok = token(sb)
    container = ig_image(http, tok)
    sb.control.set_faults(error_rates={"ig_publish": {"rate": 1.0, "status": 503}})
    r = ig_publish(http, tok, container)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == 2 and r.json()["error"]["is_transient"] is True
    assert status_of(http, tok, container) == "FINISHED" and sb.control.ledger() == []
    sb.control.set_faults(error_rates={"*": 1.0})
    yt = open_session(sb, http)
    assert yt.status_code == 500 and yt.json()["error"]["errors"][0]["reason"] == "backendError"
    assert sb.control.stats()["errors_injected"] == {"ig_publish": 1, "yt_session": 1}


def test_unknown_endpoint_name_is_rejected(sb):
    with pytest.raises(httpx.HTTPStatusError):
        sb.control.set_faults(error_rates={"ig_publsh": 1.0})


def test_429_storm_with_retry_after(sb, http):
    tok = token(sb)
    container = ig_image(http, tok)
    sb.control.set_faults(
        storm_429={"seconds": 30, "retry_after": 7, "endpoints": ["ig_publish", "yt_session"]}
    )
    r = ig_publish(http, tok, container)
    assert r.status_code == 400 and error(r)[0] == 80002 and r.headers["retry-after"] == "7"
    yt = open_session(sb, http)
    assert yt.status_code == 429 and yt.headers["retry-after"] == "7"
    assert yt.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert ig_image(http, tok)  # other endpoints are not in the storm
    stats = sb.control.stats()
    assert stats["throttled_total"] == 2 and stats["rate_limit_violations"] == 0
    assert sb.control.faults()["storm_429"]["remaining_seconds"] > 20


def test_drop_after_commit_commits_then_client_times_out(sb, http):
    tok = token(sb)
    container = ig_image(http, tok)
    sb.control.set_faults(
        drop_after_commit={"endpoints": ["ig_publish"], "count": 1}, drop_hold_seconds=5
    )
    with pytest.raises(httpx.ReadTimeout):
        http.post(
            f"/v21.0/{IG}/media_publish",
            data={"creation_id": container, "access_token": tok},
            headers={"X-Socialsched-Target": "t-drop"},
            timeout=0.5,
        )
    [entry] = sb.control.ledger()  # committed although the client never heard back
    assert entry["target"] == "t-drop" and status_of(http, tok, container) == "PUBLISHED"
    assert sb.control.stats()["dropped"] == {"ig_publish": 1}


def test_drop_after_hold_aborts_the_connection(sb, http):
    tok = token(sb, "facebook", PAGE)
    sb.control.set_faults(drop_after_commit={"endpoints": ["fb_feed"]}, drop_hold_seconds=0.2)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(f"/v21.0/{PAGE}/feed", data={"message": "m", "access_token": tok})
    assert len(sb.control.ledger()) == 1
    ok = http.post(f"/v21.0/{PAGE}/feed", data={"message": "m2", "access_token": tok})
    assert ok.status_code == 200  # count was 1: the next one is answered


def test_malformed_answers_200_without_commit(sb, http):
    tok = token(sb, "facebook", PAGE)
    sb.control.set_faults(malformed={"endpoints": ["fb_feed"], "count": 2})
    for _ in range(2):
        r = http.post(f"/v21.0/{PAGE}/feed", data={"message": "m", "access_token": tok})
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
    assert sb.control.ledger() == []
    assert http.post(f"/v21.0/{PAGE}/feed", data={"message": "m", "access_token": tok}).json()["id"]


def test_down_switch_spares_the_control_api(sb, http):
    tok = token(sb)
    sb.control.set_faults(down=True)
    r = http.get(f"/v21.0/{IG}/content_publishing_limit", params={"access_token": tok})
    assert r.status_code == 503 and error(r)[0] == 2
    assert http.post("/token", data={"grant_type": "refresh_token"}).status_code == 503
    assert open_session(sb, http).status_code == 503
    assert http.get("/_sandbox/health").json() == {"ok": True}
    assert sb.control.stats()["down"]["ig_publishing_limit"] == 1
    sb.control.clear_faults()
    assert http.get(
        f"/v21.0/{IG}/content_publishing_limit", params={"access_token": tok}
    ).is_success


def test_latency_fault(sb, http):
    tok = token(sb)
    sb.control.set_faults(latency_ms=300)
    r = http.get(f"/v21.0/{IG}/content_publishing_limit", params={"access_token": tok})
    assert r.elapsed.total_seconds() >= 0.3
    assert http.get("/_sandbox/health").elapsed.total_seconds() < 0.3  # control is never slowed

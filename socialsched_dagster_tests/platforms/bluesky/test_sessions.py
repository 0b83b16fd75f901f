"""Sessions: one login serves many posts and every run (through Redis), sessions are refreshed
rather than logged in again, logins stay under the PDS's 30 per 5 minutes, and a dead app
password holds the account (AUTH) with a message that says what to do."""

from __future__ import annotations

import uuid

import pytest
import redis

from socialsched_dagster.cache.redis_cache import RedisCache
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.bluesky import BlueskyClient

from .helpers import DID, P, app_password, job, requests, text_post, xrpc


def publish(client, sb, text, **kw):
    j = job(sb, text_post(text), **kw)
    return client.publish(j, client.prepare(j))


@pytest.fixture
def shared_cache(real_or_embedded_redis_url):
    namespace = f"t{uuid.uuid4().hex[:10]}:cache"
    return RedisCache(real_or_embedded_redis_url, namespace), namespace


def test_one_login_serves_every_post(sb, bsky):
    password = app_password(sb)
    for i in range(5):
        publish(bsky, sb, f"post {i}", token=password)
    assert requests(sb, "create_session") == 1 and bsky.sessions.login_count == 1


def test_the_next_run_takes_the_session_from_redis_sealed(
    sb, config, guard, shared_cache, real_or_embedded_redis_url
):
    cache, namespace = shared_cache
    password = app_password(sb)
    with BlueskyClient(config, guard, cache=cache) as first:
        publish(first, sb, "from the first run", token=password)
    with BlueskyClient(config, guard, cache=cache) as second:
        publish(second, sb, "from the second run", token=password)
        assert second.sessions.login_count == 0
    assert requests(sb, "create_session") == 1
    r = redis.Redis.from_url(real_or_embedded_redis_url)
    stored = b"".join(r.get(k) or b"" for k in r.keys(f"{namespace}:v:bluesky:session:*"))
    assert stored and b"eyJ" not in stored and DID.encode() not in stored  # sealed
    assert all(password.encode() not in k for k in r.keys(f"{namespace}:*"))


def test_an_expired_access_jwt_is_refreshed_not_logged_in_again(sb, bsky):
    password = app_password(sb)
    publish(bsky, sb, "before", token=password)
    sb.control.advance_clock(2 * 3600 + 60)  # the 2 h access JWT has expired on the PDS
    publish(bsky, sb, "after", token=password)
    assert requests(sb, "create_session") == 1 and requests(sb, "refresh_session") == 1
    assert len(sb.control.ledger()) == 2


def test_a_session_about_to_expire_is_refreshed_before_the_call(sb, bsky):
    # The PDS's clock is ahead: the JWTs it issues expire in 200 s by ours, under the margin.
    sb.control.advance_clock(-(2 * 3600 - 200))
    publish(bsky, sb, "refreshed first", token=app_password(sb))
    assert requests(sb, "refresh_session") >= 1
    assert requests(sb, "create_record") == 1  # never sent with a token about to be refused


def test_a_revoked_app_password_holds_the_account_once_its_session_ends(sb, bsky):
    password = app_password(sb)
    publish(bsky, sb, "while valid", token=password)
    sb.control.revoke(DID, P.value)
    publish(bsky, sb, "the access JWT lives its 2 h out", token=password)
    sb.control.advance_clock(2 * 3600 + 60)
    with pytest.raises(PublishError) as err:
        publish(bsky, sb, "too late", token=password)
    e = err.value
    assert e.kind is ErrorKind.AUTH_EXPIRED and e.code == "AuthenticationRequired"
    assert "Invalid identifier or password" in e.message
    assert "create a new one and give it to `socialsched accounts reconnect`" in e.message
    assert password not in str(e)
    assert requests(sb, "refresh_session") == 1  # refused ("Token has been revoked"), then login
    assert len(sb.control.ledger()) == 2


def test_a_wrong_app_password_is_auth(sb, bsky):
    other = app_password(sb, "did:plc:mallory")
    with pytest.raises(PublishError) as err:
        publish(bsky, sb, "x", token=other)
    assert err.value.kind is ErrorKind.AUTH_EXPIRED and err.value.http_status == 401
    assert sb.control.ledger() == []


def test_the_pds_refuses_the_31st_login_in_5_minutes_with_its_rate_headers(sb):
    password = app_password(sb)
    body = {"identifier": DID, "password": password}
    answers = [xrpc(sb, "com.atproto.server.createSession", json=body) for _ in range(31)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    last = answers[30]
    assert last.status_code == 429 and last.json()["error"] == "RateLimitExceeded"
    assert last.headers["ratelimit-limit"] == "30" and last.headers["ratelimit-remaining"] == "0"
    assert last.headers["ratelimit-policy"] == "30;w=300"
    assert 0 < int(last.headers["retry-after"]) <= 300


def test_a_login_the_pds_rate_limits_is_rate_limited_with_its_wait(sb, bsky):
    body = {"identifier": DID, "password": app_password(sb)}
    for _ in range(30):  # another tool used up the account's logins
        xrpc(sb, "com.atproto.server.createSession", json=body)
    with pytest.raises(PublishError) as err:
        publish(bsky, sb, "x")
    assert err.value.kind is ErrorKind.RATE_LIMITED and 200 < err.value.retry_after_s <= 300


def test_the_client_itself_never_tries_a_31st_login(sb, bsky):
    for i in range(30):  # a new app password each time: a new session each time
        publish(bsky, sb, f"post {i}")
    with pytest.raises(PublishError) as err:
        publish(bsky, sb, "one login too many")
    assert err.value.kind is ErrorKind.RATE_LIMITED and err.value.code == "LoginLimit"
    assert err.value.retry_after_s and err.value.retry_after_s > 0
    assert requests(sb, "create_session") == 30  # the PDS never saw the 31st

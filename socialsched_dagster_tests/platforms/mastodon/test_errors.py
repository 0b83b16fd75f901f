"""Mastodon's failures as the publisher sees them: rate limits until the reset, dead tokens,
malformed and failing answers, and no token anywhere in a message."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.mastodon import MastodonClient
from socialsched_dagster.platforms.registry import spec
from socialsched_dagster.resilience.breaker import BreakerSettings
from socialsched_dagster.resilience.guard import ResilientGuard

from .conftest import SETTINGS
from .helpers import ACCOUNT, IMAGE, P, job, requests


@pytest.fixture
def shared_guard(real_or_embedded_redis_url) -> ResilientGuard:
    """The guard runs use: budgets and pauses in Redis, a namespace of this test's own."""
    return ResilientGuard(
        real_or_embedded_redis_url, namespace=f"mastodon-{uuid.uuid4().hex}", max_wait_s=1.0
    )


def fails(fn, *args) -> PublishError:
    with pytest.raises(PublishError) as err:
        fn(*args)
    return err.value


def test_the_window_running_out_is_rate_limited_until_its_reset(sb, masto, guard, instance):
    instance(api_limit=4, api_period_s=3600)
    j = job(sb, PostContent(text="one"))
    masto.publish(j, masto.prepare(j))  # credentials, instance, status: 3 of 4
    second = dataclasses.replace(j, target_id=2, content=PostContent(text="two"))
    masto.publish(second, masto.prepare(second))  # 4 of 4
    assert guard.usage[-1][2].percent == 100 and guard.usage[-1][2].regain_after_s > 0
    third = dataclasses.replace(j, target_id=3, content=PostContent(text="three"))
    err = fails(masto.publish, third, masto.prepare(third))
    assert err.kind is ErrorKind.RATE_LIMITED and err.http_status == 429
    # Until the window's end by the instance's clock (windows are aligned to the period).
    left = 3600 - time.time() % 3600
    assert abs(err.retry_after_s - left) < 3
    assert err.message == "Too many requests" and len(sb.control.ledger()) == 2


def test_a_429_storm_is_rate_limited_with_the_reset_it_names(sb, masto):
    j = job(sb, PostContent(text="stormy"))
    handle = masto.prepare(j)
    sb.control.set_faults(storm_429={"seconds": 30, "retry_after": 7})
    err = fails(masto.publish, j, handle)
    assert err.kind is ErrorKind.RATE_LIMITED and 5 <= err.retry_after_s <= 8
    assert sb.control.ledger() == []


def test_the_headers_hold_the_account_back_before_the_instance_refuses(
    sb, m_config, instance, shared_guard
):
    client = MastodonClient(m_config, shared_guard, settings=SETTINGS)
    instance(api_limit=3, api_period_s=3600)
    j = job(sb, PostContent(text="one"))
    client.publish(j, client.prepare(j))  # credentials, instance, status: "remaining 0"
    again = dataclasses.replace(j, target_id=2, content=PostContent(text="two"))
    err = fails(client.publish, again, client.prepare(again))
    # Refused by our own guard until the instance's reset: nothing was sent to be refused.
    assert err.kind is ErrorKind.RATE_LIMITED and err.code == "rate_budget"
    assert abs(err.retry_after_s - (3600 - time.time() % 3600)) < 5
    assert requests(sb, "mastodon_statuses") == 1
    assert sb.control.stats()["rate_limit_violations"] == 0
    client.close()


def test_the_media_bucket_does_not_hold_back_text_posts(sb, m_config, instance, shared_guard):
    client = MastodonClient(m_config, shared_guard, settings=SETTINGS)
    instance(media_limit=1, media_period_s=1800)
    j = job(sb, PostContent(text="a", media=(IMAGE,)))
    client.prepare(j)
    second = dataclasses.replace(j, target_id=2, content=PostContent(text="b", media=(IMAGE,)))
    err = fails(client.prepare, second)
    # Held back until the media window's end (aligned to its 30-minute period), not the 5-minute
    # API window's: the wait is measured against the clock, wherever in the window we are.
    assert err.kind is ErrorKind.RATE_LIMITED
    assert abs(err.retry_after_s - (1800 - time.time() % 1800)) < 5
    text_only = dataclasses.replace(j, target_id=3, content=PostContent(text="text still goes"))
    client.publish(text_only, client.prepare(text_only))  # not paused for half an hour
    assert len(sb.control.ledger()) == 1
    client.close()


def test_a_revoked_token_is_auth_expired_and_never_refreshed(sb, masto):
    j = job(sb, PostContent(text="hello"))
    handle = masto.prepare(j)
    sb.control.revoke(ACCOUNT, P.value)
    err = fails(masto.publish, j, handle)
    assert err.kind is ErrorKind.AUTH_EXPIRED and err.http_status == 401
    assert err.message == "The access token was revoked"
    s = spec(Platform.MASTODON)
    assert s.refresh_token is None and s.refresh_horizon is None and s.needs_server
    invalid = fails(masto.prepare, job(sb, PostContent(text="x"), token="not-a-token"))
    assert invalid.kind is ErrorKind.AUTH_EXPIRED and "invalid" in invalid.message


@pytest.mark.parametrize(
    "endpoint,kind",
    [("mastodon_statuses", ErrorKind.UNKNOWN_OUTCOME), ("mastodon_instance", ErrorKind.UNKNOWN)],
)
def test_a_malformed_answer_fails_with_what_the_instance_sent(sb, masto, endpoint, kind):
    j = job(sb, PostContent(text="garbled"))
    handle = masto.prepare(j) if endpoint == "mastodon_statuses" else None
    sb.control.set_faults(malformed={"endpoints": [endpoint], "count": 1})
    err = fails(masto.publish, j, handle) if handle else fails(masto.prepare, j)
    assert err.kind is kind and "malformed response" in err.message
    assert "Sorry, something went wrong" in err.message or '{"id":"1789' in err.message


def test_server_errors_are_retryable_and_a_post_s_is_an_unknown_outcome(sb, masto):
    j = job(sb, PostContent(text="5xx"))
    sb.control.set_faults(error_rates={"mastodon_instance": {"rate": 1.0, "status": 502}})
    err = fails(masto.prepare, j)
    assert err.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.kind.trips_breaker
    sb.control.clear_faults()
    handle = masto.prepare(j)
    sb.control.set_faults(error_rates={"mastodon_statuses": {"rate": 1.0, "status": 503}})
    err = fails(masto.publish, j, handle)
    # Injected before the handler: nothing was made, but a client cannot know that.
    assert err.kind is ErrorKind.UNKNOWN_OUTCOME and "temporary problem" in err.message
    assert sb.control.ledger() == []


def test_no_token_in_errors_or_logs(sb, masto, caplog):
    caplog.set_level(logging.DEBUG)
    j = job(sb, PostContent(text="secret-free"))
    sb.control.set_faults(down=True)
    err = fails(masto.prepare, j)
    assert j.access_token not in str(err) and j.access_token not in caplog.text
    assert requests(sb, "mastodon_verify_credentials") == 1


def test_one_instance_down_opens_its_own_breaker_not_every_instance(
    sb, m_config, real_or_embedded_redis_url
):
    # The real guard (Redis), its breaker opening after two failures.
    guard = ResilientGuard(
        real_or_embedded_redis_url,
        breaker=BreakerSettings(fail_max=2, reset_timeout_s=600),
        namespace=f"mastodon-{uuid.uuid4().hex}",
        max_wait_s=1.0,
    )
    client = MastodonClient(m_config, guard, settings=SETTINGS)
    # An instance that does not answer (nothing listens on port 9 here).
    down = dataclasses.replace(job(sb, PostContent(text="a")), server_url="http://127.0.0.1:9")
    for _ in range(2):
        assert fails(client.prepare, down).kind is ErrorKind.NETWORK
    refused = fails(client.prepare, down)
    assert refused.code == "circuit_open" and "mastodon 127.0.0.1:9" in refused.message
    # Accounts on another instance (the sandbox) go on publishing.
    j = job(sb, PostContent(text="another instance is unaffected"))
    client.publish(j, client.prepare(j))
    assert len(sb.control.ledger()) == 1
    client.close()

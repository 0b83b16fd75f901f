"""The 250 posts per rolling 24 h: read live, honoured before threads_publish, and reported as
RATE_LIMITED with the time the next slot frees."""

from __future__ import annotations

import pytest

from socialsched_dagster.cache.redis_cache import RedisCache
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.threads import ThreadsClient
from socialsched_dagster.platforms.threads.quota import Limit, cache_key

from .helpers import job, publish_raw, text, token

DAY = 86400


@pytest.fixture
def cache(real_or_embedded_redis_url):
    cache = RedisCache(real_or_embedded_redis_url, namespace="test:threads")
    yield cache
    cache.invalidate(cache_key("27000000000000042"))


def test_a_full_window_waits_for_its_oldest_post_to_age_out(sb, th):
    access = token(sb, expires_in=None)
    publish_raw(sb, access, 250)
    assert th.publishing_limit(job(sb, text("x"), access_token=access)) == Limit(250, 250, DAY)
    sb.control.advance_clock(3600)  # the window's oldest post is now an hour old
    j = job(sb, text("one too many"), access_token=access, target_id=9)
    container = th.prepare(j)
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.RATE_LIMITED and err.value.code == "threads_publishing_limit"
    # About 23 h: when the first of the 250 leaves the rolling window, not a guess.
    assert DAY - 3600 - 120 < err.value.retry_after_s <= DAY - 3600 + 1
    assert "250 of 250" in err.value.message
    assert sb.control.stats()["requests"]["threads_publish"] == 250  # ours was never sent
    sb.control.advance_clock(err.value.retry_after_s + 1)
    post_id = th.publish(j, container)
    assert sb.control.ledger()[-1]["external_id"] == post_id
    assert [e["target"] for e in sb.control.ledger()].count("9") == 1


def test_the_platform_refusing_over_a_stale_count_is_rate_limited_too(sb, config, guard, cache):
    access = token(sb, expires_in=None)
    publish_raw(sb, access, 250)
    j = job(sb, text("cached count is stale"), access_token=access)
    # Another run cached the count a moment ago, when it was far from the cap.
    cache.get_or_set(cache_key(j.account_external_id), lambda: [200, 250, DAY], 60)
    with ThreadsClient(config, guard, cache=cache) as th:
        container = th.prepare(j)
        with pytest.raises(PublishError) as err:
            th.publish(j, container)
    assert err.value.kind is ErrorKind.RATE_LIMITED and err.value.retry_after_s > DAY - 120
    assert "250 of 250" in err.value.message
    stats = sb.control.stats()["requests"]
    assert stats["threads_publish"] == 251  # refused by the platform
    assert len(sb.control.ledger()) == 250
    # The stale count was dropped: the next attempt reads the real one and does not send.
    with ThreadsClient(config, guard, cache=cache) as th, pytest.raises(PublishError):
        th.publish(j, container)
    assert sb.control.stats()["requests"]["threads_publish"] == 251


def test_the_count_is_cached_far_from_the_cap(sb, config, guard, cache):
    with ThreadsClient(config, guard, cache=cache) as th:
        for n in range(3):
            j = job(sb, text(f"post {n}"))
            th.publish(j, th.prepare(j))
    assert sb.control.stats()["requests"]["threads_publishing_limit"] == 1
    assert len(sb.control.ledger()) == 3

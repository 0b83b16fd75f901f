"""RedisCache basics on a real Redis: counting, expiry, invalidation, serializers, errors."""

from __future__ import annotations

import pickle
import time
from datetime import datetime, timezone

import pytest
import redis

from socialsched_dagster.cache import RedisCache


class Loader:
    """Counts its calls; returns `value` (or the call number)."""

    def __init__(self, value=None, *, sleep_s: float = 0.0):
        self.value, self.sleep_s, self.calls = value, sleep_s, 0

    def __call__(self):
        self.calls += 1
        time.sleep(self.sleep_s)
        return self.calls if self.value is None else self.value


def test_hits_and_misses_add_up_over_every_cache_object(redis_url, ns):
    # Two objects stand for two run processes: the counters live in Redis, not in memory.
    first, second = RedisCache(redis_url, ns), RedisCache(redis_url, ns)
    assert first.stats() == {"hits": 0, "misses": 0, "hit_rate": None, "bypasses": 0}
    load = Loader({"usage": 3})
    assert first.get_or_set("acct:1", load) == {"usage": 3}
    assert second.get_or_set("acct:1", load) == {"usage": 3}
    assert second.get_or_set("acct:1", load) == {"usage": 3}
    assert first.get_or_set("acct:1", load) == {"usage": 3}
    assert load.calls == 1
    assert first.stats() == {"hits": 3, "misses": 1, "hit_rate": 0.75, "bypasses": 0}
    other = RedisCache(redis_url, f"{ns}:other")
    assert other.stats()["hits"] == 0  # per namespace


def test_values_expire_after_their_ttl_plus_at_most_the_jitter(redis_url, ns):
    cache = RedisCache(redis_url, ns, jitter=0.1)
    load = Loader()
    assert cache.get_or_set("k", load, ttl_s=0.3) == 1
    ttl_ms = redis.Redis.from_url(redis_url).pttl(f"{ns}:v:k")
    assert 200 < ttl_ms <= 330
    assert cache.get_or_set("k", load, ttl_s=0.3) == 1
    time.sleep(0.35)
    assert cache.get_or_set("k", load, ttl_s=0.3) == 2
    assert cache.stats()["misses"] == 2


def test_keys_stored_together_do_not_expire_together(redis_url, ns):
    cache = RedisCache(redis_url, ns, default_ttl_s=100, jitter=0.1)
    client = redis.Redis.from_url(redis_url)
    for n in range(20):
        cache.get_or_set(f"k{n}", Loader(n))
    ttls = [client.pttl(f"{ns}:v:k{n}") for n in range(20)]
    assert all(99_000 < t <= 110_000 for t in ttls)
    assert len(set(ttls)) > 10  # spread over the jitter, not one instant


def test_invalidate_makes_the_next_lookup_load_again(redis_url, ns):
    cache = RedisCache(redis_url, ns)
    load = Loader()
    assert cache.get_or_set("k", load) == 1
    cache.invalidate("k")
    assert cache.get_or_set("k", load) == 2
    cache.invalidate("never-set")  # harmless


def test_none_is_a_value_and_other_serializers_keep_types(redis_url, ns):
    cache = RedisCache(redis_url, ns)
    calls = []

    def returns_none():
        calls.append(1)

    assert cache.get_or_set("none", returns_none) is None
    assert cache.get_or_set("none", returns_none) is None
    assert len(calls) == 1
    moment = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)
    assert cache.get_or_set("p", lambda: (moment, 2), serializer=pickle) == (moment, 2)
    assert cache.get_or_set("p", lambda: pytest.fail("cached"), serializer=pickle) == (moment, 2)


def test_a_failing_loader_is_not_cached_and_frees_the_key_at_once(redis_url, ns):
    cache = RedisCache(redis_url, ns, wait_s=5)

    def broken():
        raise ValueError("platform said no")

    with pytest.raises(ValueError, match="platform said no"):
        cache.get_or_set("k", broken)
    assert redis.Redis.from_url(redis_url).exists(f"{ns}:lock:k") == 0
    started = time.monotonic()
    assert cache.get_or_set("k", lambda: "ok") == "ok"
    assert time.monotonic() - started < 0.5  # no waiting for a lock left behind


def test_a_lock_left_by_a_dead_loader_delays_others_only_until_it_expires(redis_url, ns):
    # A process that died while loading leaves its lock; its PX bounds the damage.
    redis.Redis.from_url(redis_url).set(f"{ns}:lock:k", "dead-process", px=300)
    cache = RedisCache(redis_url, ns, wait_s=5)
    started = time.monotonic()
    assert cache.get_or_set("k", lambda: "loaded") == "loaded"
    assert 0.25 < time.monotonic() - started < 1.5


def test_a_value_that_cannot_be_decoded_is_replaced_not_raised(redis_url, ns):
    # e.g. written by an older release with another format
    redis.Redis.from_url(redis_url).set(f"{ns}:v:k", b"\x80not json")
    cache = RedisCache(redis_url, ns)
    assert cache.get_or_set("k", lambda: {"fresh": True}) == {"fresh": True}
    assert cache.get_or_set("k", lambda: pytest.fail("stored")) == {"fresh": True}

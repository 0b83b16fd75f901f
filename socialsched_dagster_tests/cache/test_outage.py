"""Redis going away: every lookup still answers (through its loader), one warning per outage,
bypasses counted and handed to Redis when it is back, invalidations not lost."""

from __future__ import annotations

import logging
import threading
import time

import redis

from socialsched_dagster.cache import RedisCache
from socialsched_dagster_tests.disposable_redis import free_port

from .conftest import PASSWORD


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_lookups_bypass_a_dead_redis_warn_once_and_recover(server, ns, caplog):
    caplog.set_level(logging.INFO, logger="socialsched_dagster.cache")
    cache = RedisCache(server.url, ns, retry_s=0.3)
    assert cache.get_or_set("k", lambda: "cached") == "cached"
    assert cache.get_or_set("k", lambda: "not called") == "cached"

    server.kill()
    calls = []
    for n in range(20):
        assert cache.get_or_set("k", lambda n=n: calls.append(n) or n) == n
    assert calls == list(range(20))
    cache.invalidate("k")  # no exception either
    stats = cache.stats()
    assert stats == {"hits": None, "misses": None, "hit_rate": None, "bypasses": 20}
    assert cache.bypasses == 20
    [warning] = warnings(caplog)
    assert "Redis unreachable" in warning and "bypassed" in warning
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)

    server.start()  # empty: it was started without persistence
    time.sleep(0.35)  # past retry_s
    assert cache.get_or_set("k", lambda: "fresh") == "fresh"
    assert cache.get_or_set("k", lambda: "not called") == "fresh"
    back = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(back) == 1 and back[0].levelno == logging.INFO
    assert len(warnings(caplog)) == 1
    # The outage's bypasses now sit in Redis for every process (and the exporter) to see.
    assert cache.stats() == {"hits": 1, "misses": 1, "hit_rate": 0.5, "bypasses": 20}


def test_threads_do_not_pay_a_timeout_each_during_an_outage(ns, caplog):
    # Nothing listens on this port: a cache built while Redis is down works from the start.
    cache = RedisCache(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0", ns, retry_s=60)
    results = []
    threads = [
        threading.Thread(target=lambda n=n: results.append(cache.get_or_set("k", lambda: n)))
        for n in range(10)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == list(range(10))
    assert time.monotonic() - started < 1.0
    assert cache.bypasses == 10
    assert len(warnings(caplog)) == 1


def test_an_invalidation_redis_missed_is_applied_when_it_answers_again(server, ns):
    cache = RedisCache(server.url, ns, retry_s=0.2, timeout_s=0.2)
    assert cache.get_or_set("account:1", lambda: "active") == "active"
    # A hung Redis (all clients paused) keeps its data, unlike a killed one: the stale value
    # would come back with it unless the missed DEL is replayed.
    admin = redis.Redis.from_url(server.url)
    admin.execute_command("CLIENT", "PAUSE", 600, "ALL")
    cache.invalidate("account:1")  # times out: remembered
    time.sleep(0.7)  # the pause is over, and so is retry_s
    assert cache.get_or_set("account:1", lambda: "disabled") == "disabled"

"""Metrics tests: the app DB on both backends, a real (or embedded) Redis, and the exporter
served over real HTTP and scraped as Prometheus would."""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Callable, Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from socialsched_dagster.cache import RedisCache
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.metrics import ExporterConfig, build_collector, start_exporter
from socialsched_dagster.metrics.collector import SocialschedCollector
from socialsched_dagster.resilience import BreakerSettings, ResilientGuard
from socialsched_dagster.store.models import utcnow

from .seed import IG_EXTERNAL, seed

Samples = dict[tuple[str, frozenset], float]


@pytest.fixture
def redis_url(real_or_embedded_redis_url) -> str:
    return real_or_embedded_redis_url


@pytest.fixture
def ns() -> str:
    """Key prefixes of this test's own (breakers, limits, cache), so tests never meet."""
    return f"t{uuid.uuid4().hex[:10]}"


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


class Exporter:
    def __init__(self, collector: SocialschedCollector):
        self.collector = collector
        self.server, self.thread = start_exporter(collector, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_port}/metrics"

    def scrape_text(self) -> str:
        with urllib.request.urlopen(self.url, timeout=10) as response:
            assert response.status == 200
            return response.read().decode()

    def scrape(self) -> Samples:
        return parse(self.scrape_text())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def exporter_for(ns) -> Iterator[Callable[..., Exporter]]:
    started: list[Exporter] = []

    def start(database_url: str, redis_url: str) -> Exporter:
        config = ExporterConfig(
            database_url, redis_url, guard_namespace=ns, cache_namespace=f"{ns}:cache"
        )
        started.append(Exporter(build_collector(config)))
        return started[-1]

    yield start
    for exporter in started:
        exporter.close()
        exporter.collector.engine.dispose()


def trip_breaker(guard: ResilientGuard, platform: Platform, times: int) -> None:
    def unreachable():
        raise PublishError(ErrorKind.NETWORK, "connect timeout")

    for _ in range(times):
        with pytest.raises(PublishError):
            guard.call(platform, "some-account", unreachable)


@pytest.fixture
def scraped(db, cipher, redis_url, ns, exporter_for) -> tuple[Exporter, Samples]:
    """The exporter over the seeded history, an Instagram breaker opened by real failures,
    4 calls of one Instagram account's budget and a cache with 1 miss and 3 hits; scraped."""
    now = utcnow()
    seed(db, cipher, now)
    guard = ResilientGuard(redis_url, breaker=BreakerSettings(fail_max=2), namespace=ns)
    trip_breaker(guard, Platform.INSTAGRAM, 2)  # two real failures through the guard: open
    for _ in range(4):
        guard.acquire(Platform.INSTAGRAM, IG_EXTERNAL)
    cache = RedisCache(redis_url, f"{ns}:cache")
    for _ in range(4):
        cache.get_or_set("k", lambda: 1)
    exporter = exporter_for(db.url, redis_url)
    return exporter, exporter.scrape()

"""Wiring: the collector built from the environment, served over HTTP at /metrics.

Configuration is the pipeline's own (SOCIALSCHED_DATABASE_URL, REDIS_URL or the embedded Redis,
SOCIALSCHED_RATE_LIMITS, SOCIALSCHED_BREAKER_*, SOCIALSCHED_PUBLISH_SENSOR_LEAD_S and
SOCIALSCHED_PUBLISH_STALE_AFTER_S), so the exporter reads the same keys and limits the runs use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from sqlalchemy import Engine, create_engine

from ..cache.redis_cache import RedisCache
from ..resilience.breaker import BreakerSettings
from ..resilience.guard import ResilientGuard
from ..resilience.limits_config import RateLimits
from ..settings import load_settings
from ..store.engine import EngineOptions, create_app_engine, is_sqlite
from ..store.redis_connection import connect
from .collector import SocialschedCollector


@dataclass(frozen=True)
class ExporterConfig:
    database_url: str
    redis_url: str
    guard_namespace: str = "socialsched"  # ResilientGuard's default, as the runs use it
    cache_namespace: str = "socialsched:cache"  # CacheResource's default
    sensor_lead_s: float = 45.0
    stale_after_s: float = 7200.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> ExporterConfig:
        env = os.environ if env is None else env
        settings = load_settings(dict(env))
        redis_url = settings.redis_url
        if redis_url is None:  # embedded Redis: the pipeline's resolver (imports Dagster)
            from ..pipeline.resources.redis import resolve_redis_url

            redis_url = resolve_redis_url(None)
        values = {
            "database_url": settings.database_url,
            "redis_url": redis_url,
            "sensor_lead_s": float(env.get("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S") or 45.0),
            "stale_after_s": float(env.get("SOCIALSCHED_PUBLISH_STALE_AFTER_S") or 7200.0),
        }
        return cls(**{**values, **overrides})


def read_engine(url: str) -> Engine:
    """The engine scrapes read through. On SQLite not the app engine: it opens every transaction
    with BEGIN IMMEDIATE (the write lock), so a scrape would queue behind the runs' writes and
    hold theirs up. A plain read under WAL neither waits for a writer nor blocks one."""
    if is_sqlite(url):
        return create_engine(url, connect_args={"timeout": 5})
    # A scrape that cannot answer in seconds is worth less than a gap in the graph.
    return create_app_engine(
        url, EngineOptions(pool_size=2, max_overflow=2, statement_timeout_ms=5000)
    )


def build_collector(config: ExporterConfig) -> SocialschedCollector:
    # Short timeouts: a hung Redis must not hold a scrape for longer than Prometheus waits.
    client = connect(config.redis_url, timeout_s=0.5, max_connections=10)
    guard = ResilientGuard(
        client,
        RateLimits.from_env(),
        BreakerSettings.from_env(),
        namespace=config.guard_namespace,
        redis_retry_s=2.0,
    )
    return SocialschedCollector(
        read_engine(config.database_url),
        client,
        guard,
        RedisCache(client, config.cache_namespace),
        sensor_lead=timedelta(seconds=config.sensor_lead_s),
        stale_after=timedelta(seconds=config.stale_after_s),
    )


def start_exporter(
    collector: SocialschedCollector, host: str = "127.0.0.1", port: int = 9464
) -> tuple[WSGIServer, threading.Thread]:
    """Serve `collector` (alone: no process metrics of this exporter) in a daemon thread;
    port 0 picks a free one (server.server_port). Stop with server.shutdown()."""
    collector.warm_up()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return start_http_server(port, addr=host, registry=registry)

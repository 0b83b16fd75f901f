"""The cache as a Dagster resource: configured in the UI, one RedisCache per process.

Dagster rebuilds resources for every run, step and sensor tick; the cache object holds the
process's outage state and connection pool, so it is kept per (Redis URL, namespace, TTL).
"""

from __future__ import annotations

import threading

from dagster import ConfigurableResource
from pydantic import Field

from ..pipeline.resources.redis import RedisResource
from .redis_cache import RedisCache

_caches: dict[tuple[str, str, float], RedisCache] = {}
_lock = threading.Lock()


class CacheResource(ConfigurableResource):
    """Read-through cache in Redis for platform and database lookups the publisher repeats."""

    redis: RedisResource
    namespace: str = Field(default="socialsched:cache", description="Redis key prefix")
    default_ttl_s: float = Field(default=300.0, description="TTL when a lookup names none")

    def cache(self) -> RedisCache:
        return shared_cache(self.redis.resolved_url(), self.namespace, self.default_ttl_s)


def shared_cache(
    redis_url: str, namespace: str = "socialsched:cache", default_ttl_s: float = 300.0
) -> RedisCache:
    """This process's cache for these settings, for code that holds a Redis URL rather than a
    CacheResource (e.g. PlatformsResource building the Instagram client)."""
    key = (redis_url, namespace, default_ttl_s)
    with _lock:
        if key not in _caches:
            _caches[key] = RedisCache(redis_url, namespace, default_ttl_s)
        return _caches[key]

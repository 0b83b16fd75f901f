"""The cache as a Dagster resource: configured in the UI, one RedisCache per process
(cache/shared.py), so the cache package itself stays free of Dagster."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from ...cache.redis_cache import RedisCache
from ...cache.shared import shared_cache
from .redis import RedisResource


class CacheResource(ConfigurableResource):
    """Read-through cache in Redis for platform and database lookups the publisher repeats."""

    redis: RedisResource
    namespace: str = Field(default="socialsched:cache", description="Redis key prefix")
    default_ttl_s: float = Field(default=300.0, description="TTL when a lookup names none")

    def cache(self) -> RedisCache:
        return shared_cache(self.redis.resolved_url(), self.namespace, self.default_ttl_s)

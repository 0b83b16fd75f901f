"""A Redis read-through cache shared by every run process (stampede-safe, outage-proof).

`CacheResource` (Dagster) lives in `cache.resource`, imported on its own so that this package
stays importable without Dagster.
"""

from .redis_cache import RedisCache, Serializer

__all__ = ["RedisCache", "Serializer"]

"""A Redis read-through cache shared by every run process (stampede-safe, outage-proof).

`CacheResource` (Dagster) lives in `pipeline/resources/cache.py`, so this package stays free
of Dagster and of the pipeline.
"""

from .redis_cache import RedisCache, Serializer

__all__ = ["RedisCache", "Serializer"]

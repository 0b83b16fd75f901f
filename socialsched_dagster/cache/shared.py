"""One RedisCache per process and settings: it holds the process's outage state and connection
pool, so everything in a process that caches shares it (runs, steps and sensor ticks rebuild
their resources, not this)."""

from __future__ import annotations

import threading

from .redis_cache import RedisCache

_caches: dict[tuple[str, str, float], RedisCache] = {}
_lock = threading.Lock()


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

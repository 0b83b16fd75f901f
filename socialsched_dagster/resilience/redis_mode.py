"""Whether this process uses the shared (Redis) state or its local fallback, and saying so once.

A Redis failure switches the process to local state at once and logs ONE warning; Redis is not
touched again until `retry_s` has passed, then a PING decides, by one caller at a time, so an
outage costs no timeouts on the publishing path. Coming back logs ONE info. Messages name the
error, never a password (redis-py's own messages hold host:port only, but a URL may hold one).
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import redis

log = logging.getLogger(__name__)


def redis_password(source: str | redis.Redis) -> str | None:
    if isinstance(source, str):
        return urlsplit(source).password
    return source.connection_pool.connection_kwargs.get("password")


class RedisMode:
    def __init__(self, client: redis.Redis, *, retry_s: float, secret: str | None = None):
        self._client, self.retry_s, self._secret = client, retry_s, secret
        self._lock = threading.Lock()
        self._local_since: float | None = None  # monotonic; None while shared
        self._retry_at = 0.0
        self.last_error: str | None = None

    @property
    def local(self) -> bool:
        return self._local_since is not None

    @property
    def local_for_s(self) -> float | None:
        since = self._local_since
        return None if since is None else time.monotonic() - since

    def scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def use_shared(self) -> bool:
        """True while shared; when local and the retry time has come, PING and maybe switch."""
        with self._lock:
            if self._local_since is None:
                return True
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_s  # the other threads stay local meanwhile
        try:
            self._client.ping()
        except redis.RedisError:
            return False
        with self._lock:
            if self._local_since is not None:
                log.info(
                    "Redis reachable again after %.0f s: rate limits and circuit breakers are "
                    "shared across runs again",
                    time.monotonic() - self._local_since,
                )
                self._local_since = None
        return True

    def failed(self, exc: BaseException) -> None:
        """Record a Redis failure seen anywhere on the shared path; warn on the first only."""
        reason = self.scrub(f"{type(exc).__name__}: {exc}")
        with self._lock:
            self.last_error = reason
            self._retry_at = time.monotonic() + self.retry_s
            if self._local_since is not None:
                return
            self._local_since = time.monotonic()
            log.warning(
                "Redis unreachable (%s): rate limits and circuit breakers now count in this "
                "process only, under conservative local budgets; retrying Redis every %g s",
                reason,
                self.retry_s,
            )

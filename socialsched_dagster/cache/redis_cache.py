"""A read-through cache in Redis, shared by every run process, that never costs a failure.

- Stampede protection: on a miss, one caller per key across all processes runs the loader;
  the others wait for the value it stores (stampede.py).
- TTLs get up to `jitter` (10 %) added, so keys filled together (a run warming every account)
  do not all expire, and reload, together.
- Hits and misses are INCR counters in Redis, so the figures add up over all processes.
- Redis down: the loader is called directly (a "bypass"), no Redis error ever reaches the
  caller, and the outage is logged once (outage.py). Bypasses and invalidations that Redis could
  not take are handed to it when it is back.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import redis

from ..store.redis_connection import connect
from .outage import Outage
from .stampede import Claim, KeyLocks

T = TypeVar("T")
log = logging.getLogger(__name__)
_FAILED = object()  # what `_redis` returns when Redis failed or was skipped


class Serializer(Protocol):
    def dumps(self, value: Any) -> str | bytes: ...

    def loads(self, data: str | bytes) -> Any: ...


class RedisCache:
    def __init__(
        self,
        redis_source: str | redis.Redis,
        namespace: str = "socialsched:cache",
        default_ttl_s: float = 300.0,
        *,
        jitter: float = 0.1,
        lock_ttl_s: float = 10.0,
        wait_s: float = 5.0,
        poll_s: float = 0.02,
        retry_s: float = 5.0,
        timeout_s: float = 0.5,
    ):
        """`redis_source`: a URL (a client with `timeout_s` timeouts is built: a cache must not
        hang its caller) or a client. `lock_ttl_s` bounds how long a crashed loader blocks a
        key; `wait_s` how long others wait for a loader before loading themselves."""
        if isinstance(redis_source, str):
            self._client = connect(redis_source, timeout_s=timeout_s)
            secret = urlsplit(redis_source).password
        else:
            self._client = redis_source
            secret = redis_source.connection_pool.connection_kwargs.get("password")
        self.namespace, self.default_ttl_s = namespace, default_ttl_s
        self.jitter = jitter
        self._locks = KeyLocks(self._client, lock_ttl_s=lock_ttl_s, wait_s=wait_s, poll_s=poll_s)
        self._outage = Outage(namespace, retry_s=retry_s, secret=secret)
        self._lock = threading.Lock()
        self.bypasses = 0  # this process's, since it started
        self._unreported_bypasses = 0
        self._pending_invalidations: set[str] = set()

    # -- public ------------------------------------------------------------------------------

    def get_or_set(
        self,
        key: str,
        loader: Callable[[], T],
        ttl_s: float | None = None,
        serializer: Serializer = json,
    ) -> T:
        """The cached value of `key`, else `loader()` (called once across processes), stored
        for `ttl_s` (default `default_ttl_s`). Exceptions of `loader` propagate, uncached."""
        claim = self._redis(lambda: self._claim(key))
        if claim is _FAILED:
            return self._bypass(loader)
        if claim.raw is not None:
            try:
                return serializer.loads(claim.raw)
            except Exception as exc:  # written by another version of the code: replace it
                log.warning("cache %s: cannot decode %r (%s); reloading", self.namespace, key, exc)
                claim = Claim()
        try:
            value = loader()
            data, px = serializer.dumps(value), self._ttl_ms(ttl_s)
            self._redis(lambda: self._client.set(self._value_key(key), data, px=px))
            return value
        finally:
            if claim.token is not None:
                self._redis(lambda: self._locks.release(self._lock_key(key), claim.token))

    def invalidate(self, key: str) -> None:
        """Forget `key`. If Redis cannot be told now, it is told as soon as it answers again."""
        if self._redis(lambda: self._client.delete(self._value_key(key))) is _FAILED:
            with self._lock:
                self._pending_invalidations.add(key)

    def stats(self) -> dict[str, Any]:
        """Hits, misses and hit rate over all processes (None when Redis cannot say, and hit
        rate None before the first lookup); bypasses of all processes that Redis has been told
        of plus this process's untold ones."""
        names = ("hits", "misses", "bypasses")

        def read() -> list[int]:
            pipe = self._client.pipeline(transaction=False)
            for name in names:
                pipe.get(self._stat_key(name))
            return [int(v or 0) for v in pipe.execute()]

        counts = self._redis(read)
        if counts is _FAILED:
            return {"hits": None, "misses": None, "hit_rate": None, "bypasses": self.bypasses}
        hits, misses, bypasses = counts
        lookups = hits + misses
        return {
            "hits": hits,
            "misses": misses,
            "hit_rate": hits / lookups if lookups else None,
            "bypasses": bypasses + self._unreported_bypasses,
        }

    # -- internals ---------------------------------------------------------------------------

    def _claim(self, key: str) -> Claim:
        """The value, or the lock to load it; raises RedisError for `_redis` to handle."""
        value_key = self._value_key(key)
        raw = self._client.get(value_key)
        self._client.incr(self._stat_key("misses" if raw is None else "hits"))
        if raw is not None:
            return Claim(raw=raw)
        return self._locks.wait_or_lock(value_key, self._lock_key(key))

    def _bypass(self, loader: Callable[[], T]) -> T:
        with self._lock:
            self.bypasses += 1
            self._unreported_bypasses += 1
        return loader()

    def _redis(self, op: Callable[[], Any]) -> Any:
        """`op()`, or _FAILED when Redis fails now or is known to be down."""
        if not self._outage.should_try():
            return _FAILED
        try:
            # Before `op`: a lookup must not read a value whose invalidation Redis missed.
            if self._pending_invalidations or self._unreported_bypasses:
                self._report_backlog()
            result = op()
        except redis.RedisError as exc:
            self._outage.failed(exc)
            return _FAILED
        self._outage.succeeded()
        return result

    def _report_backlog(self) -> None:
        """Hand Redis what it missed: invalidations and bypass counts of an outage."""
        with self._lock:
            bypasses, self._unreported_bypasses = self._unreported_bypasses, 0
            keys, self._pending_invalidations = self._pending_invalidations, set()
        try:
            pipe = self._client.pipeline(transaction=False)
            if keys:
                pipe.delete(*(self._value_key(k) for k in keys))
            if bypasses:
                pipe.incrby(self._stat_key("bypasses"), bypasses)
            pipe.execute()
        except redis.RedisError:
            with self._lock:  # keep them for the next time Redis answers
                self._unreported_bypasses += bypasses
                self._pending_invalidations |= keys
            raise

    def _ttl_ms(self, ttl_s: float | None) -> int:
        ttl = self.default_ttl_s if ttl_s is None else ttl_s
        return max(1, int(ttl * 1000 * (1 + random.uniform(0, self.jitter))))

    def _value_key(self, key: str) -> str:
        return f"{self.namespace}:v:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self.namespace}:lock:{key}"

    def _stat_key(self, name: str) -> str:
        return f"{self.namespace}:stats:{name}"

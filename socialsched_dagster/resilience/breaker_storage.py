"""Where breaker state lives: pybreaker's Redis storage, adjusted, and the half-open trial gate.

Pitfalls of pybreaker 1.4's CircuitRedisStorage that this module works around:
  - on a RedisError it silently answers "closed" / 0 failures and logs a full traceback with
    `logger.exception`, on every call for as long as Redis is down. Reads here RAISE instead
    (they run before the guarded call, so the guard can switch to local state and say so once),
    and writes, which run after the call and must not lose its result, record the error for the
    guard instead of logging it;
  - it decodes with `bytes.decode`, so a client built with decode_responses=True breaks it with
    an AttributeError; reads here accept bytes and str;
  - `opened_at` is stored in whole seconds, so a breaker could half-open up to 1 s early and the
    "retry after" we report would be off; stored here as a float;
  - without a namespace every breaker shares the keys `pybreaker:*`: always pass one;
  - its constructor writes to Redis (SETNX) unguarded, so it raises when Redis is down.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from datetime import datetime, timezone

import pybreaker
import redis

# Delete the gate only if we still hold it: a trial that outlived its TTL must not free the next.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RecordedErrors:
    """Stands in for pybreaker's storage logger: keeps the last swallowed RedisError."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def exception(self, *_args: object, **_kwargs: object) -> None:
        self.error = sys.exc_info()[1]

    def take(self) -> BaseException | None:
        error, self.error = self.error, None
        return error


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class RedisBreakerStorage(pybreaker.CircuitRedisStorage):
    def __init__(self, client: redis.Redis, namespace: str):
        self.errors = RecordedErrors()
        self.logger = self.errors  # type: ignore[assignment]  # shadows the class-level logger
        super().__init__(pybreaker.STATE_CLOSED, client, namespace=namespace)

    def _read_state(self) -> str:
        raw = self._redis.get(self._namespace("state"))
        if raw is None:  # keys lost (Redis restarted without persistence): start closed
            self._initialize_redis_state(pybreaker.STATE_CLOSED)
            return pybreaker.STATE_CLOSED
        return _text(raw)

    state = pybreaker.CircuitRedisStorage.state.getter(_read_state)

    @property
    def opened_at(self) -> datetime | None:
        raw = self._redis.get(self._namespace("opened_at"))
        return datetime.fromtimestamp(float(_text(raw)), timezone.utc) if raw else None

    @opened_at.setter
    def opened_at(self, now: datetime) -> None:
        try:
            self._redis.set(self._namespace("opened_at"), repr(now.timestamp()))
        except redis.RedisError:
            self.logger.exception("RedisError")


class RedisTrialGate:
    """At most one half-open trial call per platform across all processes."""

    def __init__(self, client: redis.Redis, namespace: str):
        self._client, self._namespace = client, namespace
        self._release = client.register_script(_RELEASE)

    def _key(self, name: str) -> str:
        return f"{self._namespace}:breaker:{name}:trial"

    def try_enter(self, name: str, ttl_s: float) -> str | None:
        token = uuid.uuid4().hex
        taken = self._client.set(self._key(name), token, nx=True, px=max(1, int(ttl_s * 1000)))
        return token if taken else None

    def leave(self, name: str, token: str) -> None:
        self._release(keys=[self._key(name)], args=[token])


class LocalTrialGate:
    """The same within one process, while Redis is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}

    def try_enter(self, name: str, ttl_s: float) -> str | None:
        with self._lock:
            now = time.monotonic()
            held = self._held.get(name)
            if held and held[1] > now:
                return None
            token = uuid.uuid4().hex
            self._held[name] = (token, now + ttl_s)
            return token

    def leave(self, name: str, token: str) -> None:
        with self._lock:
            if self._held.get(name, ("", 0.0))[0] == token:
                del self._held[name]

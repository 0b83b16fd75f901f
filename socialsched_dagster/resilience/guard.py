"""The CallGuard the platform clients call through: rate budget first, then the breaker.

State is shared through Redis, because every Dagster run is its own process. When Redis fails,
the process carries on with in-process budgets (RateLimits.local) and an in-memory breaker
(redis_mode.py logs it once and brings Redis back); a Redis failure never costs a call: `call`
raises only what `fn` raises, or our RATE_LIMITED / PLATFORM_UNAVAILABLE PublishError.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis

from ..domain.errors import ErrorKind, PublishError
from ..domain.platform_calls import Usage
from ..domain.platforms import Platform
from ..store.redis_connection import connect, probe
from .breaker import Breakers, BreakerSettings
from .limits_config import RateLimits
from .rate_limiter import RateLimiter
from .redis_mode import RedisMode, redis_password
from .redis_windows import RedisWindows
from .windows import Budget, LocalWindows

T = TypeVar("T")
R = TypeVar("R")


def breaker_name(platform: Platform, server: str | None = None) -> str:
    """The platform's breaker, or one server's (`mastodon mastodon.social`): on platforms where
    each account lives on a server of its own, one server's outage is not the platform's."""
    if not server:
        return platform.value
    return f"{platform.value} {urlsplit(server).netloc.lower() or server.lower()}"


class ResilientGuard:
    def __init__(
        self,
        redis_source: str | redis.Redis,
        limits: RateLimits | None = None,
        breaker: BreakerSettings | None = None,
        *,
        namespace: str = "socialsched",
        max_wait_s: float = 60.0,
        redis_retry_s: float = 15.0,
        redis_timeout_s: float = 1.0,
    ):
        """`redis_source`: a URL (a client with short timeouts is built) or a client; clients
        must return bytes or str, either works. Nothing here touches Redis until the first call.
        `max_wait_s`: the longest a call waits for rate budget before RATE_LIMITED."""
        if isinstance(redis_source, str):
            self._client = connect(redis_source, timeout_s=redis_timeout_s)
        else:
            self._client = redis_source
        self.limits = limits or RateLimits()
        self.breaker_settings = breaker or BreakerSettings()
        self.namespace, self.max_wait_s = namespace, max_wait_s
        self.mode = RedisMode(
            self._client, retry_s=redis_retry_s, secret=redis_password(redis_source)
        )
        self._shared_limiter = RateLimiter(RedisWindows(self._client))
        self._shared_breakers = Breakers.shared(
            self._client, namespace, self.breaker_settings, on_storage_error=self.mode.failed
        )
        self._local_limiter = RateLimiter(LocalWindows())
        self._local_breakers = Breakers.local(self.breaker_settings)

    # -- CallGuard -------------------------------------------------------------------------

    def call(
        self, platform: Platform, account: str, fn: Callable[[], T], *, server: str | None = None
    ) -> T:
        name = breaker_name(platform, server)
        # An open breaker refuses at once: no waiting for, nor spending, rate budget.
        self._with_redis(
            lambda: self._shared_breakers.raise_if_open(name),
            lambda: self._local_breakers.raise_if_open(name),
        )
        self.acquire(platform, account)
        try:
            return self._under_breaker(name, fn)
        except PublishError as error:
            # The platform said "not before N s": hold this account back in every run, not
            # only in the target that met it.
            if error.kind is ErrorKind.RATE_LIMITED and error.retry_after_s:
                self.pause(platform, account, error.retry_after_s)
            raise

    def observe_usage(self, platform: Platform, account: str, usage: Usage) -> None:
        """Usage of one account (Graph x-business-use-case-usage)."""
        self._observe(platform, account, usage)

    def observe_app_usage(self, platform: Platform, usage: Usage) -> None:
        """Usage of the whole app (Graph x-app-usage): slows every account of the platform."""
        self._observe(platform, None, usage)

    # -- more than the protocol ------------------------------------------------------------

    def acquire(self, platform: Platform, account: str) -> float:
        """Wait for one call of app AND account budget; returns the seconds waited."""
        deadline = time.monotonic() + self.max_wait_s
        return self._on_limiter(
            lambda limiter, shared: limiter.acquire(
                [self._budget(platform, None, shared), self._budget(platform, account, shared)],
                max(0.0, deadline - time.monotonic()),
            )
        )

    def pause(self, platform: Platform, account: str | None, seconds: float) -> None:
        """No call for `seconds` on the account's budget (or the app's, when account is None)."""
        self._on_limiter(
            lambda limiter, shared: limiter.pause(
                self._budget(platform, account, shared).key, seconds
            )
        )

    def breaker_state(self, platform: Platform) -> str:
        return self._breakers_status(platform)["state"]

    def health(self) -> dict[str, Any]:
        """For checks and metrics: Redis reachable and how fast, the mode, every breaker."""
        redis_health = probe(self._client)
        error = self.mode.scrub(redis_health.error) if redis_health.error else None
        return {
            "mode": "local" if self.mode.local else "shared",
            "local_for_s": self.mode.local_for_s,
            "redis": {
                "reachable": redis_health.reachable,
                "latency_ms": redis_health.latency_ms,
                "error": error,
            },
            "breakers": {p.value: self._breakers_status(p) for p in self.limits.platforms},
        }

    # -- internals -------------------------------------------------------------------------

    def _budget(self, platform: Platform, account: str | None, shared: bool) -> Budget:
        """The app's budget when `account` is None, else the account's."""
        limits = self.limits.shared(platform) if shared else self.limits.local(platform)
        # One hash tag per platform: a call's keys live in one Redis Cluster slot.
        prefix = f"{self.namespace}:rl:{{{platform.value}}}"
        if account is None:
            return Budget(f"{prefix}:app", limits.app_calls, limits.window_s)
        return Budget(f"{prefix}:acct:{account}", limits.account_calls, limits.window_s)

    def _with_redis(self, shared: Callable[[], R], local: Callable[[], R]) -> R:
        """`shared()`, or `local()` when Redis is known down or fails right now."""
        if self.mode.use_shared():
            try:
                return shared()
            except redis.RedisError as exc:
                self.mode.failed(exc)
        return local()

    def _on_limiter(self, use: Callable[[RateLimiter, bool], R]) -> R:
        return self._with_redis(
            lambda: use(self._shared_limiter, True), lambda: use(self._local_limiter, False)
        )

    def _under_breaker(self, name: str, fn: Callable[[], T]) -> T:
        if self.mode.use_shared():
            started = False

            def tracked() -> T:
                nonlocal started
                started = True
                return fn()

            try:
                return self._shared_breakers.call(name, tracked)
            except redis.RedisError as exc:
                if started:  # raised by fn itself: not ours to swallow
                    raise
                self.mode.failed(exc)
        return self._local_breakers.call(name, fn)

    def _observe(self, platform: Platform, account: str | None, usage: Usage) -> None:
        at, pause_s = self.limits.slow_down_at_percent, self.limits.pause_without_regain_s
        self._on_limiter(
            lambda limiter, shared: limiter.observe(
                self._budget(platform, account, shared), usage, at, pause_s
            )
        )

    def _breakers_status(self, platform: Platform) -> dict[str, Any]:
        status = self._with_redis(
            lambda: self._shared_breakers.status(platform.value),
            lambda: self._local_breakers.status(platform.value),
        )
        return {
            "state": status.state,
            "failures": status.failures,
            "opened_at": status.opened_at.isoformat() if status.opened_at else None,
            "retry_after_s": round(status.retry_after_s, 3),
        }

"""One circuit breaker per platform (pybreaker), its state shared through Redis.

Only failures that say the platform or the path to it is unwell count (ErrorKind.trips_breaker:
NETWORK, PLATFORM_UNAVAILABLE); every error, counted or not, propagates unchanged. While open,
calls fail fast with PublishError(PLATFORM_UNAVAILABLE, retry_after_s=<time left>). After
`reset_timeout_s` the breaker is half-open: ONE trial call across all processes goes through
(a Redis gate; pybreaker alone would let one per process through), success closes it.

pybreaker behaviours to know (1.4):
  - `CircuitBreaker.call` holds a lock for the whole call, which would serialize the worker
    threads of a run; each thread gets its own CircuitBreaker over the same storage instead;
  - an error that does not count is a SUCCESS to pybreaker: it resets the consecutive-failure
    count and closes a half-open breaker (the platform answered, so it is up);
  - the stored state stays "open" after the timeout until the next call; `status()` reports the
    effective state ("half-open" once the timeout has passed);
  - `throw_new_error_on_trip=False` keeps the failure that trips the breaker as it was, rather
    than replacing it with a CircuitBreakerError.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

import pybreaker
import redis

from ..domain.errors import ErrorKind, PublishError
from .breaker_storage import LocalTrialGate, RedisBreakerStorage, RedisTrialGate

T = TypeVar("T")
CLOSED, OPEN, HALF_OPEN = pybreaker.STATE_CLOSED, pybreaker.STATE_OPEN, pybreaker.STATE_HALF_OPEN


@dataclass(frozen=True)
class BreakerSettings:
    fail_max: int = 5  # consecutive counted failures that open the breaker
    reset_timeout_s: float = 30.0  # open this long, then half-open
    # A trial call holds the gate at most this long (a trial whose process died frees it then).
    trial_timeout_s: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BreakerSettings:
        env = os.environ if env is None else env
        default = cls()
        return cls(
            fail_max=int(env.get("SOCIALSCHED_BREAKER_FAIL_MAX") or default.fail_max),
            reset_timeout_s=float(
                env.get("SOCIALSCHED_BREAKER_RESET_S") or default.reset_timeout_s
            ),
        )


@dataclass(frozen=True)
class BreakerStatus:
    state: str  # "closed" | "open" | "half-open"
    failures: int
    opened_at: datetime | None
    retry_after_s: float  # time left open; 0 unless open


def counts_as_failure(exc: BaseException) -> bool:
    return isinstance(exc, PublishError) and exc.kind.trips_breaker


class TrialGate(Protocol):
    def try_enter(self, name: str, ttl_s: float) -> str | None: ...

    def leave(self, name: str, token: str) -> None: ...


class Breakers:
    def __init__(
        self,
        settings: BreakerSettings,
        storage_for: Callable[[str], pybreaker.CircuitBreakerStorage],
        gate: TrialGate,
        on_storage_error: Callable[[BaseException], None] | None = None,
    ):
        self.settings = settings
        self._storage_for, self._gate = storage_for, gate
        self._on_storage_error = on_storage_error or (lambda _exc: None)
        self._threads = threading.local()

    @classmethod
    def shared(
        cls,
        client: redis.Redis,
        namespace: str,
        settings: BreakerSettings,
        on_storage_error: Callable[[BaseException], None] | None = None,
    ) -> Breakers:
        def storage_for(name: str) -> pybreaker.CircuitBreakerStorage:
            return RedisBreakerStorage(client, namespace=f"{namespace}:breaker:{name}")

        return cls(settings, storage_for, RedisTrialGate(client, namespace), on_storage_error)

    @classmethod
    def local(cls, settings: BreakerSettings) -> Breakers:
        storages: dict[str, pybreaker.CircuitBreakerStorage] = {}
        lock = threading.Lock()

        def storage_for(name: str) -> pybreaker.CircuitBreakerStorage:
            with lock:  # one storage per platform, shared by the threads' breakers
                return storages.setdefault(name, pybreaker.CircuitMemoryStorage(CLOSED))

        return cls(settings, storage_for, LocalTrialGate())

    def call(self, name: str, fn: Callable[[], T]) -> T:
        breaker = self._breaker(name)
        status = self._status(breaker)
        if status.state == OPEN:
            raise self._open_error(name, status)
        token = None
        if status.state == HALF_OPEN:
            token = self._gate.try_enter(name, self.settings.trial_timeout_s)
            if token is None:
                raise PublishError(
                    ErrorKind.PLATFORM_UNAVAILABLE,
                    f"circuit half-open for {name}: a trial call is in progress",
                    code="circuit_open",
                    retry_after_s=self.settings.reset_timeout_s,
                )
        try:
            return breaker.call(fn)
        except pybreaker.CircuitBreakerError:  # opened by another process since we looked
            raise self._open_error(name, self._status(breaker)) from None
        finally:
            self._after_call(name, breaker, token)

    def raise_if_open(self, name: str) -> None:
        """Fail fast while open: lets the guard refuse before it waits for rate budget."""
        status = self.status(name)
        if status.state == OPEN:
            raise self._open_error(name, status)

    def status(self, name: str) -> BreakerStatus:
        breaker = self._breaker(name)
        try:
            return self._status(breaker)
        finally:
            self._report_swallowed(breaker)

    def state(self, name: str) -> str:
        return self.status(name).state

    def _breaker(self, name: str) -> pybreaker.CircuitBreaker:
        breakers = self._threads.__dict__.setdefault("breakers", {})
        if name not in breakers:
            breakers[name] = pybreaker.CircuitBreaker(
                fail_max=self.settings.fail_max,
                reset_timeout=self.settings.reset_timeout_s,
                exclude=[lambda exc: not counts_as_failure(exc)],
                state_storage=self._storage_for(name),
                name=name,
                throw_new_error_on_trip=False,
            )
        return breakers[name]

    def _status(self, breaker: pybreaker.CircuitBreaker) -> BreakerStatus:
        storage = breaker._state_storage  # no public accessor in pybreaker 1.4
        state = storage.state
        if state == CLOSED:
            return BreakerStatus(CLOSED, storage.counter, None, 0.0)
        opened_at = storage.opened_at
        left = 0.0
        if state == OPEN and opened_at is not None:
            left = opened_at.timestamp() + self.settings.reset_timeout_s - time.time()
        if left <= 0:  # the next call is the trial
            return BreakerStatus(HALF_OPEN, storage.counter, opened_at, 0.0)
        return BreakerStatus(OPEN, storage.counter, opened_at, left)

    def _open_error(self, name: str, status: BreakerStatus) -> PublishError:
        return PublishError(
            ErrorKind.PLATFORM_UNAVAILABLE,
            f"circuit open for {name} after {self.settings.fail_max} consecutive network/"
            f"platform failures; retry after {status.retry_after_s:.1f} s",
            code="circuit_open",
            retry_after_s=max(status.retry_after_s, 0.0),
        )

    def _after_call(self, name: str, breaker: pybreaker.CircuitBreaker, token: str | None) -> None:
        # Errors after the call are reported, never raised: they must not replace its outcome.
        if token is not None:
            try:
                self._gate.leave(name, token)
            except redis.RedisError as exc:
                self._on_storage_error(exc)
        self._report_swallowed(breaker)

    def _report_swallowed(self, breaker: pybreaker.CircuitBreaker) -> None:
        errors = getattr(breaker._state_storage, "errors", None)  # RedisBreakerStorage only
        swallowed = errors.take() if errors is not None else None
        if swallowed is not None:
            self._on_storage_error(swallowed)

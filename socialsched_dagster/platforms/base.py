"""What every platform client offers the publisher, whatever protocol it speaks.

Publishing is split so that the publisher can persist what it needs for reconciliation BEFORE
the call that makes a post public:
  1. `prepare`   creates what the final call needs (Instagram container, YouTube upload session)
                 and returns its id, which the publisher stores on the target;
  2. `publish`   makes the post public and returns the platform's id for it;
  3. `reconcile` after an ambiguous outcome (timeout, crash), asks the platform whether the post
                 went out, so that nothing is ever sent twice.
Clients raise `PublishError` (domain.errors) with the platform's own message; they never retry a
call that may have had an effect, and never log or embed a token in an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeVar

from ..domain.platform_calls import PublishJob, Usage
from ..domain.platforms import Platform

__all__ = [
    "CallGuard",
    "PlatformClient",
    "PublishJob",
    "Reconciled",
    "Reconciliation",
    "Unguarded",
    "Usage",
]

T = TypeVar("T")


class Reconciled(str, Enum):
    PUBLISHED = "published"  # it went out: record it, do not send again
    NOT_PUBLISHED = "not_published"  # it certainly did not: safe to publish
    UNKNOWN = "unknown"  # cannot tell yet (platform unreachable): ask again later
    # The platform will never tell (the account may not read its own posts): a person looks,
    # and settles it (`posts settle`). Asking again would only spend calls.
    UNKNOWABLE = "unknowable"


@dataclass(frozen=True)
class Reconciliation:
    state: Reconciled
    external_id: str | None = None
    detail: str = ""
    # NOT_PUBLISHED with an expired or failed container/session: prepare a new one first.
    container_usable: bool = True


class CallGuard(Protocol):
    """Rate limits and circuit breakers around every HTTP call (resilience/guard.py)."""

    def call(
        self, platform: Platform, account: str, fn: Callable[[], T], *, server: str | None = None
    ) -> T:
        """Wait for rate-limit budget, then run `fn` under the platform's breaker (with
        `server`, the breaker of that one server: a Mastodon instance or Bluesky PDS that is
        down pauses its own accounts, not the platform's). Raises
        PublishError(PLATFORM_UNAVAILABLE) without calling `fn` while the breaker is open."""
        ...

    def observe_usage(self, platform: Platform, account: str, usage: Usage) -> None:
        """Slow down before the platform refuses: called with every usage header seen."""
        ...


class Unguarded:
    """A CallGuard that only calls: for tools that talk to one account once (CLI checks)."""

    def call(
        self, platform: Platform, account: str, fn: Callable[[], T], *, server: str | None = None
    ) -> T:
        return fn()

    def observe_usage(self, platform: Platform, account: str, usage: Usage) -> None:
        return None


class PlatformClient(Protocol):
    platform: Platform

    def prepare(self, job: PublishJob) -> str | None: ...

    def publish(self, job: PublishJob, container_id: str | None) -> str: ...

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation: ...

    def close(self) -> None: ...

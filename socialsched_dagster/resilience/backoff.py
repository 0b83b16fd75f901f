"""When to try a failed publish again: exponential backoff with full jitter, per error kind.

Pure functions, no I/O, no Dagster. `attempt` is the number of attempts made so far (1 after the
first failure). Jitter spreads the retries of many targets that failed together (a platform
outage) so they do not return as one wave. A platform's Retry-After / estimated time to regain
access is a floor the jitter can never go under, even above our own cap: asking earlier would
only be refused again, and a Graph throttle may be extended by calls made while throttled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from ..domain.errors import ErrorKind


class Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True)
class Policy:
    base_s: float  # the ceiling of the first retry's delay, doubled at each attempt
    max_s: float  # the ceiling never grows past this
    min_s: float  # no retry sooner than this (full jitter could otherwise draw ~0)
    max_attempts: int  # attempts in all, the first included


_POLICIES = {
    # Our own or the platform's rate limit: usually comes with a retry-after.
    ErrorKind.RATE_LIMITED: Policy(60, 3600, 30, 8),
    # Daily caps (Instagram's rolling 24 h, YouTube's Pacific day): minutes to hours.
    ErrorKind.QUOTA_EXHAUSTED: Policy(900, 6 * 3600, 900, 5),
    # The container or upload is still being processed: ask again soon, often.
    ErrorKind.MEDIA_PROCESSING: Policy(5, 60, 2, 20),
    ErrorKind.PLATFORM_UNAVAILABLE: Policy(30, 900, 5, 8),
    ErrorKind.NETWORK: Policy(10, 600, 2, 8),
    # Reconciled with the platform before each retry, so no hurry and no double post.
    ErrorKind.UNKNOWN_OUTCOME: Policy(30, 900, 10, 6),
    # One retry, after the token refresh.
    ErrorKind.AUTH_EXPIRED: Policy(5, 60, 1, 2),
}
# Kinds a retry cannot fix (validation, duplicate, blocked, ...): one attempt only.
_PERMANENT = Policy(60, 3600, 30, 1)


def policy(kind: ErrorKind) -> Policy:
    return _POLICIES.get(kind, _PERMANENT)


def max_attempts(kind: ErrorKind) -> int:
    return policy(kind).max_attempts


def retry_delay(
    attempt: int,
    kind: ErrorKind,
    retry_after_s: float | None = None,
    base_s: float | None = None,
    max_s: float | None = None,
    rng: Uniform = random,  # type: ignore[assignment]  # the module has .uniform
) -> float:
    """Seconds to wait before attempt `attempt + 1`."""
    p = policy(kind)
    base = p.base_s if base_s is None else base_s
    cap = p.max_s if max_s is None else max_s
    exponent = min(max(attempt, 1) - 1, 60)  # 2**60 x base is past any cap; avoids overflow
    ceiling = min(cap, base * 2**exponent)
    floor = min(p.min_s, ceiling)
    delay = rng.uniform(floor, ceiling)
    return max(delay, retry_after_s or 0.0)

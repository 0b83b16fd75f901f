"""Per-caller rate limits, shared by every API process through Redis: one script call a request.

GCRA (the generic cell rate algorithm): each caller has a "theoretical arrival time" (TAT);
a request moves it one emission interval (60 s / rate_per_minute) forward and is allowed while
the TAT stays within `burst` intervals of now. That is a token bucket of `burst` tokens refilled
at the steady rate, kept in one Redis value per caller with no background refill. Redis' own
clock (TIME) is used, so processes with skewed clocks agree.

The answer is published as draft-ietf-httpapi-ratelimit-headers-06 describes it:
`RateLimit-Limit` (the burst: quota units of the window), `RateLimit-Remaining` (requests that
would be allowed right now), `RateLimit-Reset` (seconds until the quota is whole again) and
`RateLimit-Policy: <burst>;w=<seconds the burst takes to refill>`; a 429 adds `Retry-After`.

When Redis cannot be reached the limiter fails OPEN (requests are served without the headers,
and a warning is logged at most once a minute): the limit protects capacity, not data, and the
database pool and the server's thread pool still bound the load, whereas failing closed would
turn a Redis outage into a full API outage. After a failure Redis is not asked again for a few
seconds, so an outage does not add a connection timeout to every request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

NAMESPACE = "socialsched:api:rate"
RETRY_REDIS_AFTER_S = 5.0
WARN_EVERY_S = 60.0

# KEYS[1]: the caller's TAT (milliseconds since the epoch, Redis clock).
# ARGV[1]: emission interval (ms); ARGV[2]: burst.
# Returns {allowed, remaining, reset_ms, retry_after_ms}.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if now < allow_at then
  return {0, 0, math.ceil(tat - now), math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now))
return {1, math.floor((now - allow_at) / interval), math.ceil(new_tat - now), 0}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    retry_after_s: int
    window_s: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
            (b"ratelimit-policy", f"{self.limit};w={self.window_s}".encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after_s).encode()))
        return out


class RateLimiter:
    def __init__(self, client: redis.Redis, *, rate_per_minute: int, burst: int):
        if rate_per_minute <= 0 or burst <= 0:
            raise ValueError("rate_per_minute and burst must be positive")
        self._script = client.register_script(_GCRA)  # EVALSHA, reloaded after a restart
        self.interval_ms = 60_000 / rate_per_minute
        self.burst = burst
        self.window_s = max(1, math.ceil(self.interval_ms * burst / 1000))
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._warned_at = -math.inf

    def hit(self, subject: str) -> Decision | None:
        """Count one request of `subject` ("key:12", "ip:1.2.3.4"); None when Redis is down."""
        if time.monotonic() < self._skip_until:
            return None
        try:
            allowed, remaining, reset_ms, retry_ms = self._script(
                keys=[f"{NAMESPACE}:{subject}"], args=[repr(self.interval_ms), self.burst]
            )
        except redis.RedisError as exc:
            self._unavailable(exc)
            return None
        return Decision(
            allowed=bool(allowed),
            limit=self.burst,
            remaining=max(0, int(remaining)),
            reset_s=math.ceil(int(reset_ms) / 1000),
            # Never 0: a client told to retry after 0 s retries at once and is refused again.
            retry_after_s=max(1, math.ceil(int(retry_ms) / 1000)),
            window_s=self.window_s,
        )

    def _unavailable(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._skip_until = now + RETRY_REDIS_AFTER_S
            warn = now - self._warned_at >= WARN_EVERY_S
            if warn:
                self._warned_at = now
        if warn:
            # The class only: a Redis error's text can carry the URL, password included.
            log.warning(
                "rate limits are off: Redis is unreachable (%s); requests are served unlimited",
                type(exc).__name__,
            )

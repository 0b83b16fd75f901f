"""Sliding-window budgets: what a store must do, and the in-process store used without Redis.

A sliding LOG (one timestamp per granted call) rather than GCRA or a token bucket: the platforms
count calls over a rolling window (Graph: 200 per account per rolling hour), and only a log can
promise "never more than N in ANY window of W seconds"; a bucket refilled at N/W may let nearly
2N through in one window. The log holds at most N entries per key, a few KB for the largest.

Besides the count, each key can be PAUSED (no call until a deadline) and PACED (at least
`interval` between two calls): the two tools the usage-header slow-down uses (rate_limiter.py).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Budget:
    key: str
    limit: int  # calls per window
    window_s: float


class WindowStore(Protocol):
    def try_acquire(self, budgets: Sequence[Budget]) -> float:
        """Consume one call from EVERY budget and return 0, or consume nothing and return the
        seconds until all of them may have room (another process may take it first)."""
        ...

    def pause(self, key: str, seconds: float) -> None:
        """No call on `key` for `seconds`; only ever extends a pause already in force."""
        ...

    def set_pace(self, key: str, interval_s: float, for_s: float) -> None:
        """At least `interval_s` between calls on `key` (counted from now), for `for_s` seconds."""
        ...

    def clear_pace(self, key: str) -> None: ...

    def paused_for(self, key: str) -> float:
        """Seconds until `key` may be called again because of a pause or pace (0: free)."""
        ...


class LocalWindows:
    """The same semantics in one process's memory: the fallback while Redis is unreachable."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()  # publishing runs call from several worker threads
        self._logs: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}
        self._pace: dict[str, tuple[float, float]] = {}  # key -> (interval, in force until)
        self._next_at: dict[str, float] = {}

    def try_acquire(self, budgets: Sequence[Budget]) -> float:
        with self._lock:
            now = self._clock()
            wait = 0.0
            for b in budgets:
                log = self._logs.setdefault(b.key, deque())
                while log and log[0] <= now - b.window_s:
                    log.popleft()
                if len(log) >= b.limit:
                    # Room comes back when the entry that keeps the count at `limit` expires.
                    wait = max(wait, log[len(log) - b.limit] + b.window_s - now)
                wait = max(wait, self._blocked_for(b.key, now))
            if wait > 0:
                return wait
            for b in budgets:
                self._logs[b.key].append(now)
                interval, until = self._pace.get(b.key, (0.0, 0.0))
                if until > now:
                    self._next_at[b.key] = now + interval
            return 0.0

    def pause(self, key: str, seconds: float) -> None:
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[key] = max(until, self._paused_until.get(key, 0.0))

    def set_pace(self, key: str, interval_s: float, for_s: float) -> None:
        with self._lock:
            now = self._clock()
            self._pace[key] = (interval_s, now + for_s)
            # Usage is reported on a response, so a call has just been made: space from now.
            self._next_at[key] = max(self._next_at.get(key, 0.0), now + interval_s)

    def clear_pace(self, key: str) -> None:
        with self._lock:
            self._pace.pop(key, None)
            self._next_at.pop(key, None)

    def paused_for(self, key: str) -> float:
        with self._lock:
            return self._blocked_for(key, self._clock())

    def _blocked_for(self, key: str, now: float) -> float:
        return max(0.0, self._paused_until.get(key, 0.0) - now, self._next_at.get(key, 0.0) - now)

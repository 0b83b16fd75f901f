"""Redis outages as the cache sees them: bypass at once, say so once, try again later.

The cache only saves work, so a Redis failure must cost neither an exception nor a timeout per
call. After a failure every call goes straight to its loader until `retry_s` has passed; then ONE
caller tries Redis again while the others keep bypassing. One WARNING when an outage starts, one
INFO when it ends, whatever the number of calls in between.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


class Outage:
    def __init__(self, namespace: str, *, retry_s: float, secret: str | None = None):
        self.namespace, self.retry_s, self._secret = namespace, retry_s, secret
        self._lock = threading.Lock()
        self._down_since: float | None = None  # monotonic; None while Redis works
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def should_try(self) -> bool:
        """True while Redis works; during an outage, True for one caller per `retry_s`."""
        with self._lock:
            if self._down_since is None:
                return True
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_s  # the other callers keep bypassing meanwhile
            return True

    def failed(self, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if self._secret:  # a URL may carry a password; redis-py's messages do not, but be sure
            reason = reason.replace(self._secret, "***")
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_s
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        log.warning(
            "Redis unreachable (%s): cache %s is bypassed, every lookup does the real work; "
            "retrying Redis every %g s",
            reason,
            self.namespace,
            self.retry_s,
        )

    def succeeded(self) -> None:
        """Record a working Redis call; the one that ends an outage says so."""
        if self._down_since is None:  # the common case, without taking the lock
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is None:
            return
        log.info(
            "Redis reachable again after %.0f s: cache %s is in use again",
            time.monotonic() - since,
            self.namespace,
        )

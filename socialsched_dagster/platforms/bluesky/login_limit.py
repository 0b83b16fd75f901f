"""Logins counted before they are sent: the PDS allows an account 30 createSession calls per 5
minutes and 300 per day, and one refused with a 429 still counts. A client that finds itself
logging in that often is looping; it stops here with the wait, before the PDS locks it out."""

from __future__ import annotations

from collections import deque

from ...domain.errors import ErrorKind, PublishError

LOGIN_LIMITS = ((30, 300.0), (300, 86400.0))  # (logins, seconds) the PDS allows per account


class LoginLimit:
    def __init__(self, limits: tuple[tuple[int, float], ...] = LOGIN_LIMITS) -> None:
        self.limits = limits
        self._times: dict[str, deque[float]] = {}

    def take(self, account: str, now: float) -> None:
        """Count one login of `account`, or raise RATE_LIMITED if that would be one too many."""
        times = self._times.setdefault(account, deque())
        longest = max(window for _, window in self.limits)
        while times and times[0] <= now - longest:
            times.popleft()
        for allowed, window in self.limits:
            recent = [t for t in times if t > now - window]
            if len(recent) >= allowed:
                raise PublishError(
                    ErrorKind.RATE_LIMITED,
                    f"bluesky createSession: {allowed} logins within {window / 60:g} min already "
                    f"for {account}, as many as the PDS allows; not logging in",
                    code="LoginLimit",
                    retry_after_s=max(1.0, recent[0] + window - now),
                )
        times.append(now)

"""What every platform's calls in the ceiling go through: one worker's connection, its counters,
and the few rules the bare loop keeps (a throttle with a short Retry-After is waited out; any
other unexpected answer fails the target, never retried)."""

from __future__ import annotations

import asyncio
from collections.abc import Container
from typing import Any

import httpx

from ...platforms.config import PlatformConfig
from ...platforms.http import retry_after_seconds

OK = range(200, 300)
# Graph answers a throttle with HTTP 400 and one of these codes (the others with a 429).
_META_THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002}
# A throttle is waited out only when the answer says for how long, and only briefly: a spent
# hourly budget is a failure here, not something to sleep through.
_MAX_THROTTLE_WAITS = 3
_MAX_THROTTLE_WAIT_S = 10.0


class Failed(Exception):
    """The target was not published; `reason` is what the ceiling's figures count."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Caller:
    """One worker: its own one-connection client, where the platforms are (`config`, pointed at
    the sandbox), the run's video bytes, and what the run's workers share (`shared`: per-account
    state such as a Bluesky session)."""

    def __init__(
        self, http: httpx.AsyncClient, config: PlatformConfig, video: bytes, shared: dict
    ) -> None:
        self.http, self.config, self.video, self.shared = http, config, video, shared
        self.calls = 0
        self.rate_limited = 0

    async def send(self, what: str, method: str, url: str, **kw: Any) -> httpx.Response:
        for waits in range(_MAX_THROTTLE_WAITS + 1):
            self.calls += 1  # counted before sending: a call that raises was still made
            response = await self.http.request(method, url, **kw)
            if not _throttled(response):
                return response
            self.rate_limited += 1
            wait = retry_after_seconds(response.headers)
            if wait is None or wait > _MAX_THROTTLE_WAIT_S or waits == _MAX_THROTTLE_WAITS:
                break
            await asyncio.sleep(wait)
        raise Failed(f"{what}: throttled")

    async def expect(
        self, what: str, ok: Container[int], method: str, url: str, **kw: Any
    ) -> httpx.Response:
        response = await self.send(what, method, url, **kw)
        if response.status_code not in ok:
            raise Failed(f"{what}: HTTP {response.status_code}")
        return response

    async def json(
        self, what: str, method: str, url: str, *required: str, ok: Container[int] = OK, **kw: Any
    ) -> dict[str, Any]:
        """The answer's JSON object, which must hold `required` (non-empty)."""
        response = await self.expect(what, ok, method, url, **kw)
        body = response.json()
        if not isinstance(body, dict):
            raise Failed(f"{what}: not a JSON object")
        missing = [k for k in required if body.get(k) in (None, "")]
        if missing:
            raise Failed(f"{what}: no {', '.join(missing)}")
        return body


def _throttled(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 400:
        return False
    try:
        return response.json()["error"]["code"] in _META_THROTTLE_CODES
    except (ValueError, KeyError, TypeError):
        return False

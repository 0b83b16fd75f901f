"""The fault pipeline every platform request passes through, in the order a real outage bites:

latency -> `down` -> 429 storm -> injected 5xx -> malformed 200 -> the real handler -> 5xx after
commit -> response lost after commit. Injected failures happen BEFORE the handler, so nothing is
committed; the last two happen AFTER it, so the effect is committed and only the answer is wrong
(a real backend can fail between storing the effect and answering) or lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from . import errors
from .faults import made_public
from .usage import buc_header

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Family:
    """How one kind of API says "down", "slow down" and "internal error"."""

    down: Callable[[], Response]
    server_error: Callable[[int], Response]
    storm: Callable[[Request, str, int], Response]


def _meta_storm(request: Request, endpoint: str, retry_after: int) -> Response:
    # Real Graph throttles with HTTP 400 and codes 4 (app) / 32 (page) / 80002 (Instagram BUC);
    # the sandbox adds Retry-After so a drill can say how long; the BUC header says it in
    # (rounded-up) minutes, as Graph does.
    node = request.path_params.get("node") or "0"
    kind = {"ig_": "instagram", "fb_": "pages"}.get(endpoint[:3], "app")
    regain = math.ceil(retry_after / 60)
    headers = {
        "Retry-After": str(retry_after),
        "x-business-use-case-usage": buc_header(
            node, "pages" if kind == "app" else kind, 100, regain
        ),
    }
    return errors.meta_throttle(kind, headers)


META = Family(
    down=lambda: errors.meta_error(
        2, "Service temporarily unavailable", transient=True, status=503
    ),
    server_error=errors.meta_transient,
    storm=_meta_storm,
)

GOOGLE_API = Family(
    down=lambda: errors.google_backend_error(503),
    server_error=errors.google_backend_error,
    storm=lambda _r, _e, retry_after: errors.google_error(
        429,
        "rateLimitExceeded",
        "The request cannot be completed because you have exceeded your rate limit.",
        domain="youtube.quota",
        headers={"Retry-After": str(retry_after)},
    ),
)

GOOGLE_OAUTH = Family(
    down=lambda: errors.oauth_error(503, "internal_failure", "Backend Error"),
    server_error=lambda status: errors.oauth_error(status, "internal_failure", "Backend Error"),
    storm=lambda _r, _e, retry_after: errors.oauth_error(
        429, "rate_limit_exceeded", "Rate Limit Exceeded", {"Retry-After": str(retry_after)}
    ),
)


async def guarded(request: Request, endpoint: str, family: Family, handler: Handler) -> Response:
    response = await _answer(request, endpoint, family, handler)
    if not isinstance(response, LostResponse):
        # A real server's Date is its own clock, the one its timestamps use: the sandbox's,
        # which tests move (uvicorn's own Date header is off).
        now = request.app.state.sandbox.now()
        response.headers["date"] = email.utils.formatdate(now, usegmt=True)
    return response


async def _answer(request: Request, endpoint: str, family: Family, handler: Handler) -> Response:
    state = request.app.state.sandbox
    stats, faults = state.stats, state.faults
    stats.requests[endpoint] += 1
    delay = faults.latency_seconds()
    if delay > 0:
        await asyncio.sleep(delay)  # never blocks the loop: thousands of requests wait at once
    if faults.down:
        stats.down[endpoint] += 1
        return family.down()
    retry_after = faults.storm_retry_after(endpoint)
    if retry_after is not None:
        stats.throttled[endpoint] += 1
        return family.storm(request, endpoint, retry_after)
    status = faults.error_status(endpoint)
    if status is not None:
        stats.errors_injected[endpoint] += 1
        envelope = faults.error_envelope(endpoint)
        return (
            family.server_error(status)
            if envelope is None
            else errors.meta_injected(status, envelope)
        )
    if faults.take("malformed", endpoint):
        stats.malformed[endpoint] += 1
        state.malformed_seq += 1
        return errors.malformed(state.malformed_seq)
    mark = len(state.ledger)
    response = await handler(request)
    if response.status_code < 400 and faults.take("error_after_commit", endpoint):
        stats.errors_injected[endpoint] += 1
        return family.server_error(faults.config["error_after_commit"]["status"])
    public = made_public(state.ledger, mark, endpoint, request.headers.get("x-socialsched-target"))
    if response.status_code < 400 and faults.take("drop_after_commit", endpoint, public):
        stats.dropped[endpoint] += 1
        hold = faults.config["drop_hold_seconds"]
        hold = state.settings.drop_hold_seconds if hold is None else hold
        return LostResponse(hold, state.settings.drop_mode)
    return response


class LostResponse(Response):
    """The effect is committed; the answer never arrives (the ambiguous-timeout case).

    Holds for `hold` seconds or until the client gives up and disconnects, whichever is first;
    then closes the connection mid-response ("abort") or answers 502 like a failing proxy.
    """

    def __init__(self, hold: float, mode: str) -> None:
        super().__init__(status_code=502)
        self.hold, self.mode = hold, mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_until_disconnect(receive), self.hold)
            return  # the client already gave up: nothing to send to
        if self.mode == "502":
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            headers = [(b"content-type", b"text/html"), (b"content-length", b"%d" % len(body))]
            await send({"type": "http.response.start", "status": 502, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        # Promise a body and stop half-way: the server then closes the connection.
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"id":"', "more_body": True})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass

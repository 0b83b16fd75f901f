"""What every response and request goes through: security headers, a body size limit, a time
limit, CORS closed unless origins are configured, and (`protect`, a dependency of every
`/api/v1` router) the caller's key, rate limit and request signature."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import redis
from fastapi import Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import ApiSettings
from . import signing
from .errors import ApiError, error_body, not_found
from .rate_limit import Decision, RateLimiter

log = logging.getLogger(__name__)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_SECURITY_NAMES = {name for name, _ in SECURITY_HEADERS}
_RATE_NAMES = {b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset", b"ratelimit-policy"}
# Pages a browser renders (the OAuth consent hand-off, the API docs) need more than 'none'.
PAGE_CSP = (
    b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)
# Where `protect` leaves the rate-limit answer for Guard to publish on the response, whichever
# way the response is made (a route, an error handler).
RATE_STATE = "socialsched_rate_limit"


async def _send_error(send: Send, error: ApiError) -> None:
    body = json.dumps(error_body(error.code, error.message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *[(k.lower().encode(), v.encode()) for k, v in error.headers.items()],
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Raw ASGI, so a request larger than the limit is refused while it is read (its body is
    never buffered whole), and one slower than the time limit (reading its body included) is
    answered 503. It wraps the routers, the error handlers and CORS, so every answer gets the
    security headers: routes, errors, 404s, CORS preflights and the 500 of a bug."""

    def __init__(self, app: ASGIApp, settings: ApiSettings):
        self.app = app
        self.max_body = settings.max_body_bytes
        self.timeout_s = settings.request_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _send_error(send, _too_large(self.max_body))
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge(self.max_body)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": _with_headers(scope, message)}
            await send(message)

        try:
            await asyncio.wait_for(
                self.app(scope, limited_receive, send_with_headers), timeout=self.timeout_s
            )
        except _BodyTooLarge:
            # Raised outside a route (a route answers it as an HTTPException: 413).
            if not started:
                await _send_error(send, _too_large(self.max_body))
        except asyncio.TimeoutError:
            if not started:
                await _send_error(
                    send,
                    # The handler's thread cannot be stopped: a change may still be committed.
                    # Saying so is what lets a client retry safely (with its Idempotency-Key).
                    ApiError(
                        503,
                        "timeout",
                        f"the request took longer than {self.timeout_s:g} s and may still "
                        "complete: send it again with the same Idempotency-Key, or read the "
                        "resource before changing it again",
                    ),
                )
        except Exception as exc:
            # A bug: answered here, with the headers, instead of by Starlette's last-resort
            # handler outside this layer. Logged by class only: its text may quote a secret.
            log.error("unexpected %s on %s %s", type(exc).__name__, scope["method"], scope["path"])
            if not started:
                await _send_error(
                    send, ApiError(500, "internal_error", "something went wrong on our side")
                )


def _with_headers(scope: Scope, message: Message) -> list[tuple[bytes, bytes]]:
    decision: Decision | None = (scope.get("state") or {}).get(RATE_STATE)
    drop = set(_SECURITY_NAMES)
    if decision is not None:
        drop |= _RATE_NAMES
        if not decision.allowed:  # a 429: its Retry-After is the limiter's
            drop.add(b"retry-after")
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
    is_page = any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers)
    for name, value in SECURITY_HEADERS:
        if is_page and name == b"content-security-policy":
            value = PAGE_CSP
        headers.append((name, value))
    if decision is not None:
        headers.extend(decision.headers())
    return headers


class _BodyTooLarge(HTTPException):
    # An HTTPException, so FastAPI lets it through its body parsing (which turns any other
    # exception into a 400) and the app's handler answers it like every 413.
    def __init__(self, limit: int):
        super().__init__(413, _too_large(limit).message)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"the request body is larger than {limit:,} bytes")


def install(app, settings: ApiSettings) -> None:
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                signing.TIMESTAMP_HEADER,
                signing.SIGNATURE_HEADER,
            ],
            expose_headers=[
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
                "RateLimit-Policy",
                "Idempotent-Replayed",
            ],
            max_age=600,
        )
    app.add_middleware(Guard, settings=settings)


# --- the caller: key, rate limit, signature -------------------------------------------------


async def protect(request: Request) -> None:
    """Every `/api/v1` request: find the key (if one is sent), count the request against the
    key's limit (or the client address's, without a valid key), and check the signature of a
    key that signs. The route's own role dependency then finds the identity already made."""
    signing_secret_enc = await run_in_threadpool(_admit, request)
    if getattr(request.state, "identity", None) is not None:
        _ids_in_range(request)
    if signing_secret_enc is not None:
        body = await request.body()
        await run_in_threadpool(_check_signature, request, signing_secret_enc, body)


def _admit(request: Request) -> str | None:
    from ..store.models import utcnow
    from ..teams.api_keys import find_key
    from .context import UNAUTHORIZED, _bearer, state

    app = state(request)
    key = _bearer(request)
    found = None
    if key is not None:

        def work(session):
            found = find_key(session, key, now=utcnow())
            if found is None:
                return None
            identity, row = found  # the row itself: no second query for its signing secret
            return identity, row.signing_secret_enc

        found = app.db.transaction(work, name="api auth")
    limiter = _limiter(request)
    if limiter is not None:
        host = request.client.host if request.client else "unknown"
        decision = limiter.hit(f"key:{found[0].key_id}" if found else f"ip:{host}")
        if decision is not None:
            setattr(request.state, RATE_STATE, decision)
            if not decision.allowed:
                settings = app.settings.api
                raise ApiError(
                    429,
                    "rate_limited",
                    f"too many requests: {settings.rate_per_minute} a minute with bursts of "
                    f"{settings.burst}; retry in {decision.retry_after_s} s",
                )
    if found is None:
        if key is not None:
            raise UNAUTHORIZED  # a key that is wrong is refused even where none is needed
        return None  # no key: the route's own dependency decides
    identity, signing_secret_enc = found
    request.state.identity = identity
    return signing_secret_enc


# What the databases' 64-bit integer ids can hold.
_MAX_ID = 2**63 - 1
_INTEGER = re.compile(r"[+-]?(\d+)")


def _ids_in_range(request: Request) -> None:
    """An id in the path beyond any the database can store names nothing: answered like any
    missing id (404) on every backend, instead of SQLite's driver failing on the number."""
    for name, value in request.path_params.items():
        number = _INTEGER.fullmatch(str(value).strip())
        if not name.endswith("_id") or number is None:
            continue  # not an id, or not a number: the route's own validation answers
        digits = number.group(1).lstrip("0")
        # Compared as text first: int() refuses strings of thousands of digits.
        if number.group(0).startswith("-") or len(digits) > 19 or int(digits or 0) > _MAX_ID:
            raise not_found(name.removesuffix("_id"))


def _limiter(request: Request) -> RateLimiter | None:
    holder = request.app.state
    limiter = getattr(holder, "socialsched_limiter", None)
    if limiter is None:
        app = holder.socialsched
        if app.redis is None:
            return None
        limiter = RateLimiter(
            app.redis,
            rate_per_minute=app.settings.api.rate_per_minute,
            burst=app.settings.api.burst,
        )
        holder.socialsched_limiter = limiter
    return limiter


def request_cipher(request: Request):
    from ..security.token_cipher import TokenCipher

    holder = request.app.state
    cipher = getattr(holder, "socialsched_cipher", None)
    if cipher is None:
        settings = holder.socialsched.settings
        cipher = TokenCipher.from_config(settings.token_key, settings.token_key_file)
        holder.socialsched_cipher = cipher
    return cipher


def _target(request: Request) -> str:
    """The request target as the client sent it: path with its percent-encoding, and query."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string") or b""
    target = raw.decode("latin-1")
    return f"{target}?{query.decode('latin-1')}" if query else target


def _check_signature(request: Request, secret_enc: str, body: bytes) -> None:
    from ..security.token_cipher import TokenKeyError
    from .context import state

    identity = request.state.identity
    try:
        secret = request_cipher(request).decrypt(secret_enc)
    except TokenKeyError:
        log.error("the signing secret of key %s cannot be decrypted", identity.key_id)
        raise ApiError(
            401,
            "bad_signature",
            "this key's signing secret cannot be read by the server: create a new key",
        ) from None
    now = time.time()
    timestamp = request.headers.get(signing.TIMESTAMP_HEADER)
    try:
        digest = signing.verify(
            secret,
            method=request.method,
            target=_target(request),
            timestamp=timestamp,
            signature=request.headers.get(signing.SIGNATURE_HEADER),
            body=body,
            now=now,
        )
    except signing.BadSignature as exc:
        raise ApiError(401, "bad_signature", str(exc)) from None
    client = state(request).redis
    unavailable = ApiError(
        503,
        "unavailable",
        "signed requests are checked against replays in Redis, which cannot be reached: "
        "retry shortly",
        headers={"Retry-After": "5"},
    )
    if client is None:
        raise unavailable
    try:
        fresh = signing.first_use(client, identity.key_id, digest, timestamp=timestamp, now=now)
    except redis.RedisError as exc:
        log.warning("signed request refused: Redis is unreachable (%s)", type(exc).__name__)
        raise unavailable from None
    if not fresh:
        raise ApiError(
            401,
            "bad_signature",
            "this signed request was already received: sign each request with a new timestamp",
        )

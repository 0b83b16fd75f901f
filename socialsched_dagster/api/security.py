"""What every response and request goes through: security headers, a body size limit, a time
limit, and CORS closed unless origins are configured."""

from __future__ import annotations

import asyncio

from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import ApiSettings
from .errors import ApiError, error_body

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Pages a browser renders (the OAuth consent hand-off, the API docs) need more than 'none'.
PAGE_CSP = (
    b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)


async def _send_error(send: Send, error: ApiError) -> None:
    import json

    body = json.dumps(error_body(error.code, error.message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Raw ASGI, so a request larger than the limit is refused while it is read (its body is
    never buffered whole), and one slower than the time limit is answered 503."""

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
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in SECURITY_HEADERS}
                ]
                is_page = any(
                    k == b"content-type" and v.startswith(b"text/html") for k, v in headers
                )
                for name, value in SECURITY_HEADERS:
                    if is_page and name == b"content-security-policy":
                        value = PAGE_CSP
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await asyncio.wait_for(
                self.app(scope, limited_receive, send_with_headers), timeout=self.timeout_s
            )
        except _BodyTooLarge:
            if not started:
                await _send_error(send, _too_large(self.max_body))
        except asyncio.TimeoutError:
            if not started:
                await _send_error(
                    send,
                    ApiError(503, "timeout", f"the request took longer than {self.timeout_s:g} s"),
                )


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"the request body is larger than {limit:,} bytes")


def install(app, settings: ApiSettings) -> None:
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=[
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    app.add_middleware(Guard, settings=settings)

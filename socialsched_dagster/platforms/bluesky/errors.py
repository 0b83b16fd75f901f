"""XRPC errors and rate-limit headers, read one way for every Bluesky call.

An XRPC failure is `{"error": "<Name>", "message": "..."}` with an HTTP status (400 for most
refusals, 401 for authentication, 429 for rate limits, 5xx when the PDS failed). The name says
more than the status: an expired session is a 400 `ExpiredToken`, a refused app password a 401
`AuthenticationRequired`. Every PDS answer carries `RateLimit-Limit/-Remaining/-Reset/-Policy`
for the limit it counted (points per window), which the guard reads to slow down in time.
"""

from __future__ import annotations

import time

import httpx

from ...domain.errors import ErrorKind, PublishError
from ..base import Usage
from ..http import Call, excerpt, json_or_none, malformed, redact, retry_after_seconds

# The session (access or refresh JWT) is not accepted: renew it, then the app password.
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing"})
AUTH_ERRORS = SESSION_ERRORS | {"AuthenticationRequired", "AuthFactorTokenRequired"}
BLOCKED_ERRORS = frozenset(
    {
        "AccountTakedown",
        "AccountDeactivated",
        "AccountSuspended",
        "AccountNotFound",
        "RepoTakendown",
    }
)
VALIDATION_ERRORS = frozenset(
    {"InvalidRequest", "InvalidMimeType", "InvalidSize", "BlobTooLarge", "PayloadTooLarge",
     "InvalidSwap", "RecordNotFound", "HandleNotFound"}
)  # fmt: skip
BLOB_NOT_FOUND = "BlobNotFound"  # an uploaded blob was not referenced in time and is gone


def xrpc_error(call: Call, response: httpx.Response) -> PublishError | None:
    """The failure an XRPC answer reports, or None when it is a success."""
    if response.is_success:
        return None
    status = response.status_code
    body = json_or_none(response)
    name = body.get("error") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(name, str) and status < 500 and status != 429:
        return malformed(call, response, "no XRPC error body")
    name = name if isinstance(name, str) else None
    if isinstance(message, str) and message:
        text = redact(message, call.secrets)
    elif name:
        text = name
    else:  # a proxy's page in front of the PDS, or an empty 429
        text = f"HTTP {status} without an XRPC error body: {excerpt(response.text, call.secrets)!r}"
    kind = _kind(name, status, call)
    wait = None
    if kind in (ErrorKind.RATE_LIMITED, ErrorKind.PLATFORM_UNAVAILABLE, ErrorKind.UNKNOWN_OUTCOME):
        wait = retry_after(response.headers)
    return PublishError(
        kind, f"{call.endpoint}: {text}", code=name, http_status=status, retry_after_s=wait
    )


def _kind(name: str | None, status: int, call: Call) -> ErrorKind:
    if status == 429 or name == "RateLimitExceeded":
        return ErrorKind.RATE_LIMITED
    if name in AUTH_ERRORS or status == 401:
        return ErrorKind.AUTH_EXPIRED
    if name in BLOCKED_ERRORS or status == 403:
        return ErrorKind.ACCOUNT_BLOCKED
    if name == BLOB_NOT_FOUND:
        return ErrorKind.MEDIA_PROCESSING
    if status == 501:  # MethodNotImplemented: this PDS does not offer the call at all
        return ErrorKind.UNKNOWN
    if status >= 500:
        # The PDS failed. On createRecord it may have committed first (or refused a key it
        # already holds, which the reference PDS also answers with a 500): unknown outcome.
        return ErrorKind.UNKNOWN_OUTCOME if call.publishes else ErrorKind.PLATFORM_UNAVAILABLE
    if name in VALIDATION_ERRORS or status in (400, 413):
        return ErrorKind.VALIDATION
    return ErrorKind.UNKNOWN


def retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Retry-After when given, else the seconds until `RateLimit-Reset` (epoch seconds)."""
    seconds = retry_after_seconds(headers)
    if seconds is not None:
        return seconds
    reset = _number(headers.get("ratelimit-reset"))
    if reset is None:
        return None
    return max(0.0, reset - (time.time() if now is None else now))


def parse_usage(headers: httpx.Headers, now: float | None = None) -> Usage | None:
    """The share of the counted limit in use, and when it refills once spent."""
    limit = _number(headers.get("ratelimit-limit"))
    remaining = _number(headers.get("ratelimit-remaining"))
    if not limit or remaining is None:
        return None
    percent = max(0.0, (limit - remaining) / limit * 100)
    regain = 0.0
    if remaining <= 0:
        regain = retry_after(headers, now) or 0.0
    return Usage(percent=percent, regain_after_s=regain)


def _number(value: str | None) -> float | None:
    try:
        return None if value is None else float(value.strip())
    except ValueError:
        return None

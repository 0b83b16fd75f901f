"""Mastodon's answers, read one way: the `{"error": "..."}` body, the status code, and the
`X-RateLimit-Limit/-Remaining/-Reset` headers every API answer carries.

- 401: the token is invalid or revoked (Mastodon tokens do not expire): AUTH_EXPIRED, which
  holds the account for a reconnect since no refresh exists.
- 403: "outside the authorized scopes" means a token without `write` (reconnect: AUTH_EXPIRED);
  a disabled, unconfirmed or unapproved login is ACCOUNT_BLOCKED.
- 422: validation (text too long, media refused): permanent, in the instance's own words. The
  media cases the client can act on get codes of their own (MEDIA_NOT_READY, MEDIA_GONE).
- 429: RATE_LIMITED until X-RateLimit-Reset (an ISO 8601 time; GoToSocial sends Unix seconds),
  measured against the server's Date header so our clock's error does not count.
- 5xx: the instance failed; on the status POST it may have created the status first, so the
  outcome is unknown (the Idempotency-Key settles it).
"""

from __future__ import annotations

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.platform_calls import Usage
from ..http import Call, excerpt, json_or_none, redact, retry_after_seconds
from ..timestamps import iso_time, server_now

MEDIA_NOT_READY = "media_not_ready"
MEDIA_GONE = "media_gone"
# No Reset header on a 429 (a proxy's, not Mastodon's): Mastodon's shortest window is 5 min.
DEFAULT_RETRY_S = 300.0
_NOT_READY = "not finished processing"
_GONE = ("not found or already attached", "could not be found")
_SCOPES = "outside the authorized scopes"


def mastodon_error(call: Call, response: httpx.Response) -> PublishError | None:
    """The failure an answer reports, or None when it is a success (2xx, 206 included)."""
    if response.is_success:
        return None
    status, message = response.status_code, _message(call, response)
    if status == 401:
        return _error(ErrorKind.AUTH_EXPIRED, message, status, "token_refused")
    if status == 403:
        if _SCOPES in message:
            return _error(ErrorKind.AUTH_EXPIRED, message, status, "scope_missing")
        return _error(ErrorKind.ACCOUNT_BLOCKED, message, status)
    if status == 429:
        wait = reset_in_s(response.headers) or retry_after_seconds(response.headers)
        return PublishError(
            ErrorKind.RATE_LIMITED,
            message,
            http_status=status,
            retry_after_s=wait or DEFAULT_RETRY_S,
        )
    if status == 422:
        if _NOT_READY in message:
            return _error(ErrorKind.MEDIA_PROCESSING, message, status, MEDIA_NOT_READY)
        if any(words in message for words in _GONE):
            return PublishError(
                ErrorKind.MEDIA_PROCESSING,
                f"{message}: the media will be uploaded again",
                MEDIA_GONE,
                http_status=status,
                replace_container=True,
            )
        return _error(ErrorKind.VALIDATION, message, status)
    if status == 413:
        return _error(ErrorKind.VALIDATION, f"{message} (the file is larger than allowed)", status)
    if status >= 500:
        kind = ErrorKind.UNKNOWN_OUTCOME if call.publishes else ErrorKind.PLATFORM_UNAVAILABLE
        return PublishError(
            kind, message, http_status=status, retry_after_s=retry_after_seconds(response.headers)
        )
    if status in (400, 404, 410):
        # 404/410 on our own account or media: a wrong account id, or a server that is not a
        # Mastodon API at all. Retrying cannot help.
        return _error(ErrorKind.VALIDATION, message, status)
    return _error(ErrorKind.UNKNOWN, message, status)


def _error(kind: ErrorKind, message: str, status: int, code: str | None = None) -> PublishError:
    return PublishError(kind, message, code, http_status=status)


def _message(call: Call, response: httpx.Response) -> str:
    body = json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"].strip():
        text = body["error"].strip()
        detail = body.get("error_description")
        if isinstance(detail, str) and detail.strip() and detail not in text:
            text = f"{text}: {detail.strip()}"
        return redact(text, call.secrets)
    return f"{call.endpoint}: HTTP {response.status_code}: {excerpt(response.text, call.secrets)!r}"


# -- X-RateLimit-* ------------------------------------------------------------------------------


def usage(headers: httpx.Headers) -> Usage | None:
    """The share of the window used; a pause until the reset once nothing remains."""
    try:
        limit = int(headers["x-ratelimit-limit"])
        remaining = int(headers["x-ratelimit-remaining"])
    except (KeyError, ValueError):
        return None
    if limit <= 0:
        return None
    percent = max(0.0, min(100.0, 100.0 * (limit - remaining) / limit))
    regain = (reset_in_s(headers) or DEFAULT_RETRY_S) if remaining <= 0 else 0.0
    return Usage(percent=percent, regain_after_s=regain)


def reset_in_s(headers: httpx.Headers) -> float | None:
    """Seconds until X-RateLimit-Reset, by the server's own clock when it sends a Date."""
    reset = _moment(headers.get("x-ratelimit-reset"))
    if reset is None:
        return None
    return max(1.0, reset - server_now(headers))


def _moment(value: str | None) -> float | None:
    """The reset as Mastodon sends it (an ISO time), or as epoch seconds."""
    value = (value or "").strip()
    return float(value) if value.isdigit() else iso_time(value)

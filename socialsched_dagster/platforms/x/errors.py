"""X's answers, read one way: the problem+json body (`{"title","detail","type","status"}`, with
`errors[]` for invalid requests), the status code, and the rate-limit headers.

- 400 invalid request: validation, in X's own words (`errors[].message`); "Your media IDs are
  invalid." means the uploads expired or were refused: upload again.
- 401: the token is expired or revoked: AUTH_EXPIRED (the publisher refreshes it).
- 402 / usage-capped: the app's credits or cap are spent: QUOTA_EXHAUSTED, later.
- 403 "You are not allowed to create a Tweet with duplicate content.": DUPLICATE. After an
  attempt whose answer was lost it means that attempt went out; the publisher reconciles.
  Other 403s are content X refuses (too long, a reply it does not allow) or an account that
  may not post (suspended, locked).
- 429: RATE_LIMITED until the window that ran out resets. X sends no Retry-After: the resets
  are epoch seconds in `x-rate-limit-reset` (15-minute window of the endpoint) and
  `x-app-limit-24hour-reset` / `x-user-limit-24hour-reset` (the daily post caps), measured
  against the server's Date so our clock's error does not count.
- 5xx: X failed; on the post request it may have created the post first: unknown outcome.
"""

from __future__ import annotations

from typing import Any

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.platform_calls import Usage
from ..http import Call, excerpt, json_or_none, redact
from ..timestamps import server_now

DUPLICATE_CONTENT = "duplicate_content"
MEDIA_INVALID = "media_invalid"
_DUPLICATE = "duplicate content"
_MEDIA_INVALID = "media ids are invalid"
_CONTENT_REFUSALS = ("too long", "reply", "quote")
_UNSUPPORTED_AUTH = "unsupported-authentication"
_CAPPED = ("usage-capped", "credits")
WINDOW_S = 900.0  # X's rate windows are 15 minutes; the wait when no header says
CREDITS_WAIT_S = 3600.0
_WINDOWS = ("x-rate-limit", "x-app-limit-24hour", "x-user-limit-24hour")


def x_error(call: Call, response: httpx.Response) -> PublishError | None:
    """The failure an answer reports, or None when it is a success."""
    if response.is_success:
        return None
    status, body = response.status_code, json_or_none(response)
    message = _message(call, response, body)
    kind_of = str(body.get("type") or "") if isinstance(body, dict) else ""
    low = message.lower()
    if status == 429:
        return PublishError(
            ErrorKind.RATE_LIMITED, message, "rate_limited", status, wait_s(response.headers)
        )
    if status >= 500:
        kind = ErrorKind.UNKNOWN_OUTCOME if call.publishes else ErrorKind.PLATFORM_UNAVAILABLE
        return PublishError(kind, message, http_status=status)
    if status == 402 or any(c in kind_of for c in _CAPPED):
        return PublishError(
            ErrorKind.QUOTA_EXHAUSTED, message, "usage_capped", status, CREDITS_WAIT_S
        )
    if status == 401 or _UNSUPPORTED_AUTH in kind_of:
        return PublishError(ErrorKind.AUTH_EXPIRED, message, "unauthorized", status)
    if _DUPLICATE in low:
        return PublishError(ErrorKind.DUPLICATE, message, DUPLICATE_CONTENT, status)
    if _MEDIA_INVALID in low:
        return PublishError(
            ErrorKind.MEDIA_PROCESSING,
            f"{message} The media will be uploaded again.",
            MEDIA_INVALID,
            status,
            replace_container=True,
        )
    if status == 403 and not any(words in low for words in _CONTENT_REFUSALS):
        return PublishError(ErrorKind.ACCOUNT_BLOCKED, message, "forbidden", status)
    if status in (400, 403, 404, 413, 422):
        return PublishError(ErrorKind.VALIDATION, message, http_status=status)
    return PublishError(ErrorKind.UNKNOWN, message, http_status=status)


def _message(call: Call, response: httpx.Response, body: Any) -> str:
    """X's own words: each `errors[].message` of an invalid request, else `detail`, `title`."""
    words: list[str] = []
    if isinstance(body, dict):
        for item in body.get("errors") or []:
            if isinstance(item, dict):
                text = item.get("message") or item.get("detail")
                if isinstance(text, str) and text.strip() and text.strip() not in words:
                    words.append(text.strip())
        if not words:
            for key in ("detail", "title"):
                if isinstance(body.get(key), str) and body[key].strip():
                    words.append(body[key].strip())
                    break
    if words:
        return redact(" ".join(words), call.secrets)
    return f"{call.endpoint}: HTTP {response.status_code}: {excerpt(response.text, call.secrets)!r}"


# -- rate-limit headers --------------------------------------------------------------------


def usage(headers: httpx.Headers) -> Usage | None:
    """The share of the endpoint's 15-minute window used; a pause until its reset once
    nothing remains."""
    window = _window(headers, "x-rate-limit")
    if window is None:
        return None
    limit, remaining, reset = window
    if limit <= 0:
        return None
    percent = max(0.0, min(100.0, 100.0 * (limit - remaining) / limit))
    regain = _until(reset, headers) if remaining <= 0 else 0.0
    return Usage(percent=percent, regain_after_s=regain)


def wait_s(headers: httpx.Headers) -> float:
    """How long a 429 lasts: until the latest reset among the windows that ran out (or the
    endpoint's own reset when none says it ran out), never less than a second."""
    waits = []
    for prefix in _WINDOWS:
        window = _window(headers, prefix)
        if window is not None and window[1] <= 0:
            waits.append(_until(window[2], headers))
    if not waits:
        reset = _number(headers.get("x-rate-limit-reset"))
        return _until(reset, headers) if reset is not None else WINDOW_S
    return max(waits)


def _window(headers: httpx.Headers, prefix: str) -> tuple[float, float, float | None] | None:
    limit = _number(headers.get(f"{prefix}-limit"))
    remaining = _number(headers.get(f"{prefix}-remaining"))
    if limit is None or remaining is None:
        return None
    return limit, remaining, _number(headers.get(f"{prefix}-reset"))


def _until(reset: float | None, headers: httpx.Headers) -> float:
    if reset is None:
        return WINDOW_S
    return max(1.0, reset - server_now(headers))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

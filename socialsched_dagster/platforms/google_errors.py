"""Google API error bodies (`{"error": {"code", "message", "errors": [{"reason"}]}}`) -> kinds.

The `reason` decides, not the HTTP status alone: a 403 is a spent daily quota
(`quotaExceeded`, wait for midnight Pacific) or a short burst limit (`rateLimitExceeded`).
One exception: a 5xx answering the request that can make the post public (an upload's final
chunk) is an unknown outcome whatever its body says. Google's backend can store the video and
then fail to answer (`backendError` after the commit), so the upload session must be asked
before anything is sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from ..domain.errors import ErrorKind, PublishError
from .http import Call, excerpt, json_or_none, malformed, redact, retry_after_seconds

PACIFIC = ZoneInfo("America/Los_Angeles")
AUTH_REASONS = frozenset({"authError", "unauthorized", "invalidCredentials"})
QUOTA_REASONS = frozenset({"quotaExceeded", "uploadLimitExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
SERVER_REASONS = frozenset({"backendError", "internalError"})
BLOCKED_REASONS = frozenset(
    {
        "forbidden",
        "youtubeSignupRequired",
        "authenticatedUserAccountSuspended",
        "authenticatedUserAccountClosed",
    }
)


def classify(status: int, reason: str | None) -> ErrorKind:
    if status == 401 or reason in AUTH_REASONS:
        return ErrorKind.AUTH_EXPIRED
    if reason in QUOTA_REASONS:
        return ErrorKind.QUOTA_EXHAUSTED
    if status == 429 or reason in RATE_REASONS:
        return ErrorKind.RATE_LIMITED
    if status >= 500 or reason in SERVER_REASONS:
        return ErrorKind.PLATFORM_UNAVAILABLE
    if reason in BLOCKED_REASONS:
        return ErrorKind.ACCOUNT_BLOCKED
    if 400 <= status < 500:  # invalidTitle, invalidDescription, badRequest, ...
        return ErrorKind.VALIDATION
    return ErrorKind.UNKNOWN


def google_error(call: Call, response: httpx.Response) -> PublishError:
    status = response.status_code
    body = json_or_none(response)
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return _bare(call, response)
    items = err.get("errors")
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    reason = first.get("reason") or err.get("status")
    kind = (
        ErrorKind.UNKNOWN_OUTCOME if call.publishes and status >= 500 else classify(status, reason)
    )
    wait = None
    if kind is ErrorKind.QUOTA_EXHAUSTED:
        wait = seconds_until_pacific_midnight()
    elif kind in (ErrorKind.RATE_LIMITED, ErrorKind.PLATFORM_UNAVAILABLE):
        wait = retry_after_seconds(response.headers)
    message = str(err.get("message") or first.get("message") or f"{call.endpoint}: HTTP {status}")
    return PublishError(
        kind,
        redact(message, call.secrets),
        code=str(reason) if reason else str(status),
        http_status=status,
        retry_after_s=wait,
    )


def _bare(call: Call, response: httpx.Response) -> PublishError:
    """No Google error body: a proxy or load balancer answered."""
    status = response.status_code
    text = f"{call.endpoint}: HTTP {status}: {excerpt(response.text, call.secrets)!r}"
    if status == 401:
        return PublishError(ErrorKind.AUTH_EXPIRED, text, http_status=status)
    if status == 429:
        wait = retry_after_seconds(response.headers)
        return PublishError(ErrorKind.RATE_LIMITED, text, http_status=status, retry_after_s=wait)
    if status >= 500:
        # An upload chunk may have been stored before the proxy failed: ask, do not assume.
        kind = ErrorKind.UNKNOWN_OUTCOME if call.effectful else ErrorKind.PLATFORM_UNAVAILABLE
        return PublishError(kind, text, http_status=status)
    return malformed(call, response, "no Google error body")


def seconds_until_pacific_midnight(now: datetime | None = None) -> float:
    """YouTube's daily quota resets at midnight Pacific time."""
    now = now or datetime.now(PACIFIC)
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return max(60.0, (midnight - local).total_seconds())

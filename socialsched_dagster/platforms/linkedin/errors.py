"""LinkedIn's answers, read one way: the body `{"status", "serviceErrorCode", "code",
"message"}` (older endpoints leave out `code`), and the HTTP status, which decides the kind.

- 401: the token is invalid, expired or revoked: AUTH_EXPIRED (renewed once, else held).
- 403: the token lacks the permission (w_member_social, w_organization_social) or the member
  has no role on the page: ACCOUNT_BLOCKED, a person must reconnect with the right ones.
- 422 "Content is a duplicate of urn:li:share:..": DUPLICATE; the URN names the live post.
- 426: the `Linkedin-Version` we send is sunset: a setting to change, never retried.
- 429: LinkedIn's limits are daily and reset at midnight UTC; no Retry-After is documented,
  so our back-off applies unless one is sent.
- 5xx and 409: the platform failed; on the post create it may have created the post first.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import httpx

from ...domain.errors import ErrorKind, PublishError
from ..http import Call, excerpt, json_or_none, redact, retry_after_seconds
from .urns import POST
from .versions import VERSION_VAR

DUPLICATE = "DUPLICATE_POST"
VERSION_GONE = "NONEXISTENT_VERSION"
_DUPLICATE_WORDS = re.compile(r"\bduplicate\b", re.IGNORECASE)
_MISSING_WRITE = (
    "the token lacks LinkedIn's permission to post (w_member_social for a member, "
    "w_organization_social and an admin or content role for a page): connect the account "
    "again with it"
)
_MISSING_READ = (
    "the token lacks LinkedIn's permission to read this (r_member_social for a member's posts, "
    "which LinkedIn grants only to approved apps; r_organization_social for a page's)"
)


def linkedin_error(call: Call, response: httpx.Response, version: str) -> PublishError | None:
    """The failure an answer reports, or None when it is a success."""
    if response.is_success:
        return None
    status = response.status_code
    message, code = _message(call, response)
    if status == 401:
        return PublishError(ErrorKind.AUTH_EXPIRED, message, code, http_status=status)
    if status == 403:
        missing = _MISSING_WRITE if call.effectful else _MISSING_READ
        return PublishError(
            ErrorKind.ACCOUNT_BLOCKED, f"{message}: {missing}", code, http_status=status
        )
    if status == 426:
        return PublishError(
            ErrorKind.VALIDATION,
            f"LinkedIn refuses API version {version} ({message}): set {VERSION_VAR} to a "
            "current version (YYYYMM); LinkedIn sunsets each version about a year after its "
            "release",
            code or VERSION_GONE,
            http_status=status,
        )
    if status == 429:
        return PublishError(
            ErrorKind.RATE_LIMITED,
            f"{message} (LinkedIn's daily limits reset at midnight UTC, in "
            f"{_until_midnight(response.headers)})",
            code,
            http_status=status,
            retry_after_s=retry_after_seconds(response.headers),
        )
    if status == 422 and _DUPLICATE_WORDS.search(message):
        return PublishError(ErrorKind.DUPLICATE, message, DUPLICATE, http_status=status)
    if status >= 500 or status == 409:
        kind = ErrorKind.UNKNOWN_OUTCOME if call.publishes else ErrorKind.PLATFORM_UNAVAILABLE
        return PublishError(
            kind,
            message,
            code,
            http_status=status,
            retry_after_s=retry_after_seconds(response.headers),
        )
    if status in (400, 404, 410, 411, 413, 415, 422):
        return PublishError(ErrorKind.VALIDATION, message, code, http_status=status)
    return PublishError(ErrorKind.UNKNOWN, message, code, http_status=status)


def duplicate_of(error: PublishError) -> str | None:
    """The live post a DUPLICATE names, if it names one."""
    if error.kind is not ErrorKind.DUPLICATE:
        return None
    found = POST.search(error.message)
    return found.group(0) if found else None


def _message(call: Call, response: httpx.Response) -> tuple[str, str | None]:
    body = json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        code = body.get("code") or body.get("serviceErrorCode")
        return redact(body["message"].strip(), call.secrets), str(code) if code else None
    if isinstance(body, dict) and isinstance(body.get("error"), str):  # the OAuth shape
        text = str(body.get("error_description") or body["error"])
        return redact(text, call.secrets), body["error"]
    shown = excerpt(response.text, call.secrets)
    return f"{call.endpoint}: HTTP {response.status_code}: {shown!r}", None


def _until_midnight(headers: httpx.Headers) -> str:
    """Time left in LinkedIn's UTC day, by its Date header when it sends one."""
    try:
        now = parsedate_to_datetime(headers["date"]).astimezone(timezone.utc)
    except (KeyError, TypeError, ValueError):
        now = datetime.now(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = max(1, round((midnight - now).total_seconds() / 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"

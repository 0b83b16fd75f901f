"""Times the platforms send, as Unix seconds: RFC 3339 in bodies (Mastodon, X, YouTube), HTTP
dates in headers, and the platform's own now by its Date header, so that a window it announces
is reckoned on its clock rather than ours."""

from __future__ import annotations

import email.utils
import time
from datetime import datetime
from typing import Any

import httpx


def iso_time(value: Any) -> float | None:
    """`2024-05-01T12:00:00.000Z` -> epoch seconds (None when it is not such a string)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def http_date(value: str | None) -> float | None:
    """`Wed, 01 May 2024 12:00:00 GMT` -> epoch seconds (None when absent or unreadable)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def server_now(headers: httpx.Headers) -> float:
    """The platform's now by the answer's Date header; ours when it sends none."""
    sent = http_date(headers.get("date"))
    return time.time() if sent is None else sent

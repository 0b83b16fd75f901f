"""The Graph API error envelope and usage headers, read the same way for Instagram and Pages.

Codes follow the table in PLATFORM_APIS.md. Order matters: Graph marks its throttling answers
`is_transient`, so the specific codes are matched before that generic flag.

A transient failure (codes 1 and 2, `is_transient`, any 5xx) answering a call that can make a
post public is an unknown outcome: Graph may have applied the request before failing, so the
publisher reconciles before any retry. Throttling and other refusals stay what they are: the
request was turned away, nothing happened. A call that only prepares (an Instagram container,
an unpublished Page post) stays retryable as it is: at worst it leaves an invisible orphan, and
its id never reached us, so there would be nothing to reconcile with.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ..domain.errors import ErrorKind, PublishError
from .base import Usage
from .http import Call, excerpt, json_or_none, malformed, redact, retry_after_seconds

AUTH_CODES = frozenset({190, 102, 104})  # dead, invalid or missing token
RATE_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
TRANSIENT_CODES = frozenset({1, 2, 341})
VALIDATION_CODES = frozenset({100, 352, 9004, 324, *range(36000, 36005)})
BLOCKED_CODES = frozenset({368, 25})
BLOCKED_SUBCODES = frozenset({2207050, 2207051})
PROCESSING = frozenset({24, 9007, 2207008, 2207027})  # codes and subcodes alike
FEED_LIMIT = 341  # "feed action request limit reached": a refusal, like the rate-limit codes
USAGE_KEYS = ("call_count", "total_time", "total_cputime")


def classify(code: int | None, subcode: int | None, transient: bool) -> ErrorKind:
    if code in AUTH_CODES:
        return ErrorKind.AUTH_EXPIRED
    if code in BLOCKED_CODES or subcode in BLOCKED_SUBCODES:  # before 4: 4/2207051 is spam
        return ErrorKind.ACCOUNT_BLOCKED
    if code in RATE_CODES:
        return ErrorKind.RATE_LIMITED
    if code == 9 or subcode == 2207042:
        return ErrorKind.QUOTA_EXHAUSTED
    if code in PROCESSING or subcode in PROCESSING:
        return ErrorKind.MEDIA_PROCESSING
    if code in VALIDATION_CODES:
        return ErrorKind.VALIDATION
    if code == 506:
        return ErrorKind.DUPLICATE
    if code in TRANSIENT_CODES or transient:
        return ErrorKind.PLATFORM_UNAVAILABLE
    if code == 10 or (code is not None and 200 <= code <= 299):
        # Permission missing or withdrawn: retrying cannot help, the account needs attention.
        return ErrorKind.ACCOUNT_BLOCKED
    return ErrorKind.UNKNOWN


def graph_error(call: Call, response: httpx.Response) -> PublishError | None:
    """The failure a Graph answer reports, or None when it is a success."""
    body = json_or_none(response)
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        return _envelope_error(call, response, err)
    if response.is_success:
        return None
    status = response.status_code
    if status == 429:
        return PublishError(
            ErrorKind.RATE_LIMITED,
            f"{call.endpoint}: HTTP 429",
            http_status=status,
            retry_after_s=retry_after(response.headers),
        )
    if status >= 500:
        # A bare 5xx comes from a proxy, not from Graph. It may have passed the request on
        # before failing (a 502 after the commit): on a publishing call the outcome is unknown.
        kind = ErrorKind.UNKNOWN_OUTCOME if call.publishes else ErrorKind.PLATFORM_UNAVAILABLE
        return PublishError(
            kind,
            f"{call.endpoint}: HTTP {status} without a Graph error body: "
            f"{excerpt(response.text, call.secrets)!r}",
            http_status=status,
            retry_after_s=retry_after_seconds(response.headers),
        )
    return malformed(call, response, "no Graph error envelope")


def _envelope_error(call: Call, response: httpx.Response, err: dict[str, Any]) -> PublishError:
    code, subcode = _int(err.get("code")), _int(err.get("error_subcode"))
    kind = classify(code, subcode, err.get("is_transient") is True)
    if kind is ErrorKind.UNKNOWN and response.status_code >= 500:
        kind = ErrorKind.PLATFORM_UNAVAILABLE  # a code we do not know, on a server failure
    if call.publishes and kind is ErrorKind.PLATFORM_UNAVAILABLE and code != FEED_LIMIT:
        kind = ErrorKind.UNKNOWN_OUTCOME  # it may have been applied before failing
    message = str(err.get("message") or "")
    user_msg = err.get("error_user_msg")
    if user_msg and user_msg not in message:
        message = f"{message} ({user_msg})" if message else str(user_msg)
    wait = None
    if kind in (ErrorKind.RATE_LIMITED, ErrorKind.PLATFORM_UNAVAILABLE, ErrorKind.UNKNOWN_OUTCOME):
        wait = retry_after(response.headers)
    code_text = None if code is None else str(code) if subcode is None else f"{code}/{subcode}"
    return PublishError(
        kind,
        redact(message or f"{call.endpoint}: Graph error without a message", call.secrets),
        code=code_text,
        http_status=response.status_code,
        retry_after_s=wait,
    )


def retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After when given, else Graph's own estimate (in minutes) from the BUC header."""
    seconds = retry_after_seconds(headers)
    if seconds is not None:
        return seconds
    usage = parse_usage(headers)
    return usage.regain_after_s if usage is not None and usage.regain_after_s > 0 else None


def parse_usage(headers: httpx.Headers) -> Usage | None:
    """x-app-usage / x-page-usage / x-business-use-case-usage -> the highest share in use."""
    shares: list[float] = []
    regain_minutes = 0.0
    for name in ("x-app-usage", "x-page-usage"):
        shares += _shares(_json(headers.get(name)))
    buc = _json(headers.get("x-business-use-case-usage"))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                shares += _shares(entry)
                if isinstance(entry, dict):
                    regain_minutes = max(
                        regain_minutes, _num(entry.get("estimated_time_to_regain_access")) or 0
                    )
    if not shares and not regain_minutes:
        return None
    return Usage(percent=max(shares, default=0.0), regain_after_s=regain_minutes * 60)


def _shares(data: Any) -> list[float]:
    if not isinstance(data, dict):
        return []
    values = (_num(data.get(k)) for k in USAGE_KEYS)
    return [v for v in values if v is not None]


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None

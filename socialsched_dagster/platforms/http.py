"""What every platform client shares on the wire: the pooled httpx.Client, the target header,
and the translation of transport failures and unreadable bodies into `PublishError`s.

The one rule that matters most here: a request that may have made the post public and got no
readable answer is UNKNOWN_OUTCOME (the publisher must reconcile before retrying), never a plain
retryable NETWORK error, or a post could go out twice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import httpx

from ..domain.errors import ErrorKind, PublishError
from .config import PlatformConfig
from .timestamps import http_date

if TYPE_CHECKING:  # typing.Self is 3.11+; only type checkers read this
    from typing_extensions import Self

TARGET_HEADER = "X-Socialsched-Target"  # the sandbox ledger counts duplicates by it


def target_tag(job) -> str:
    """The TARGET_HEADER value: the target, and a thread's segment after the head (`42.1`), so
    each segment of a thread is counted apart."""
    return f"{job.target_id}.{job.segment}" if job.segment else str(job.target_id)


try:
    VERSION = metadata.version("socialsched-dagster")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0"
USER_AGENT = f"socialsched-dagster/{VERSION}"


def build_http_client(config: PlatformConfig) -> httpx.Client:
    """One pooled client per platform client; httpx.Client is safe to share between threads."""
    timeout = httpx.Timeout(
        connect=config.connect_timeout_s,
        read=config.read_timeout_s,
        write=config.write_timeout_s,
        pool=config.pool_timeout_s,
    )
    limits = httpx.Limits(
        max_connections=config.max_connections,
        max_keepalive_connections=config.max_connections,
    )
    # No redirects: a 308 is YouTube's "resume incomplete", and a redirected POST could repeat.
    return httpx.Client(
        timeout=timeout,
        limits=limits,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


class HttpOwner:
    """Base of the clients: holds the config and the pooled httpx.Client, and closes the client
    only if it made it."""

    def __init__(self, config: PlatformConfig, http: httpx.Client | None) -> None:
        self.config = config
        self._owns_http = http is None
        self.http = http or build_http_client(config)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Call:
    """How a request is named in errors (never by its URL) and whether it can have an effect."""

    endpoint: str  # e.g. "instagram media_publish"
    effectful: bool
    secrets: tuple[str, ...] = ()  # scrubbed from anything we quote back
    # The request can make the post public (feed POST, media_publish, an upload's last chunk).
    publishes: bool = False
    # PublishJob.fence: run before an effectful request is sent (see platforms/base.py).
    fence: Callable[[bool], None] | None = field(default=None, compare=False)


def send(http: httpx.Client, call: Call, method: str, url: str, **kw: Any) -> httpx.Response:
    if call.effectful and call.fence is not None:
        call.fence(call.publishes)  # raises when this run may no longer send for the target
    try:
        return http.request(method, url, **kw)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # Nothing left this process (or no connection was made): nothing can have happened.
        raise PublishError(
            ErrorKind.NETWORK, f"{call.endpoint}: could not connect ({_describe(exc, call)})"
        ) from exc
    except httpx.TransportError as exc:
        # The request (or part of it) was sent and the answer is lost: on a call that can make
        # the post public, the platform may have done so. A lost answer to a preparing call
        # (a container, a draft, an upload session) leaves at worst an unused object nobody
        # sees, so it is an ordinary retry (and counts toward the breaker).
        kind = ErrorKind.UNKNOWN_OUTCOME if call.publishes else ErrorKind.NETWORK
        raise PublishError(
            kind, f"{call.endpoint}: no answer after sending ({_describe(exc, call)})"
        ) from exc


def _describe(exc: Exception, call: Call) -> str:
    text = redact(str(exc), call.secrets)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def malformed(call: Call, response: httpx.Response, why: str = "") -> PublishError:
    """A body that is not what the endpoint promises. On a successful effectful call the effect
    may well have happened, so the outcome is unknown rather than merely an error."""
    kind = (
        ErrorKind.UNKNOWN_OUTCOME if call.effectful and response.is_success else ErrorKind.UNKNOWN
    )
    detail = f" ({why})" if why else ""
    return PublishError(
        kind,
        f"{call.endpoint}: malformed response{detail}, HTTP {response.status_code}: "
        f"{excerpt(response.text, call.secrets)!r}",
        http_status=response.status_code,
    )


def json_object(call: Call, response: httpx.Response, *required: str) -> dict[str, Any]:
    body = json_or_none(response)
    if not isinstance(body, dict):
        raise malformed(call, response, "not a JSON object")
    missing = [k for k in required if body.get(k) in (None, "")]
    if missing:
        raise malformed(call, response, f"missing {', '.join(missing)}")
    return body


# -- keeping tokens out of messages and logs --------------------------------------------------

_TOKEN_PATTERNS = (
    re.compile(
        r"(?i)((?:access|refresh|exchange)_token|client_secret|appsecret_proof)"
        r"([\"']?\s*[=:]\s*[\"']?)[^\"'&\s,}]+"
    ),
    re.compile(r"(?i)\b(bearer|oauth)(\s+)[\w.~+/=-]+"),
    # Shapes of real and sandbox tokens: Meta (EAA..., IG...), Google (ya29., 1//), sandbox.
    re.compile(
        r"()()\b(?:EAA[\w-]{20,}|IG[A-Z]{2}[\w-]{20,}|ya29\.[\w.-]+|1//[\w-]{20,}|"
        r"sbx1\.[\w-]+\.[\w-]+)"
    ),
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "***")
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(r"\1\2***", text)
    return text


def excerpt(text: str, secrets: tuple[str, ...] = (), limit: int = 120) -> str:
    flat = " ".join(text.split())
    flat = redact(flat, secrets)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class _DropQueryStrings(logging.Filter):
    """httpx logs every request URL at INFO; Graph GETs and token refreshes carry secrets in
    the query string, so the query is cut from those records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_no_query(a) for a in record.args)
        return True


def _no_query(value: Any) -> Any:
    if isinstance(value, httpx.URL) and value.query:
        return str(value.copy_with(query=None)) + "?<query hidden>"
    return value


logging.getLogger("httpx").addFilter(_DropQueryStrings())


# -- Retry-After --------------------------------------------------------------------------------


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = http_date(value)
    return None if when is None else max(0.0, when - time.time())

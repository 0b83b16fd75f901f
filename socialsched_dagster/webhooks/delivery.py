"""Delivering events: due deliveries are claimed, sent signed, and retried with backoff.

A delivery is claimed by one conditional UPDATE (still pending, still at the attempt count read,
due): it counts the attempt and pushes `next_attempt_at` a lease ahead, so another dispatcher
(another tick, another process) skips it while it is in flight, and takes it over once the
lease has passed if the one sending died. The outcome is written only if the attempt count is
still the claimed one. A delivery is therefore never sent by two dispatchers at once; after a
crash mid-send it may be sent again, with the same event id for the receiver to drop.

Any 2xx is delivered. Anything else (another status, a redirect, which is never followed, a
timeout, a refused connection, an address the guard refuses) is retried: after 30 s, 2 min,
10 min, 1 h, 3 h, 6 h and 12 h, each with up to 20% of jitter, and a 429's or 503's Retry-After
respected up to an hour; after the 8th attempt the delivery is `failed` (replay it from the log).

Each attempt is logged on the delivery: when, the status code, a short error and how long it
took. Neither the secret nor the URL's path and query ever go into it: a receiver's answer is
quoted only after the secret is masked out of it.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..alerts.webhook import mask_url
from ..security.media_fetch import GuardedTransport
from ..security.public_urls import IPNetwork, Resolve, UnsafeUrl, system_resolve
from ..security.token_cipher import TokenCipher, TokenKeyError
from ..store.database import Database
from ..store.models import Webhook, WebhookDelivery, WebhookEvent, Workspace
from . import message
from .addresses import connection_policy

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
RETRY_WAITS_S = (30.0, 120.0, 600.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0)
MAX_RETRY_AFTER_S = 3600.0
_QUOTED = 200  # characters of a receiver's answer kept in the log


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout_s: float = 5.0
    connect_timeout_s: float = 3.0
    # Longer than one send can take (the timeouts): a claim outlives its request.
    lease_s: float = 60.0
    retry_waits_s: tuple[float, ...] = RETRY_WAITS_S
    jitter: float = 0.2
    # Per call (a sensor tick): at most `batch` sends, `workers` at a time, so a tick stays
    # well inside Dagster's 60 s evaluation limit even when every receiver times out.
    batch: int = 40
    workers: int = 8
    private_networks: tuple[IPNetwork, ...] = ()

    @property
    def max_attempts(self) -> int:
        return len(self.retry_waits_s) + 1


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after_s: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def masked(text: str, secret: str, url: str) -> str:
    """`text` with the secret and the URL (whose path or query may be a credential) masked."""
    if secret:
        text = text.replace(secret, "***")
    if url:
        text = text.replace(url, mask_url(url))
    return text


def _quote(raw: bytes, secret: str, url: str) -> str:
    text = raw.decode("utf-8", "replace")
    text = masked(text, secret, url)
    text = "".join(c if c.isprintable() else " " for c in text).strip()
    return text if len(text) <= _QUOTED else text[: _QUOTED - 3] + "..."


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the trusted CAs takes a while: once per process, not once per tick.
    return httpx.create_ssl_context()


class Sender:
    """POSTs through the media guard's transport: every connection checked where it is made."""

    def __init__(self, policy: DeliveryPolicy, *, resolve: Resolve = system_resolve) -> None:
        self.policy = policy
        self._http = httpx.Client(
            transport=GuardedTransport(
                connection_policy(policy.private_networks),
                resolve=resolve,
                max_connections=max(policy.workers, 1),
                ssl_context=_tls(),
            ),
            timeout=httpx.Timeout(policy.timeout_s, connect=policy.connect_timeout_s),
            follow_redirects=False,  # a redirect could point anywhere: it is an error
            trust_env=False,  # a proxy from the environment would connect unchecked
        )

    def send(self, url: str, secret: str, content: bytes, headers: dict) -> AttemptResult:
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            with self._http.stream("POST", url, content=content, headers=headers) as response:
                code = response.status_code
                if 200 <= code < 300:
                    return AttemptResult(code, None, took())
                quoted = ""
                for chunk in response.iter_bytes(chunk_size=1024):
                    quoted = _quote(chunk, secret, url)
                    break
                if 300 <= code < 400:
                    error = f"HTTP {code}: redirects are not followed; give the final URL"
                else:
                    error = f"HTTP {code}" + (f": {quoted}" if quoted else "")
                return AttemptResult(code, error, took(), _retry_after(response))
        except UnsafeUrl as exc:
            return AttemptResult(None, f"refused: {masked(str(exc), secret, url)}", took())
        except httpx.TimeoutException as exc:
            return AttemptResult(
                None, f"no answer within {self.policy.timeout_s:g} s ({type(exc).__name__})", took()
            )
        except httpx.HTTPError as exc:
            return AttemptResult(
                None, f"{type(exc).__name__}: {masked(str(exc), secret, url)}"[:_QUOTED], took()
            )
        except Exception as exc:  # a delivery problem must never fail the tick
            # The type only: an arbitrary exception's text may quote anything.
            return AttemptResult(None, f"unexpected {type(exc).__name__}", took())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int  # the number of this attempt, 1-based; the claim's token
    url: str
    secret_enc: str
    event: str
    kind: str
    content: bytes
    attempt_log: list


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another dispatcher first
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    def summary(self) -> str:
        return (
            f"{self.attempted} attempt(s): {self.delivered} delivered, {self.retrying} to retry, "
            f"{self.failed} failed for good"
        )


def due(session: Session, *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(delivery id, attempts) of pending deliveries of active webhooks that are due."""
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == PENDING,  # ix_webhook_deliveries_status_next_attempt_at
            WebhookDelivery.next_attempt_at <= now,
            Webhook.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    return [(i, n) for i, n in rows]


def claim(
    session: Session, delivery_id: int, seen_attempts: int, *, now: datetime, lease: timedelta
) -> Claimed | None:
    taken = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.attempts == seen_attempts,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(attempts=seen_attempts + 1, next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    delivery, event, hook, workspace = session.execute(
        select(WebhookDelivery, WebhookEvent, Webhook, Workspace.name)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(Workspace, Workspace.id == Webhook.workspace_id)
        .where(WebhookDelivery.id == delivery_id)
    ).one()
    ident = message.event_id(event.id)
    content = message.body(ident, event.kind, event.created_at, workspace, event.payload)
    return Claimed(
        delivery.id,
        seen_attempts + 1,
        hook.url,
        hook.secret_enc,
        ident,
        event.kind,
        content,
        list(delivery.attempt_log or []),
    )


def next_wait_s(policy: DeliveryPolicy, attempt: int, result: AttemptResult, rng) -> float:
    wait = policy.retry_waits_s[attempt - 1] * (1 + rng.uniform(0, policy.jitter))
    if result.retry_after_s and result.status_code in (429, 503):
        wait = max(wait, min(result.retry_after_s, MAX_RETRY_AFTER_S))
    return wait


def record(
    session: Session,
    claimed: Claimed,
    result: AttemptResult,
    *,
    at: datetime,
    policy: DeliveryPolicy,
    rng=random,
) -> str | None:
    """Write the attempt's outcome; the delivery's new status, or None if the claim was lost
    (its lease ran out and another dispatcher took it over)."""
    entry = {
        "n": claimed.attempt,
        "at": at.isoformat(),
        "status_code": result.status_code,
        "error": result.error,
        "duration_ms": result.duration_ms,
    }
    values: dict = {
        "attempt_log": [*claimed.attempt_log, entry],
        "last_status_code": result.status_code,
        "last_error": result.error,
    }
    if result.delivered:
        values.update(status=DELIVERED, delivered_at=at, next_attempt_at=None)
    elif claimed.attempt >= policy.max_attempts:
        values.update(status=FAILED, next_attempt_at=None)
    else:
        wait = next_wait_s(policy, claimed.attempt, result, rng)
        values.update(status=PENDING, next_attempt_at=at + timedelta(seconds=wait))
    written = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claimed.delivery_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.attempts == claimed.attempt,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return values["status"] if written == 1 else None


def deliver_due(
    db: Database,
    cipher: TokenCipher,
    policy: DeliveryPolicy,
    *,
    now: datetime | None = None,
    sender: Sender | None = None,
    rng=random,
) -> DeliveryReport:
    """Send what is due at `now` (default: the database's clock), `policy.workers` at a time.
    Tests pass a later `now` to reach the retries without waiting for them."""
    start = now or db.now()
    began = time.monotonic()
    lease = timedelta(seconds=policy.lease_s)

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - began)

    candidates = db.transaction(
        lambda s: due(s, now=start, limit=policy.batch),
        name="webhook deliveries due",
        read_only=True,
    )
    report = DeliveryReport()
    if not candidates:
        return report
    own_sender = sender is None
    sender = sender or Sender(policy)

    def one(candidate: tuple[int, int]) -> str | None:
        delivery_id, seen = candidate
        claimed = db.transaction(
            lambda s: claim(s, delivery_id, seen, now=start, lease=lease), name="webhook claim"
        )
        if claimed is None:
            return "skipped"
        try:
            secret = cipher.decrypt(claimed.secret_enc)
        except TokenKeyError:
            result = AttemptResult(
                None, "the webhook's signing secret cannot be decrypted with the configured "
                "keys (SOCIALSCHED_TOKEN_KEY)", 0,
            )  # fmt: skip
        else:
            headers = message.headers(
                secret, claimed.content, event=claimed.event, kind=claimed.kind,
                delivery_id=claimed.delivery_id,
            )  # fmt: skip
            result = sender.send(claimed.url, secret, claimed.content, headers)
        at = clock()
        status = db.transaction(
            lambda s: record(s, claimed, result, at=at, policy=policy, rng=rng),
            name="webhook attempt",
        )
        if status != DELIVERED:
            log.info(
                "webhook delivery %d (%s %s) attempt %d to %s: %s",
                claimed.delivery_id, claimed.kind, claimed.event, claimed.attempt,
                mask_url(claimed.url), result.error,
            )  # fmt: skip
        return status or "skipped"

    try:
        with ThreadPoolExecutor(max_workers=max(1, policy.workers)) as pool:
            for status in pool.map(one, candidates):
                if status == DELIVERED:
                    report.delivered += 1
                elif status == PENDING:
                    report.retrying += 1
                elif status == FAILED:
                    report.failed += 1
                else:
                    report.skipped += 1
    finally:
        if own_sender:
            sender.close()
    return report


def replay(session: Session, original: WebhookDelivery, *, now: datetime) -> WebhookDelivery:
    """A new delivery of the same event to the same webhook, due now."""
    again = WebhookDelivery(
        webhook_id=original.webhook_id,
        event_id=original.event_id,
        replay_of=original.id,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        attempt_log=[],
    )
    session.add(again)
    session.flush()
    return again


def ping(
    sender: Sender, url: str, secret: str, *, workspace: str, now: datetime, ident: str
) -> AttemptResult:
    """A signed `ping` sent at once, outside the log: does the receiver answer and verify?"""
    content = message.body(ident, "ping", now, workspace, {"message": "ping from socialsched"})
    headers = message.headers(secret, content, event=ident, kind="ping", delivery_id="ping")
    return sender.send(url, secret, content, headers)

"""What a scrape asks the app database: small aggregates, each bounded by an index.

- targets by (status, platform): an index-only scan of ix_post_targets_due;
- latency and lateness: a range of ix_publish_attempts_finished_at (the last 24 h / hour), so
  their cost follows the publishing rate, not the size of the history;
- token expiry: the accounts table, one row per account;
- the due-target query: the sensor's own (store/due.py), timed as the sensor runs it.
Outcome totals over all history are kept incrementally by outcome_totals.py.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, select
from sqlalchemy.orm import Session

from ..domain.states import AccountStatus
from ..store.due import due_windows
from ..store.models import Account, OAuthToken, PostTarget, PublishAttempt

# Upper bounds of the latency buckets, in seconds: from a quick Graph call to a long YouTube
# upload, with most resolution where a healthy publish lands (0.25-5 s).
LATENCY_BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
PUBLISHED_OUTCOMES = ("published", "reconciled")


def targets_by_status(conn: Connection) -> dict[tuple[str, str], int]:
    """(status, platform) -> number of targets."""
    rows = conn.execute(
        select(PostTarget.status, PostTarget.platform, func.count()).group_by(
            PostTarget.status, PostTarget.platform
        )
    )
    return {(status, platform): n for status, platform, n in rows}


@dataclass(frozen=True)
class LatencyHistogram:
    counts: list[int]  # per bucket of LATENCY_BUCKETS_S, then the overflow (+Inf) bucket
    sum_s: float

    def cumulative(self) -> list[tuple[str, int]]:
        """(le, count) pairs as Prometheus wants them, ending with +Inf."""
        bounds = [f"{b:g}" for b in LATENCY_BUCKETS_S] + ["+Inf"]
        running, out = 0, []
        for bound, n in zip(bounds, self.counts, strict=True):
            running += n
            out.append((bound, running))
        return out


def latency_histograms(conn: Connection, since: datetime) -> dict[str, LatencyHistogram]:
    """Per platform, attempts finished since `since` by latency bucket (counted in SQL)."""
    latency = PublishAttempt.latency_ms
    bucket = case(
        *((latency <= int(bound * 1000), i) for i, bound in enumerate(LATENCY_BUCKETS_S)),
        else_=len(LATENCY_BUCKETS_S),
    ).label("bucket")
    rows = conn.execute(
        select(PostTarget.platform, bucket, func.count(), func.sum(latency))
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .where(PublishAttempt.finished_at >= since, latency.is_not(None))
        .group_by(PostTarget.platform, bucket)
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    sums: dict[str, float] = defaultdict(float)
    for platform, index, n, total_ms in rows:
        counts[platform][index] += n
        sums[platform] += (total_ms or 0) / 1000
    return {p: LatencyHistogram(counts[p], sums[p]) for p in counts}


def lateness_by_platform(conn: Connection, since: datetime) -> dict[str, list[float]]:
    """Seconds from due to published of every target published since `since`. Read through
    the attempts (published_at is their finished_at), so a post backfilled hours late counts
    when it went out, and the range is an index scan."""
    rows = conn.execute(
        select(PostTarget.platform, PostTarget.due_at, PostTarget.published_at)
        .join(PublishAttempt, PublishAttempt.target_id == PostTarget.id)
        .where(
            PublishAttempt.finished_at >= since,
            PublishAttempt.outcome.in_(PUBLISHED_OUTCOMES),
            PostTarget.published_at.is_not(None),
        )
    )
    out: dict[str, list[float]] = defaultdict(list)
    for platform, due_at, published_at in rows:
        out[platform].append((published_at - due_at).total_seconds())
    return dict(out)


def earliest_token_expiry(conn: Connection) -> dict[str, datetime]:
    """Per platform, the first expiry among active accounts' tokens (tokens without an expiry,
    e.g. Page tokens, never run out and are left out)."""
    rows = conn.execute(
        select(Account.platform, func.min(OAuthToken.expires_at))
        .join(OAuthToken, OAuthToken.account_id == Account.id)
        .where(Account.status == AccountStatus.ACTIVE.value, OAuthToken.expires_at.is_not(None))
        .group_by(Account.platform)
    )
    return {platform: earliest for platform, earliest in rows if earliest is not None}


def active_accounts(conn: Connection) -> dict[str, list[str]]:
    """Per platform, the external ids of active accounts: the rate limiter's account keys."""
    rows = conn.execute(
        select(Account.platform, Account.external_id).where(
            Account.status == AccountStatus.ACTIVE.value
        )
    )
    out: dict[str, list[str]] = defaultdict(list)
    for platform, external_id in rows:
        out[platform].append(external_id)
    return dict(out)


def due_query_seconds(conn: Connection, now: datetime, lead: timedelta, stale: timedelta) -> float:
    """Wall time of the due-posts sensor's query (store/due.py), as the sensor runs it."""
    with Session(bind=conn) as session:
        started = time.perf_counter()
        due_windows(session, now=now, ready_by=now + lead, stale_before=now - stale)
        return time.perf_counter() - started

"""Figures for the publishing health checks: each a small aggregate over an index."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import TargetStatus
from .due import due_windows
from .models import Account, PostTarget, PublishAttempt

S = TargetStatus
# What a user counts as "did not go out": a post that failed for good, or one left too late.
PROBLEM_STATUSES = (S.FAILED.value, S.MISSED.value)
SETTLED_STATUSES = (S.PUBLISHED.value, *PROBLEM_STATUSES)
# Attempts that were not a call's result: a run handing back a claim it never started.
NOT_CALLS = ("released", "lease_lost")


@dataclass(frozen=True)
class TargetOutcomes:
    total: int  # targets counted (cancelled ones are not: a person withdrew them)
    failed: int
    missed: int

    @property
    def problems(self) -> int:
        return self.failed + self.missed

    @property
    def problem_rate(self) -> float:
        return self.problems / self.total if self.total else 0.0


def _outcomes(rows) -> TargetOutcomes:
    counts = dict(rows)
    return TargetOutcomes(
        sum(counts.values()), counts.get(S.FAILED.value, 0), counts.get(S.MISSED.value, 0)
    )


def due_outcomes(session: Session, platform: str, since: datetime, until: datetime):
    """The platform's targets due in [since, until), and how many ended failed or missed."""
    return _outcomes(
        session.execute(
            select(PostTarget.status, func.count())
            .where(
                PostTarget.platform == platform,
                PostTarget.due_at >= since,
                PostTarget.due_at < until,
                PostTarget.status != S.CANCELLED.value,
            )
            .group_by(PostTarget.status)
        ).all()
    )


def settled_outcomes(
    session: Session, platform: str, since: datetime, due_since: datetime
) -> TargetOutcomes:
    """Targets (due since `due_since`) that reached their end since `since`: published, failed
    or missed. By settling time, not due time: a target becomes `missed` hours after it was
    due, so "due in the last minutes" would never count one."""
    settled_at = func.coalesce(PostTarget.published_at, PostTarget.updated_at)
    return _outcomes(
        session.execute(
            select(PostTarget.status, func.count())
            .where(
                PostTarget.status.in_(SETTLED_STATUSES),
                PostTarget.platform == platform,
                PostTarget.due_at >= due_since,
                settled_at >= since,
            )
            .group_by(PostTarget.status)
        ).all()
    )


@dataclass(frozen=True)
class ProblemTarget:
    target_id: int
    post_id: int
    account: str
    status: str
    due_at: datetime
    error_kind: str | None
    error_code: str | None
    message: str | None  # the platform's words (or ours, for a missed post)


def problem_targets(
    session: Session,
    platform: str,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    statuses: tuple[str, ...] = PROBLEM_STATUSES,
) -> list[ProblemTarget]:
    """The first `limit` failed or missed targets due in [since, until), in due order."""
    bounds = []
    if since is not None:
        bounds.append(PostTarget.due_at >= since)
    if until is not None:
        bounds.append(PostTarget.due_at < until)
    columns = (
        PostTarget.id, PostTarget.post_id, Account.handle, PostTarget.status, PostTarget.due_at,
        PostTarget.error_kind, PostTarget.error_code, PostTarget.error_message,
    )  # fmt: skip
    rows = session.execute(
        select(*columns)
        .join(Account, Account.id == PostTarget.account_id)
        .where(PostTarget.status.in_(statuses), PostTarget.platform == platform, *bounds)
        .order_by(PostTarget.due_at, PostTarget.id)
        .limit(limit)
    ).all()
    return [ProblemTarget(*row) for row in rows]


def window_counts(session: Session, platform: str, start: datetime, end: datetime) -> dict:
    """Targets of one window by status (cancelled included: the window's full picture)."""
    rows = session.execute(
        select(PostTarget.status, func.count())
        .where(
            PostTarget.platform == platform,
            PostTarget.due_at >= start,
            PostTarget.due_at < end,
        )
        .group_by(PostTarget.status)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class AttemptStats:
    total: int
    retried: int

    @property
    def retry_rate(self) -> float:
        return self.retried / self.total if self.total else 0.0


def attempt_stats(session: Session, platform: str, since: datetime) -> AttemptStats:
    """Platform calls since `since` and how many of them ended in a retry (throttled, 5xx,
    network, unknown outcome): a health figure of the platform and of our limits, not of the
    posts, which may all have gone out in the end."""
    rows = session.execute(
        select(PublishAttempt.outcome, func.count())
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .where(PostTarget.platform == platform, PublishAttempt.finished_at >= since)
        .where(PublishAttempt.outcome.not_in(NOT_CALLS))
        .group_by(PublishAttempt.outcome)
    ).all()
    counts = dict(rows)
    return AttemptStats(sum(counts.values()), counts.get("retry", 0))


def lateness_s(session: Session, platform: str, since: datetime) -> list[float]:
    """Seconds between due and published for the platform's posts published since `since`."""
    rows = session.execute(
        select(PostTarget.due_at, PostTarget.published_at).where(
            PostTarget.status == S.PUBLISHED.value,
            PostTarget.platform == platform,
            PostTarget.due_at >= since,
        )
    ).all()
    return [(published - due).total_seconds() for due, published in rows if published]


def missed_count(session: Session, platform: str) -> int:
    return session.scalar(
        select(func.count()).where(
            PostTarget.status == S.MISSED.value, PostTarget.platform == platform
        )
    )


def backlog(
    session: Session, platform: str, now: datetime, grace: timedelta, stale: timedelta
) -> int:
    """Targets ready for longer than `grace` that no run has claimed: the queue is stuck."""
    ready = func.coalesce(PostTarget.next_attempt_at, PostTarget.due_at)
    return session.scalar(
        select(func.count()).where(
            PostTarget.status == S.SCHEDULED.value,
            PostTarget.platform == platform,
            PostTarget.due_at >= now - stale,
            PostTarget.due_at < now - grace,
            ready < now - grace,
        )
    )


def due_query_seconds(session: Session, now: datetime, lead: timedelta, stale: timedelta) -> float:
    """Wall time of the due-posts sensor's own query, as the sensor runs it."""
    started = time.perf_counter()
    due_windows(session, now=now, ready_by=now + lead, stale_before=now - stale)
    return time.perf_counter() - started

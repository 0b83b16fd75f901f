"""Figures for the publishing health checks: each a small aggregate over an index."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import TargetStatus
from .due import due_windows
from .models import PostTarget, PublishAttempt

S = TargetStatus
SUCCESS = ("published", "reconciled")


@dataclass(frozen=True)
class AttemptStats:
    total: int
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.total if self.total else 0.0


def attempt_stats(session: Session, platform: str, since: datetime) -> AttemptStats:
    """Publish attempts of the platform since `since`; an error is any attempt that did not
    publish (retries included: each is a call the platform refused or we could not make)."""
    rows = session.execute(
        select(PublishAttempt.outcome, func.count())
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .where(PostTarget.platform == platform, PublishAttempt.finished_at >= since)
        .where(PublishAttempt.outcome.not_in(("released", "lease_lost")))
        .group_by(PublishAttempt.outcome)
    ).all()
    total = sum(n for _, n in rows)
    errors = sum(n for outcome, n in rows if outcome not in SUCCESS)
    return AttemptStats(total, errors)


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

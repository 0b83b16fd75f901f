"""What the due-posts sensor asks the database on every tick; all index range scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain.platforms import Platform
from ..domain.states import TargetStatus
from .models import PostTarget
from .transitions import move

S = TargetStatus
MISSED_MESSAGE = "not published before the stale cutoff"


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DueWindow:
    platform: str
    window_start: datetime  # the hourly partition
    targets: int
    first_ready_at: datetime


def due_windows(
    session: Session, *, now: datetime, ready_by: datetime, stale_before: datetime
) -> list[DueWindow]:
    """Windows holding targets ready by `ready_by` (scheduled, not stale) or orphaned by a
    run that died (publishing with an expired lease)."""
    ready = func.coalesce(PostTarget.next_attempt_at, PostTarget.due_at)
    selected = [PostTarget.platform, PostTarget.due_at, func.count(), func.min(ready)]
    rows = []
    # One query per platform: each is a range scan of ix_post_targets_due (status, platform,
    # due_at); a single query across platforms would read every scheduled row's index entry.
    for platform in Platform:
        rows += session.execute(
            select(*selected)
            .where(
                PostTarget.status == S.SCHEDULED.value,
                PostTarget.platform == platform.value,
                PostTarget.due_at >= stale_before,
                PostTarget.due_at <= ready_by,
                ready <= ready_by,
            )
            .group_by(PostTarget.platform, PostTarget.due_at)
        ).all()
    rows += session.execute(
        select(*selected)
        .where(PostTarget.status == S.PUBLISHING.value, PostTarget.lease_until < now)
        .group_by(PostTarget.platform, PostTarget.due_at)
    ).all()
    windows: dict[tuple[str, datetime], list] = {}
    for platform, due_at, count, first_ready in rows:
        key = (platform, hour_floor(due_at))
        entry = windows.setdefault(key, [0, first_ready])
        entry[0] += count
        entry[1] = min(entry[1], first_ready)
    return [
        DueWindow(platform, start, count, first)
        for (platform, start), (count, first) in sorted(windows.items())
    ]


def mark_missed(session: Session, *, stale_before: datetime, now: datetime) -> int:
    """Scheduled targets past the stale cutoff become `missed`: never sent by surprise hours
    late; a person decides (backfill)."""
    missed = 0
    for platform in Platform:  # per platform: a range scan, as in due_windows
        result = session.execute(
            move(
                S.MISSED, from_=[S.SCHEDULED],
                where=[PostTarget.platform == platform.value, PostTarget.due_at < stale_before],
                # Keep why it was late (a quota, an outage): "missed" alone explains nothing.
                error_message=case(
                    (PostTarget.error_message.is_(None), MISSED_MESSAGE),
                    else_=MISSED_MESSAGE + "; last error: " + PostTarget.error_message,
                ),
                updated_at=now,
            )
        )  # fmt: skip
        missed += result.rowcount or 0
    return missed


def next_ready_in_window(
    session: Session, platform: str, start: datetime, end: datetime, stale_before: datetime
) -> datetime | None:
    """When the next scheduled target of the window becomes sendable (None: nothing left)."""
    return session.scalar(
        select(func.min(func.coalesce(PostTarget.next_attempt_at, PostTarget.due_at))).where(
            PostTarget.status == S.SCHEDULED.value,
            PostTarget.platform == platform,
            PostTarget.due_at >= max(start, stale_before),
            PostTarget.due_at < end,
        )
    )

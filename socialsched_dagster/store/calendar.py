"""Which hourly windows hold posts: what the partition calendar is built from."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import TargetStatus
from .due import hour_floor
from .models import PostTarget

HOUR = timedelta(hours=1)


def busy_windows(session: Session, platform: str, start: datetime, end: datetime) -> set:
    """Starts of the hour windows in [start, end) holding a target that was not cancelled.

    A skip scan: each query finds the next such target on the (due_at, id) index and jumps to
    the hour after it, so months without posts cost one query, not one per hour.
    """
    found: set[datetime] = set()
    cursor = start
    while cursor < end:
        nxt = session.scalar(
            select(func.min(PostTarget.due_at)).where(
                PostTarget.platform == platform,
                PostTarget.due_at >= cursor,
                PostTarget.due_at < end,
                PostTarget.status != TargetStatus.CANCELLED.value,
            )
        )
        if nxt is None:
            break
        window = hour_floor(nxt)
        found.add(window)
        cursor = window + HOUR
    return found

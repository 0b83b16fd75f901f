"""Read-only summaries the pipeline shows in the UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import PostTarget


@dataclass(frozen=True)
class Backlog:
    by_status: dict[str, int]
    next_due_at: datetime | None


def target_backlog(session: Session) -> Backlog:
    counts = dict(
        session.execute(select(PostTarget.status, func.count()).group_by(PostTarget.status)).all()
    )
    next_due = session.scalar(
        select(func.min(PostTarget.due_at)).where(PostTarget.status == "scheduled")
    )
    return Backlog(by_status=counts, next_due_at=next_due)

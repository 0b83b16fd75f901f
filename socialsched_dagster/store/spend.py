"""What an account has spent this month on a platform that charges per post, and the check that
lets a target go ahead only within the account's monthly budget.

The spend is the sum of the estimated costs of its targets published this month, plus those
under way (a target's cost is written when the check lets it go ahead). The check and that write
are one transaction holding the account's row (PostgreSQL; SQLite's writer lock does the same),
so two runs or two worker threads cannot each see room for one more post and both send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.orm import Session

from ..domain.states import TargetStatus
from .models import Account, PostTarget

S = TargetStatus


def month_start(now: datetime) -> datetime:
    return now.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(now: datetime) -> datetime:
    start = month_start(now)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def _counted(since: datetime, excluding: int | None = None):
    """The targets whose cost counts against the month: published in it, or under way."""
    under_way = PostTarget.status == S.PUBLISHING.value
    if excluding is not None:
        under_way = and_(under_way, PostTarget.id != excluding)
    published = and_(PostTarget.status == S.PUBLISHED.value, PostTarget.published_at >= since)
    return and_(PostTarget.cost_usd.is_not(None), or_(published, under_way))


def spent(session: Session, account_id: int, now: datetime, excluding: int | None = None) -> float:
    total = session.scalar(
        select(func.coalesce(func.sum(PostTarget.cost_usd), 0.0)).where(
            PostTarget.account_id == account_id, _counted(month_start(now), excluding)
        )
    )
    return float(total or 0.0)


def spend_by_account(session: Session | Connection, now: datetime) -> dict[tuple[str, str], float]:
    """(platform, handle) -> estimated spend this month, for the metrics."""
    rows = session.execute(
        select(Account.platform, Account.handle, func.sum(PostTarget.cost_usd))
        .join(Account, Account.id == PostTarget.account_id)
        .where(_counted(month_start(now)))
        .group_by(Account.platform, Account.handle)
    )
    return {(platform, handle): float(total or 0.0) for platform, handle, total in rows}


@dataclass(frozen=True)
class SpendCheck:
    allowed: bool
    spent_usd: float  # this month, before this target


def reserve(
    session: Session,
    *,
    target_id: int,
    run_id: str,
    account_id: int,
    cost_usd: float,
    budget_usd: float,
    now: datetime,
) -> SpendCheck:
    """Let the target go ahead if its cost fits in what the month's budget has left, writing
    its cost (so that it counts while under way); otherwise leave it unwritten."""
    lock = select(Account.id).where(Account.id == account_id)
    if session.get_bind().dialect.name == "postgresql":
        lock = lock.with_for_update()
    session.execute(lock)
    before = spent(session, account_id, now, excluding=target_id)
    if before + cost_usd > budget_usd + 1e-9:
        return SpendCheck(False, before)
    session.execute(
        update(PostTarget)
        .where(
            PostTarget.id == target_id,
            PostTarget.status == S.PUBLISHING.value,
            PostTarget.lease_owner == run_id,
        )
        .values(cost_usd=cost_usd)
        .execution_options(synchronize_session=False)
    )
    return SpendCheck(True, before)

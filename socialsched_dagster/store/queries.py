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


@dataclass(frozen=True)
class TokenOverview:
    active_accounts: int
    expired_active: int
    earliest_expiry: datetime | None


def token_overview(session: Session) -> TokenOverview:
    from .models import Account, OAuthToken, utcnow

    active = Account.status == "active"
    tokens = select(OAuthToken).join(Account, Account.id == OAuthToken.account_id).where(active)
    count = session.scalar(select(func.count()).select_from(Account).where(active)) or 0
    expired = session.scalar(
        tokens.with_only_columns(func.count()).where(OAuthToken.expires_at < utcnow())
    )
    earliest = session.scalar(tokens.with_only_columns(func.min(OAuthToken.expires_at)))
    return TokenOverview(count, expired or 0, earliest)

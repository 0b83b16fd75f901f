"""Token health figures for the checks on `oauth_tokens`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import AccountStatus, TargetStatus
from .models import Account, OAuthToken, PostTarget


@dataclass(frozen=True)
class AccountTokenState:
    account: str
    expires_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    has_refresh_token: bool


def active_token_states(session: Session) -> list[AccountTokenState]:
    rows = session.execute(
        select(
            Account.platform,
            Account.handle,
            OAuthToken.expires_at,
            OAuthToken.consecutive_failures,
            OAuthToken.last_error,
            OAuthToken.refresh_token_enc.is_not(None),
        )
        .join(OAuthToken, OAuthToken.account_id == Account.id)
        .where(Account.status == AccountStatus.ACTIVE.value)
    )
    return [AccountTokenState(f"{p}:{h}", e, f, err, bool(r)) for p, h, e, f, err, r in rows]


def expired(states: list[AccountTokenState], now: datetime) -> list[AccountTokenState]:
    return [s for s in states if s.expires_at is not None and s.expires_at <= now]


def expiring_unrefreshable(
    states: list[AccountTokenState], now: datetime, within: timedelta
) -> list[AccountTokenState]:
    """Tokens that run out within `within` and will not be renewed by routine refreshes:
    long-lived Meta tokens that should have been renewed days ago, Google tokens without a
    refresh token."""
    out = []
    for s in states:
        if s.expires_at is None or not (now < s.expires_at <= now + within):
            continue
        is_google = s.account.startswith("youtube:")
        if not is_google or not s.has_refresh_token:
            out.append(s)
    return out


def accounts_awaiting_reauth(session: Session) -> list[tuple[str, int]]:
    """(platform:handle, held targets) of every account a person must reconnect."""
    held = (
        select(PostTarget.account_id, func.count().label("n"))
        .where(PostTarget.status == TargetStatus.HELD.value)
        .group_by(PostTarget.account_id)
        .subquery()
    )
    rows = session.execute(
        select(Account.platform, Account.handle, func.coalesce(held.c.n, 0))
        .outerjoin(held, held.c.account_id == Account.id)
        .where(Account.status == AccountStatus.REAUTH_REQUIRED.value)
        .order_by(Account.platform, Account.handle)
    )
    return [(f"{p}:{h}", n) for p, h, n in rows]

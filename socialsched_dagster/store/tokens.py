"""Token rows: which are due for refresh, storing a refreshed token, and what a permanent
failure or a reconnect does to the account and its targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..domain.states import AccountStatus, TargetStatus
from ..security.token_cipher import TokenCipher
from .models import Account, OAuthToken, PostTarget
from .transitions import move

S = TargetStatus


@dataclass(frozen=True)
class DueToken:
    account_id: int
    platform: str
    handle: str
    expires_at: datetime | None
    version: datetime  # updated_at: a refresh requested for this version is requested once


@dataclass(frozen=True)
class TokenSecrets:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    issued_at: datetime
    version: int  # changes only when the token does
    # When a refresh last failed (None: the last refresh, if any, succeeded).
    failed_at: datetime | None = None
    last_error: str | None = None


def tokens_expiring(session: Session, platform: str, before: datetime) -> list[DueToken]:
    rows = session.execute(
        select(
            Account.id,
            Account.platform,
            Account.handle,
            OAuthToken.expires_at,
            OAuthToken.updated_at,
        )
        .join(OAuthToken, OAuthToken.account_id == Account.id)
        .where(
            Account.platform == platform,
            Account.status == AccountStatus.ACTIVE.value,
            OAuthToken.expires_at.is_not(None),
            OAuthToken.expires_at <= before,
        )
        .order_by(OAuthToken.expires_at)
    )
    return [DueToken(*row) for row in rows]


def read_secrets(session: Session, cipher: TokenCipher, account_id: int) -> TokenSecrets:
    token = session.scalar(select(OAuthToken).where(OAuthToken.account_id == account_id))
    if token is None:
        raise LookupError(f"account {account_id} has no token")
    return TokenSecrets(
        access_token=cipher.decrypt(token.access_token_enc),
        refresh_token=cipher.decrypt(token.refresh_token_enc) if token.refresh_token_enc else None,
        expires_at=token.expires_at,
        issued_at=token.issued_at,
        version=token.version,
        failed_at=token.updated_at if token.consecutive_failures else None,
        last_error=token.last_error,
    )


def store_refreshed(
    session: Session,
    cipher: TokenCipher,
    account_id: int,
    *,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> None:
    """One UPDATE: the new access token (and a rotated refresh token, if the platform sent
    one) replace the old ones together, or not at all."""
    values = {
        "access_token_enc": cipher.encrypt(access_token),
        "expires_at": expires_at,
        "issued_at": now,
        "refreshed_at": now,
        "consecutive_failures": 0,
        "last_error": None,
        "updated_at": now,
        # The one place a token's version moves: a new token.
        "version": OAuthToken.version + 1,
    }
    if refresh_token:
        values["refresh_token_enc"] = cipher.encrypt(refresh_token)
    session.execute(
        update(OAuthToken)
        .where(OAuthToken.account_id == account_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def record_transient_failure(
    session: Session, account_id: int, message: str, now: datetime
) -> None:
    """One failed refresh: counted once, the token (and its version) left as it is."""
    session.execute(
        update(OAuthToken)
        .where(OAuthToken.account_id == account_id)
        .values(
            consecutive_failures=OAuthToken.consecutive_failures + 1,
            last_error=message,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def require_reauth(session: Session, account_id: int, message: str, now: datetime) -> int:
    """A token that can no longer be refreshed: the account waits for a person, its scheduled
    targets are held (not failed: the posts are fine). Returns how many targets are held."""
    newly = session.execute(
        update(Account)
        .where(Account.id == account_id, Account.status != AccountStatus.REAUTH_REQUIRED.value)
        .values(status=AccountStatus.REAUTH_REQUIRED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if newly:  # the refusal is counted once, however many workers met it
        record_transient_failure(session, account_id, message, now)
    result = session.execute(
        move(
            S.HELD, from_=[S.SCHEDULED], where=[PostTarget.account_id == account_id],
            error_kind="auth_expired", error_message=f"account needs re-authorisation: {message}",
            updated_at=now,
        )
    )  # fmt: skip
    return result.rowcount or 0


def held_count(session: Session, account_id: int) -> int:
    from sqlalchemy import func

    return session.scalar(
        select(func.count()).where(
            PostTarget.account_id == account_id, PostTarget.status == S.HELD.value
        )
    )


def reconnect(
    session: Session,
    cipher: TokenCipher,
    account: Account,
    *,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
    now: datetime,
    stale_before: datetime,
) -> tuple[int, int]:
    """Give the account a new token, reactivate it, release its held targets: those still
    worth sending go back to `scheduled`, stale ones become `missed`. Returns (released,
    missed)."""
    store_refreshed(
        session, cipher, account.id, access_token=access_token, refresh_token=refresh_token,
        expires_at=expires_at, now=now,
    )  # fmt: skip
    account.status = AccountStatus.ACTIVE.value
    return release_held(session, account.id, now=now, stale_before=stale_before)


def release_held(
    session: Session, account_id: int, *, now: datetime, stale_before: datetime
) -> tuple[int, int]:
    """An account is usable again (reconnected, enabled): its held targets still worth
    sending go back to `scheduled`, stale ones become `missed`. The "may have been sent"
    marker (maybe_sent_at) is not touched: a target that may have gone out before it was held
    is reconciled before anything is sent. Returns (released, missed)."""
    account = PostTarget.account_id == account_id
    released = session.execute(
        move(
            S.SCHEDULED, from_=[S.HELD], where=[account, PostTarget.due_at >= stale_before],
            error_kind=None, error_message=None, next_attempt_at=None, updated_at=now,
        )
    ).rowcount  # fmt: skip
    missed = session.execute(
        move(
            S.MISSED, from_=[S.HELD], where=[account, PostTarget.due_at < stale_before],
            error_message="held past the stale cutoff", updated_at=now,
        )
    ).rowcount  # fmt: skip
    return released or 0, missed or 0

"""Health of `oauth_tokens`: checks whose failures are the token alerts."""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check
from sqlalchemy.orm import Session

from ...store.models import utcnow
from ...store.token_health import (
    accounts_awaiting_reauth,
    active_token_states,
    expired,
    expiring_unrefreshable,
)
from ..resources.database import DatabaseResource

T = TypeVar("T")


def _read(database: DatabaseResource, query: Callable[[Session], T]) -> T:
    # One read-only transaction: retried through a database restart instead of failing the check.
    return database.get_database().transaction(query, name="token health check", read_only=True)


def _names(items) -> str:
    return ", ".join(items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")


@asset_check(asset="oauth_tokens", description="No active account has an expired token.")
def no_expired_tokens(database: DatabaseResource) -> AssetCheckResult:
    bad = expired(_read(database, active_token_states), utcnow())
    return AssetCheckResult(
        passed=not bad,
        severity=AssetCheckSeverity.ERROR,
        description=f"expired: {_names([b.account for b in bad])}" if bad else None,
        metadata={"expired_active_tokens": len(bad)},
    )


@asset_check(asset="oauth_tokens", description="No token runs out within 24 h unrenewed.")
def no_token_expiring_within_24h(database: DatabaseResource) -> AssetCheckResult:
    states = _read(database, active_token_states)
    soon = expiring_unrefreshable(states, utcnow(), timedelta(hours=24))
    return AssetCheckResult(
        passed=not soon,
        severity=AssetCheckSeverity.WARN,
        description=f"expiring within 24 h: {_names([t.account for t in soon])}" if soon else None,
        metadata={"expiring_within_24h": len(soon)},
    )


@asset_check(
    asset="oauth_tokens", description="Share of active accounts whose last refresh failed."
)
def token_refresh_failure_rate(database: DatabaseResource) -> AssetCheckResult:
    states = _read(database, active_token_states)
    failing = [t for t in states if t.consecutive_failures > 0]
    rate = len(failing) / len(states) if states else 0.0
    return AssetCheckResult(
        passed=not failing,
        severity=AssetCheckSeverity.WARN,
        description=f"refresh failing for {_names([t.account for t in failing])}"
        if failing
        else None,
        metadata={"refresh_failure_rate": rate, "failing_accounts": len(failing)},
    )


@asset_check(asset="oauth_tokens", description="No account waits for re-authorisation.")
def no_account_awaiting_reauth(database: DatabaseResource) -> AssetCheckResult:
    waiting = _read(database, accounts_awaiting_reauth)
    return AssetCheckResult(
        passed=not waiting,
        severity=AssetCheckSeverity.ERROR,
        description=(
            "reconnect with `socialsched accounts reconnect`: "
            + "; ".join(f"{name} ({held} post(s) held)" for name, held in waiting)
        )
        if waiting
        else None,
        metadata={
            "accounts_awaiting_reauth": len(waiting),
            "posts_held": sum(h for _, h in waiting),
        },
    )


TOKEN_CHECKS = [
    no_expired_tokens,
    no_token_expiring_within_24h,
    token_refresh_failure_rate,
    no_account_awaiting_reauth,
]

"""Health of `oauth_tokens`: checks whose failures are the token alerts."""

from datetime import timedelta

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from ...store.models import utcnow
from ...store.token_health import (
    accounts_awaiting_reauth,
    active_token_states,
    expired,
    expiring_unrefreshable,
)
from ..resources.database import DatabaseResource


def _names(items) -> str:
    return ", ".join(items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")


@asset_check(asset="oauth_tokens", description="No active account has an expired token.")
def no_expired_tokens(database: DatabaseResource) -> AssetCheckResult:
    with database.get_database().session() as s:
        bad = expired(active_token_states(s), utcnow())
    return AssetCheckResult(
        passed=not bad,
        severity=AssetCheckSeverity.ERROR,
        description=f"expired: {_names([b.account for b in bad])}" if bad else None,
        metadata={"expired_active_tokens": len(bad)},
    )


@asset_check(asset="oauth_tokens", description="No token runs out within 24 h unrenewed.")
def no_token_expiring_within_24h(database: DatabaseResource) -> AssetCheckResult:
    with database.get_database().session() as s:
        soon = expiring_unrefreshable(active_token_states(s), utcnow(), timedelta(hours=24))
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
    with database.get_database().session() as s:
        states = active_token_states(s)
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
    with database.get_database().session() as s:
        waiting = accounts_awaiting_reauth(s)
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

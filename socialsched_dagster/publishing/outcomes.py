"""From a platform failure to the target's next status: one table, no I/O.

Retryable kinds go back to `scheduled` with a back-off until their attempts run out; permanent
ones fail with the platform's message; a dead token holds the target rather than failing it (the
post is fine, the account needs attention).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.errors import ErrorKind, PublishError
from ..domain.platforms import Platform
from ..domain.states import TargetStatus
from ..resilience.backoff import max_attempts, retry_delay
from ..store.publishing import Outcome
from ..store.spend import next_month

S = TargetStatus


def published(external_id: str | None, *, reconciled: bool = False) -> Outcome:
    return Outcome(
        status=S.PUBLISHED,
        attempt_outcome="reconciled" if reconciled else "published",
        external_post_id=external_id,
        maybe_sent=False,  # settled: it went out
    )


def backoff_s(kind: ErrorKind, attempts: int, retry_after_s: float | None, scale: float) -> float:
    """Our back-off, scaled by configuration, but never sooner than the platform asked."""
    return max(retry_delay(attempts, kind) * scale, retry_after_s or 0.0)


def after_error(error: PublishError, attempts: int, now: datetime, scale: float = 1.0) -> Outcome:
    common = {
        "error_kind": error.kind.value,
        "error_code": error.code,
        "error_message": error.message,
        "http_status": error.http_status,
        "clear_container": error.replace_container,
    }
    if error.kind is ErrorKind.AUTH_EXPIRED:
        return Outcome(status=S.HELD, attempt_outcome="held", **common)
    if error.kind.retryable and attempts < max_attempts(error.kind):
        delay = backoff_s(error.kind, attempts, error.retry_after_s, scale)
        return Outcome(
            status=S.SCHEDULED,
            attempt_outcome="retry",
            next_attempt_at=now + timedelta(seconds=delay),
            **common,
        )
    if error.kind.retryable:
        common["error_message"] = f"gave up after {attempts} attempts: {error.message}"
    return Outcome(status=S.FAILED, attempt_outcome="failed", **common)


def undecided(now: datetime, attempts: int, detail: str, scale: float = 1.0) -> Outcome:
    """The platform could not tell whether it went out: keep the target, ask again first."""
    delay = backoff_s(ErrorKind.UNKNOWN_OUTCOME, attempts, None, scale)
    return Outcome(
        status=S.SCHEDULED,
        attempt_outcome="retry",
        error_kind=ErrorKind.UNKNOWN_OUTCOME.value,
        error_message=detail,
        next_attempt_at=now + timedelta(seconds=delay),
        maybe_sent=True,  # whoever sends it next asks the platform first
    )


NEEDS_A_PERSON = "needs_a_person"


def held_for_person(detail: str) -> Outcome:
    """It may have gone out and the platform cannot be asked: held, the marker kept, until a
    person who looked says which (`posts settle`). Never resent on its own."""
    return Outcome(
        status=S.HELD,
        attempt_outcome="held",
        error_kind=ErrorKind.UNKNOWN_OUTCOME.value,
        error_code=NEEDS_A_PERSON,
        error_message=detail,
        maybe_sent=True,
    )


def missed(stale_after: timedelta) -> Outcome:
    hours = stale_after.total_seconds() / 3600
    return Outcome(
        status=S.MISSED,
        attempt_outcome="missed",
        error_message=f"more than {hours:g} h past due: publish it with a backfill",
    )


def held_for_account(status: str) -> Outcome:
    return Outcome(
        status=S.HELD,
        attempt_outcome="held",
        error_kind=ErrorKind.AUTH_EXPIRED.value if status == "reauth_required" else None,
        error_message=f"account is {status}",
    )


def lease_lost() -> Outcome:
    return Outcome(status=S.PUBLISHING, attempt_outcome="lease_lost")


def retry_later(error: PublishError, attempts: int, now: datetime, scale: float = 1.0) -> Outcome:
    """Back to `scheduled` whatever the kind, e.g. after a token refresh that failed for now."""
    delay = backoff_s(ErrorKind.NETWORK, attempts, error.retry_after_s, scale)
    return Outcome(
        status=S.SCHEDULED,
        attempt_outcome="retry",
        error_kind=error.kind.value,
        error_code=error.code,
        error_message=error.message,
        next_attempt_at=now + timedelta(seconds=delay),
    )


def held_for_reauth(message: str) -> Outcome:
    return Outcome(
        status=S.HELD,
        attempt_outcome="held",
        error_kind=ErrorKind.AUTH_EXPIRED.value,
        error_message=f"account needs re-authorisation: {message}",
    )


BUDGET_CAP = "budget_cap"


def held_for_budget(
    platform: Platform, budget: float, spent: float, cost: float, now: datetime, post_id: int
) -> Outcome:
    """The account's monthly budget has no room for this post: held, never overspent. `posts
    retry` sends it once there is room (a higher budget, or next month)."""
    month, setting = f"{now:%B %Y}", f"SOCIALSCHED_{platform.name}_MONTHLY_BUDGET_USD"
    return Outcome(
        status=S.HELD,
        attempt_outcome="held",
        error_kind=ErrorKind.QUOTA_EXHAUSTED.value,
        error_code=BUDGET_CAP,
        error_message=(
            f"{platform.value} budget for {month} reached: ${spent:.2f} of ${budget:.2f} spent "
            f"(estimated), this post would cost ${cost:.2f}; raise {setting}, or re-publish it "
            f"from {next_month(now):%Y-%m-%d} with `socialsched posts retry {post_id}`"
        ),
    )

"""The queries of the publishing protocol: claim, persist the container, record, release.

Exactly once rests on two rules enforced here:
- a target is owned by one run at a time: claiming is a conditional UPDATE committed before any
  HTTP call, and every later write is guarded by `lease_owner = run_id AND status = publishing`;
- a target whose previous attempt may have reached the platform (a run died holding it, or a call
  timed out) is handed out with `needs_reconcile`, so the platform is asked before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from ..domain.errors import ErrorKind
from ..domain.states import TargetStatus
from .models import PostTarget, PublishAttempt

S = TargetStatus


@dataclass(frozen=True)
class Window:
    platform: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Claim:
    target_id: int
    post_id: int
    account_id: int
    due_at: datetime
    ready_at: datetime  # when it may be sent: the due time, or later after a back-off
    prior_status: str
    attempts: int  # including this one
    container_id: str | None
    needs_reconcile: bool


def _effective_due():
    return func.coalesce(PostTarget.next_attempt_at, PostTarget.due_at)


def _claimable(window: Window, now: datetime, claim_until: datetime, stale_before, backfill: bool):
    in_window = and_(
        PostTarget.platform == window.platform,
        PostTarget.due_at >= window.start,
        PostTarget.due_at < window.end,
    )
    scheduled = and_(PostTarget.status == S.SCHEDULED.value, _effective_due() <= claim_until)
    if not backfill:
        # Past the stale cutoff a post is only sent by a deliberate backfill.
        scheduled = and_(scheduled, PostTarget.due_at >= stale_before)
    # A run that died (or hung) holding the target: its lease ran out.
    orphaned = and_(PostTarget.status == S.PUBLISHING.value, PostTarget.lease_until < now)
    options = [scheduled, orphaned]
    if backfill:
        options.append(PostTarget.status == S.MISSED.value)
    return and_(in_window, or_(*options))


def claim(
    session: Session,
    window: Window,
    *,
    run_id: str,
    now: datetime,
    claim_ahead: timedelta,
    lease: timedelta,
    stale_before: datetime,
    limit: int,
    backfill: bool = False,
) -> list[Claim]:
    """Take up to `limit` targets of the window that are due by now + claim_ahead."""
    condition = _claimable(window, now, now + claim_ahead, stale_before, backfill)
    candidates = select(PostTarget).where(condition).order_by(_effective_due()).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent runs skip each other's rows instead of queueing on them.
        candidates = candidates.with_for_update(skip_locked=True)
    rows = session.scalars(candidates).all()
    claims = []
    for row in rows:
        claims.append(
            Claim(
                target_id=row.id,
                post_id=row.post_id,
                account_id=row.account_id,
                due_at=row.due_at,
                ready_at=max(row.due_at, row.next_attempt_at or row.due_at),
                prior_status=row.status,
                attempts=row.attempts + 1,
                container_id=row.container_id,
                needs_reconcile=row.status == S.PUBLISHING.value
                or row.error_kind == ErrorKind.UNKNOWN_OUTCOME.value,
            )
        )
    if not claims:
        return []
    # The same condition again in the UPDATE: on PostgreSQL the row lock already excludes
    # others, on SQLite BEGIN IMMEDIATE does; the re-check costs nothing and guards both.
    taken = session.execute(
        update(PostTarget)
        .where(PostTarget.id.in_([c.target_id for c in claims]), condition)
        .values(
            status=S.PUBLISHING.value,
            lease_owner=run_id,
            lease_until=now + lease,
            attempts=PostTarget.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != len(claims):
        raise RuntimeError("claimed rows changed under the claim; transaction will be retried")
    return claims


def _owned(target_id: int, run_id: str):
    return and_(
        PostTarget.id == target_id,
        PostTarget.status == S.PUBLISHING.value,
        PostTarget.lease_owner == run_id,
    )


def save_container(session: Session, target_id: int, run_id: str, container_id: str | None) -> bool:
    """Persist the container/upload-session id BEFORE the call that publishes."""
    result = session.execute(
        update(PostTarget)
        .where(_owned(target_id, run_id))
        .values(container_id=container_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class Outcome:
    status: TargetStatus  # the target's new status
    attempt_outcome: str  # published | reconciled | retry | failed | missed | held | released
    external_post_id: str | None = None
    error_kind: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    next_attempt_at: datetime | None = None
    clear_container: bool = False


def record(
    session: Session,
    claim: Claim,
    run_id: str,
    outcome: Outcome,
    *,
    started_at: datetime,
    finished_at: datetime,
    latency_ms: int | None,
    count_attempt: bool = True,
) -> bool:
    """Write the outcome and the attempt in one transaction. False if the lease was lost (a
    run that outlived its lease); the attempt is logged either way."""
    values: dict = {
        "status": outcome.status.value,
        "lease_owner": None,
        "lease_until": None,
        "error_kind": outcome.error_kind,
        "error_code": outcome.error_code,
        "error_message": outcome.error_message,
        "next_attempt_at": outcome.next_attempt_at,
        "updated_at": finished_at,
    }
    if outcome.status is S.PUBLISHED:
        values.update(external_post_id=outcome.external_post_id, published_at=finished_at)
    if outcome.clear_container:
        values["container_id"] = None
    if not count_attempt:
        values["attempts"] = PostTarget.attempts - 1
    result = session.execute(
        update(PostTarget)
        .where(_owned(claim.target_id, run_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.add(
        PublishAttempt(
            target_id=claim.target_id,
            run_id=run_id,
            started_at=started_at,
            finished_at=finished_at,
            outcome=outcome.attempt_outcome,
            error_kind=outcome.error_kind,
            error_code=outcome.error_code,
            http_status=outcome.http_status,
            latency_ms=latency_ms,
            message=outcome.error_message,
        )
    )
    return result.rowcount == 1


def _update_held(session: Session, run_id: str, target_ids: Sequence[int], **values) -> int:
    """Update targets this run still holds (claimed, publishing, lease owned by it)."""
    if not target_ids:
        return 0
    result = session.execute(
        update(PostTarget)
        .where(
            PostTarget.id.in_(list(target_ids)),
            PostTarget.status == S.PUBLISHING.value,
            PostTarget.lease_owner == run_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def release(session: Session, run_id: str, target_ids: Sequence[int], now: datetime) -> int:
    """Hand back targets claimed but not started (shutdown), for the next run to take at once."""
    return _update_held(
        session, run_id, target_ids,
        status=S.SCHEDULED.value, lease_owner=None, lease_until=None,
        attempts=PostTarget.attempts - 1, updated_at=now,
    )  # fmt: skip


def renew_leases(session: Session, run_id: str, target_ids: Sequence[int], until: datetime) -> int:
    return _update_held(session, run_id, target_ids, lease_until=until)

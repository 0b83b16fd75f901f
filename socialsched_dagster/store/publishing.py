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

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from ..domain.errors import ErrorKind
from ..domain.states import TargetStatus
from .models import PostTarget, PublishAttempt
from .transitions import move

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
    # An earlier attempt may have made it public (the durable marker, or a run that died
    # holding it): the platform is asked before anything is sent.
    needs_reconcile: bool
    maybe_sent: bool = False  # the marker itself, as the claim found it


def _effective_due():
    return func.coalesce(PostTarget.next_attempt_at, PostTarget.due_at)


def _claimable(
    window: Window, now: datetime, claim_until: datetime, stale_before, backfill: bool, run_id: str
):
    in_window = and_(
        PostTarget.platform == window.platform,
        PostTarget.due_at >= window.start,
        PostTarget.due_at < window.end,
    )
    scheduled = and_(PostTarget.status == S.SCHEDULED.value, _effective_due() <= claim_until)
    if not backfill:
        # Past the stale cutoff a post is only sent by a deliberate backfill.
        scheduled = and_(scheduled, PostTarget.due_at >= stale_before)
    # A run that died (or hung) holding the target: its lease ran out. Never this run's own:
    # a target it still works on (a slow call past a missed renewal) is not taken twice.
    orphaned = and_(
        PostTarget.status == S.PUBLISHING.value,
        PostTarget.lease_until < now,
        or_(PostTarget.lease_owner.is_(None), PostTarget.lease_owner != run_id),
    )
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
    condition = _claimable(window, now, now + claim_ahead, stale_before, backfill, run_id)
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
                needs_reconcile=row.status == S.PUBLISHING.value or row.maybe_sent_at is not None,
                maybe_sent=row.maybe_sent_at is not None,
            )
        )
    if not claims:
        return []
    # The same condition again in the UPDATE: on PostgreSQL the row lock already excludes
    # others, on SQLite BEGIN IMMEDIATE does; the re-check costs nothing and guards both.
    sources = {S(c.prior_status) for c in claims}
    taken = session.execute(
        move(
            S.PUBLISHING, from_=sources,
            where=[PostTarget.id.in_([c.target_id for c in claims]), condition],
            lease_owner=run_id, lease_until=now + lease,
            attempts=PostTarget.attempts + 1, updated_at=now,
        )
    )  # fmt: skip
    if taken.rowcount != len(claims):
        raise RuntimeError("claimed rows changed under the claim; transaction will be retried")
    return claims


def _owned(target_id: int, run_id: str):
    return and_(
        PostTarget.id == target_id,
        PostTarget.status == S.PUBLISHING.value,
        PostTarget.lease_owner == run_id,
    )


def fence(
    session: Session,
    target_id: int,
    run_id: str,
    *,
    now: datetime,
    hold_until: datetime,
    min_left: timedelta,
    publishes: bool,
) -> bool:
    """Right before an irrevocable call: one conditional UPDATE that succeeds only if this run
    still owns the target and its lease has not run out (with `min_left` to spare, against
    clock error), and then extends the lease to cover the call. Before a call that can make
    the post public it also sets the durable "may have been sent" marker, in the same
    statement: if the process dies during the call, the next run asks the platform first.
    False: the run must not send."""
    values: dict = {"lease_until": hold_until}
    if publishes:
        values["maybe_sent_at"] = func.coalesce(PostTarget.maybe_sent_at, now)
    result = session.execute(
        update(PostTarget)
        .where(_owned(target_id, run_id), PostTarget.lease_until > now + min_left)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def save_container(session: Session, target_id: int, run_id: str, container_id: str | None) -> bool:
    """Persist the container/upload-session id BEFORE the call that publishes."""
    result = session.execute(
        update(PostTarget)
        .where(_owned(target_id, run_id))
        .values(container_id=container_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_segment(
    session: Session, target_id: int, run_id: str, done: Sequence[str], external_id: str
) -> bool:
    """A thread's segment went out (its answer, or a reconcile, said so): append its id and
    clear the marker and the container, in one conditional UPDATE that only the owning run,
    with the progress it read, can make. From here on the segment is never sent again: the
    next attempt starts with the one after it. False: the run no longer owns the target."""
    result = session.execute(
        update(PostTarget)
        .where(_owned(target_id, run_id), PostTarget.segments_done == len(done))
        .values(
            segment_ids=[*done, external_id],
            segments_done=len(done) + 1,
            maybe_sent_at=None,
            container_id=None,
        )
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
    # The "may have been sent" marker after this outcome: True keeps (or sets) it, False
    # clears it (a definite answer: published, or certainly not), None leaves it as it is.
    maybe_sent: bool | None = None


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
    if outcome.maybe_sent is True:
        values["maybe_sent_at"] = func.coalesce(PostTarget.maybe_sent_at, finished_at)
    elif outcome.maybe_sent is False:
        values["maybe_sent_at"] = None
    result = session.execute(
        move(outcome.status, from_=[S.PUBLISHING], where=[_owned(claim.target_id, run_id)],
             **values)
    )  # fmt: skip
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


def _owned_ids(run_id: str, target_ids: Sequence[int]) -> list:
    return [
        PostTarget.id.in_(list(target_ids)),
        PostTarget.status == S.PUBLISHING.value,
        PostTarget.lease_owner == run_id,
    ]


def release(session: Session, run_id: str, target_ids: Sequence[int], now: datetime) -> int:
    """Hand back targets claimed but not started (shutdown), for the next run to take at once."""
    if not target_ids:
        return 0
    result = session.execute(
        move(
            S.SCHEDULED, from_=[S.PUBLISHING], where=_owned_ids(run_id, target_ids),
            lease_owner=None, lease_until=None, attempts=PostTarget.attempts - 1, updated_at=now,
        )
    )  # fmt: skip
    return result.rowcount or 0


def renew_leases(session: Session, run_id: str, target_ids: Sequence[int], until: datetime) -> int:
    """Push the leases of the targets this run still holds to at least `until` (never back:
    a fence may have extended one further to cover a long call)."""
    if not target_ids:
        return 0
    result = session.execute(
        update(PostTarget)
        .where(*_owned_ids(run_id, target_ids))
        .values(
            lease_until=case((PostTarget.lease_until > until, PostTarget.lease_until), else_=until)
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class CrashVerdict:
    recorded: bool
    status: TargetStatus | None
    crashes: int


def record_crash(
    session: Session,
    claim: Claim,
    run_id: str,
    *,
    message: str,
    now: datetime,
    retry_at: datetime,
    max_crashes: int,
) -> CrashVerdict:
    """An unexpected exception (a bug, bad data) while processing a target: counted on the
    target; retried later a bounded number of times, then `failed` with the exception's
    message. The "may have been sent" marker is left as it is: if the exception came after a
    publishing call, the next attempt still asks the platform first."""
    crashes = session.scalar(select(PostTarget.crash_count).where(_owned(claim.target_id, run_id)))
    if crashes is None:
        return CrashVerdict(False, None, 0)
    crashes += 1
    final = crashes >= max_crashes
    status = S.FAILED if final else S.SCHEDULED
    text = (
        f"internal error on {crashes} attempts, not retried: {message}"
        if final
        else f"internal error (attempt {crashes} of {max_crashes}), retrying: {message}"
    )
    session.execute(
        move(
            status, from_=[S.PUBLISHING], where=[_owned(claim.target_id, run_id)],
            lease_owner=None, lease_until=None, crash_count=crashes,
            error_kind=ErrorKind.UNKNOWN.value, error_code="internal_error", error_message=text,
            next_attempt_at=None if final else retry_at, updated_at=now,
        )
    )  # fmt: skip
    session.add(
        PublishAttempt(
            target_id=claim.target_id, run_id=run_id, started_at=now, finished_at=now,
            outcome="crashed", error_kind=ErrorKind.UNKNOWN.value, error_code="internal_error",
            message=text,
        )
    )  # fmt: skip
    return CrashVerdict(True, status, crashes)

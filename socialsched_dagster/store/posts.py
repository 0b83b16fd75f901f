"""Posts and their targets: creating, listing (keyset pages) and cancelling."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from ..domain.platforms import Platform
from ..domain.post_requests import KnownAccount, PostRequest
from ..domain.states import CANCELLABLE, TargetStatus
from .models import DEFAULT_WORKSPACE_ID, Account, Post, PostTarget, PublishAttempt, utcnow
from .transitions import move


class PostError(ValueError):
    pass


class PostNotFound(PostError):
    """No such post in this workspace (the API answers 404)."""


def known_accounts(
    session: Session, workspace_id: int = DEFAULT_WORKSPACE_ID
) -> dict[str, KnownAccount]:
    """The workspace's accounts, keyed as `normalize_ref` spells a reference, so every spelling
    of a handle finds it (and no handle finds another workspace's account)."""
    rows = session.execute(
        select(Account.id, Account.platform, Account.handle_key, Account.status).where(
            Account.workspace_id == workspace_id
        )
    )
    return {
        f"{platform}:{key}": KnownAccount(account_id, Platform(platform), status)
        for account_id, platform, key, status in rows
    }


def existing_refs(
    session: Session, refs: Sequence[str], workspace_id: int = DEFAULT_WORKSPACE_ID
) -> dict[str, tuple[str, datetime]]:
    """external_ref -> (content hash, scheduled_at) of posts already stored."""
    found: dict[str, tuple[str, datetime]] = {}
    # A ref with a NUL byte cannot have been stored (intake refuses it), and PostgreSQL would
    # refuse the query itself: it is simply not found, and the intake says what is wrong.
    refs = [ref for ref in refs if "\x00" not in ref]
    for start in range(0, len(refs), 500):  # stay under every driver's bind-parameter limit
        chunk = refs[start : start + 500]
        rows = session.execute(
            select(Post.external_ref, Post.content_hash, Post.scheduled_at).where(
                Post.workspace_id == workspace_id, Post.external_ref.in_(chunk)
            )
        )
        found.update({ref: (digest, at) for ref, digest, at in rows})
    return found


def insert_posts(
    session: Session,
    requests: Sequence[PostRequest],
    *,
    workspace_id: int = DEFAULT_WORKSPACE_ID,
    created_by: str | None = None,
    pending_approval: bool = False,
) -> list[int]:
    """Insert posts and one target per account in bulk (two statements per chunk). A post that
    needs approval gets targets nothing publishes until an approver schedules them."""
    if not requests:
        return []
    # Only the accounts asked for: one API request must not read every workspace's accounts.
    wanted = {account_id for r in requests for account_id in r.account_ids}
    platform_of = dict(
        session.execute(
            select(Account.id, Account.platform).where(Account.id.in_(sorted(wanted)))
        ).all()
    )
    now = utcnow()
    post_ids: list[int] = []
    for start in range(0, len(requests), 1000):
        chunk = requests[start : start + 1000]
        ids = session.scalars(
            insert(Post).returning(Post.id, sort_by_parameter_order=True),
            [
                {
                    "owner": r.owner,
                    "text": r.content.text,
                    "title": r.content.title,
                    "description": r.content.description,
                    "link": r.content.link,
                    "media": [m.as_dict() for m in r.content.media],
                    "thread": [
                        {"text": seg.text, "media": [m.as_dict() for m in seg.media]}
                        for seg in r.content.thread
                    ]
                    or None,
                    "scheduled_at": r.scheduled_at,
                    "timezone": r.timezone,
                    "external_ref": r.external_ref,
                    "content_hash": r.content.fingerprint(),
                    "workspace_id": workspace_id,
                    "created_by": created_by,
                    "approval": "pending" if pending_approval else None,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in chunk
            ],
        ).all()
        targets = [
            {
                "post_id": post_id,
                "account_id": account_id,
                "platform": platform_of[account_id],
                "due_at": r.scheduled_at,
                "status": (
                    TargetStatus.PENDING_APPROVAL.value
                    if pending_approval
                    else TargetStatus.HELD.value
                    if account_id in r.held_account_ids
                    else TargetStatus.SCHEDULED.value
                ),
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for post_id, r in zip(ids, chunk, strict=True)
            for account_id in r.account_ids
        ]
        session.execute(insert(PostTarget), targets)
        post_ids.extend(ids)
    return post_ids


@dataclass(frozen=True)
class TargetRow:
    target_id: int
    post_id: int
    due_at: datetime
    timezone: str
    platform: str
    account: str
    status: str
    attempts: int
    text: str
    title: str
    error_kind: str | None
    error_message: str | None
    external_post_id: str | None
    segments: int = 1  # a thread's posts, the head included
    segments_out: int = 0  # of a thread: how many went out (a stopped thread resumes after)


@dataclass(frozen=True)
class TargetFilter:
    statuses: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    account_ids: tuple[int, ...] = ()
    due_from: datetime | None = None
    due_to: datetime | None = None
    workspace_id: int = DEFAULT_WORKSPACE_ID
    post_ids: tuple[int, ...] = ()


def encode_cursor(due_at: datetime, target_id: int) -> str:
    return base64.urlsafe_b64encode(f"{due_at.isoformat()}|{target_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        due, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(due), int(ident)
    except (ValueError, UnicodeDecodeError):
        raise PostError(
            f"invalid cursor {cursor!r}: pass the value a previous page printed"
        ) from None


def list_targets(
    session: Session, filters: TargetFilter, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[TargetRow], str | None]:
    """One page of targets in due order, and the cursor of the next page (None at the end).

    Keyset pagination on (due_at, id): a page costs the same at row 10 and row 1,000,000, and
    rows inserted meanwhile neither repeat nor vanish between pages.
    """
    query = (
        select(PostTarget, Post, Account.handle)
        .join(Post, Post.id == PostTarget.post_id)
        .join(Account, Account.id == PostTarget.account_id)
        .where(Post.workspace_id == filters.workspace_id)
        .order_by(PostTarget.due_at, PostTarget.id)
        .limit(limit + 1)
    )
    if filters.post_ids:
        query = query.where(PostTarget.post_id.in_(filters.post_ids))
    if filters.statuses:
        query = query.where(PostTarget.status.in_(filters.statuses))
    if filters.platforms:
        query = query.where(PostTarget.platform.in_(filters.platforms))
    if filters.account_ids:
        query = query.where(PostTarget.account_id.in_(filters.account_ids))
    if filters.due_from:
        query = query.where(PostTarget.due_at >= filters.due_from)
    if filters.due_to:
        query = query.where(PostTarget.due_at < filters.due_to)
    if cursor:
        query = query.where(tuple_(PostTarget.due_at, PostTarget.id) > decode_cursor(cursor))
    rows = [
        TargetRow(
            t.id,
            p.id,
            t.due_at,
            p.timezone,
            t.platform,
            f"{t.platform}:{handle}",
            t.status,
            t.attempts,
            p.text,
            p.title,
            t.error_kind,
            t.error_message,
            t.external_post_id,
            1 + len(p.thread or ()),
            t.segments_done,
        )
        for t, p, handle in session.execute(query)
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].due_at, rows[-1].target_id) if more else None)


@dataclass(frozen=True)
class CancelResult:
    cancelled: int
    not_cancellable: dict[str, int]  # status -> count of targets left alone


def post_in_workspace(session: Session, post_id: int, workspace_id: int) -> Post:
    """The post, if it is this workspace's: another workspace's post is "no post", exactly like
    one that does not exist, so an id tells nothing about others."""
    post = session.get(Post, post_id)
    if post is None or post.workspace_id != workspace_id:
        raise PostNotFound(f"no post {post_id}")
    return post


def cancel_post(
    session: Session,
    post_id: int,
    account_ids: Sequence[int] = (),
    *,
    workspace_id: int = DEFAULT_WORKSPACE_ID,
) -> CancelResult:
    """Cancel what has not started. A target being published (or done) is left alone: a
    publish in flight cannot be called back, and pretending otherwise would lie to the user."""
    post_in_workspace(session, post_id, workspace_id)
    scope = [PostTarget.post_id == post_id]
    if account_ids:
        scope.append(PostTarget.account_id.in_(account_ids))
    # The "may have been sent" marker stays: a cancelled target that may have gone out says so.
    result = session.execute(
        move(TargetStatus.CANCELLED, from_=CANCELLABLE, where=scope,
             lease_owner=None, updated_at=utcnow())
    )  # fmt: skip
    left = session.execute(
        select(PostTarget.status).where(*scope, PostTarget.status != TargetStatus.CANCELLED.value)
    ).scalars()
    counts: dict[str, int] = {}
    for status in left:
        counts[status] = counts.get(status, 0) + 1
    return CancelResult(result.rowcount or 0, counts)


@dataclass(frozen=True)
class RetryResult:
    retried: int
    maybe_sent: int  # of those, how many may already be on the platform (asked first)
    not_retryable: dict[str, int]  # status -> count of targets left alone


RETRYABLE = (TargetStatus.FAILED, TargetStatus.MISSED)
# Held because the account's monthly budget had no room (publishing/outcomes.py): a retry is how
# a person sends it once there is room; a target held for its account waits for the account.
BUDGET_HELD = and_(
    PostTarget.status == TargetStatus.HELD.value, PostTarget.error_code == "budget_cap"
)


def _retryable():
    return or_(PostTarget.status.in_([s.value for s in RETRYABLE]), BUDGET_HELD)


def retry_post(
    session: Session,
    post_id: int,
    account_ids: Sequence[int] = (),
    *,
    now: datetime,
    stale_before: datetime,
    workspace_id: int = DEFAULT_WORKSPACE_ID,
) -> RetryResult:
    """Put a post's failed or missed targets back on the schedule, to go out now.

    A target past the stale cutoff is due again now (else it would be missed again at once);
    its post keeps the time it was scheduled for. Attempts and crash counts start afresh; the
    "may have been sent" marker is kept, so a target that may already be on the platform is
    reconciled before anything is sent."""
    post_in_workspace(session, post_id, workspace_id)
    scope = [PostTarget.post_id == post_id]
    if account_ids:
        scope.append(PostTarget.account_id.in_(account_ids))
    retryable = [*scope, _retryable()]
    maybe_sent = session.scalar(
        select(func.count()).where(*retryable, PostTarget.maybe_sent_at.is_not(None))
    )
    common = dict(
        next_attempt_at=None, attempts=0, crash_count=0, lease_owner=None, lease_until=None,
        error_kind=None, error_code=None, error_message=None, updated_at=now,
    )  # fmt: skip
    left = session.execute(
        select(PostTarget.status, func.count())
        .where(*scope, ~_retryable())
        .group_by(PostTarget.status)
    )
    counts = {status: n for status, n in left}
    moved = 0
    for due_now, where in (
        (True, PostTarget.due_at < stale_before),
        (False, PostTarget.due_at >= stale_before),
    ):
        extra = {"due_at": now} if due_now else {}
        statement = move(
            TargetStatus.SCHEDULED, from_=(*RETRYABLE, TargetStatus.HELD),
            where=[*scope, where, _retryable()], **common, **extra,
        )  # fmt: skip
        moved += session.execute(statement).rowcount or 0
    return RetryResult(moved, maybe_sent or 0, counts)


SETTLEABLE = (TargetStatus.HELD, TargetStatus.FAILED, TargetStatus.MISSED)


def settle_target(
    session: Session,
    post_id: int,
    account_id: int,
    *,
    published_as: str | None,
    now: datetime,
    workspace_id: int = DEFAULT_WORKSPACE_ID,
) -> PostTarget:
    """A person's answer for a target that may have gone out and that the platform cannot be
    asked about: `published_as` the platform's id of the post they found (published), or None:
    it is not there (back on the schedule, due now, the "may have been sent" marker cleared, so
    it is sent without asking). Only for a target whose marker is set and that is not under way."""
    post_in_workspace(session, post_id, workspace_id)
    target = session.scalar(
        select(PostTarget).where(PostTarget.post_id == post_id, PostTarget.account_id == account_id)
    )
    if target is None:
        raise PostError(f"post {post_id} does not go to that account")
    if target.status not in [s.value for s in SETTLEABLE] or target.maybe_sent_at is None:
        raise PostError(
            f"post {post_id} is {target.status} there and nothing about it is in doubt: only a "
            "target that may have been sent (held, failed or missed with that note) is settled"
        )
    if published_as is not None and target.segments_done + 1 < 1 + len(
        session.get(Post, post_id).thread or ()
    ):
        raise PostError(
            f"post {post_id} is a thread with posts still to go: settle it with --not-published "
            "once you checked, or `posts retry` to let the platform be asked"
        )
    common = dict(
        lease_owner=None, lease_until=None, maybe_sent_at=None, next_attempt_at=None,
        error_kind=None, error_code=None, error_message=None, updated_at=now,
    )  # fmt: skip
    if published_as is not None:
        values = dict(
            status=TargetStatus.PUBLISHED, external_post_id=published_as, published_at=now
        )
        outcome = "settled_published"
    else:
        values = dict(status=TargetStatus.SCHEDULED, due_at=max(target.due_at, now), attempts=0)
        outcome = "settled_not_published"
    status = values.pop("status")
    moved = session.execute(
        move(
            status, from_=SETTLEABLE,
            where=[PostTarget.id == target.id, PostTarget.maybe_sent_at.is_not(None)],
            **common, **values,
        )
    )  # fmt: skip
    if moved.rowcount != 1:
        raise PostError(f"post {post_id} changed meanwhile: look at it again")
    session.add(
        PublishAttempt(
            target_id=target.id, run_id=None, started_at=now, finished_at=now, outcome=outcome,
            message="settled by a person"
            + (f": published as {published_as}" if published_as else ": not on the platform"),
        )
    )  # fmt: skip
    return target

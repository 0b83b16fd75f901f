"""Rows as the API shows them (schemas.py): a post with its targets, an account."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.states import post_status
from ..store.accounts import AccountView
from ..store.models import Account, Post, PostTarget, PublishAttempt
from . import schemas


def posts(
    session: Session, rows: Sequence[Post], *, with_attempts: bool = False
) -> list[schemas.Post]:
    """Two queries for a page of posts, whatever its size: targets (with their accounts), then
    attempts when asked for."""
    ids = [p.id for p in rows]
    targets: dict[int, list[tuple[PostTarget, str]]] = defaultdict(list)
    if ids:
        for target, handle in session.execute(
            select(PostTarget, Account.handle)
            .join(Account, Account.id == PostTarget.account_id)
            .where(PostTarget.post_id.in_(ids))
            .order_by(PostTarget.id)
        ):
            targets[target.post_id].append((target, handle))
    attempts: dict[int, list[PublishAttempt]] = defaultdict(list)
    if with_attempts and ids:
        target_ids = [t.id for pairs in targets.values() for t, _ in pairs]
        for attempt in session.scalars(
            select(PublishAttempt)
            .where(PublishAttempt.target_id.in_(target_ids))
            .order_by(PublishAttempt.id)
        ):
            attempts[attempt.target_id].append(attempt)
    return [_post(p, targets[p.id], attempts if with_attempts else None) for p in rows]


def _post(post: Post, targets, attempts) -> schemas.Post:
    return schemas.Post(
        id=post.id,
        status=post_status(t.status for t, _ in targets),
        scheduled_at=post.scheduled_at,
        timezone=post.timezone,
        text=post.text,
        title=post.title,
        description=post.description,
        link=post.link,
        media=[m["url"] for m in post.media],
        thread=[segment["text"] for segment in post.thread or ()],
        owner=post.owner,
        created_by=post.created_by,
        created_at=post.created_at,
        approval=(
            schemas.Approval(
                status=post.approval,
                comment=post.approval_comment,
                decided_by=post.decided_by,
                decided_at=post.decided_at,
            )
            if post.approval
            else None
        ),
        targets=[_target(t, handle, attempts) for t, handle in targets],
    )


def _target(target: PostTarget, handle: str, attempts) -> schemas.Target:
    error = None
    if target.error_kind or target.error_message:
        error = schemas.TargetError(
            kind=target.error_kind, code=target.error_code, message=target.error_message
        )
    return schemas.Target(
        id=target.id,
        account=f"{target.platform}:{handle}",
        account_id=target.account_id,
        platform=target.platform,
        status=target.status,
        due_at=target.due_at,
        attempts=target.attempts,
        published_at=target.published_at,
        external_post_id=target.external_post_id,
        segments_done=target.segments_done,
        error=error,
        attempt_log=(
            None
            if attempts is None
            else [
                schemas.Attempt(
                    started_at=a.started_at,
                    finished_at=a.finished_at,
                    outcome=a.outcome,
                    http_status=a.http_status,
                    error_code=a.error_code,
                    message=a.message,
                )
                for a in attempts.get(target.id, ())
            ]
        ),
    )


def account(view: AccountView) -> schemas.Account:
    return schemas.Account(
        id=view.id,
        account=view.ref,
        platform=view.platform,
        handle=view.handle,
        external_id=view.external_id,
        owner=view.owner,
        status=view.status,
        token_expires_at=view.token_expires_at,
    )

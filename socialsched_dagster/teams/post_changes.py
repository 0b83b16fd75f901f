"""Creating, changing, approving and rejecting posts on behalf of a workspace member.

Free of HTTP: the API calls these with the caller's identity, inside one transaction each, and
every change writes its audit entry in that same transaction. Validation is the intake's, so a
post is accepted or refused by the same rules as from the CLI or a CSV.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.content import PostContent
from ..domain.states import TargetStatus
from ..intake.post_request import THREAD_BREAK, FieldError, InvalidPost, parse_post
from ..store.models import Account, Post, PostTarget, Workspace
from ..store.posts import PostError, existing_refs, insert_posts, known_accounts, post_in_workspace
from ..store.transitions import move
from ..webhooks.events import emit
from . import audit
from .api_keys import Identity
from .roles import Role

S = TargetStatus
UrlCheck = Callable[[PostContent], list[FieldError]]


class Conflict(PostError):
    """The post is not in a state that allows the change (the API answers 409)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def needs_approval(workspace: Workspace, who: Identity) -> bool:
    return workspace.require_approval and not who.role.allows(Role.APPROVER)


def fields_of(
    *,
    scheduled_at: str,
    timezone: str,
    accounts: Sequence[str],
    text: str = "",
    title: str = "",
    description: str = "",
    link: str = "",
    media: Sequence[str] = (),
    thread: Sequence[str] = (),
    owner: str = "",
    external_ref: str = "",
) -> dict[str, str]:
    """The API's lists as the intake's fields (the CLI builds the same)."""
    for n, segment in enumerate(thread, start=2):
        if THREAD_BREAK.search(segment):
            raise InvalidPost(
                [FieldError("thread", f"segment {n}: a line of only --- is not allowed")]
            )
        if not segment.strip():
            raise InvalidPost([FieldError("thread", f"segment {n} is empty: remove it")])
    for item in (*accounts, *media):
        if any(ch.isspace() or ch in ";|" for ch in item.strip()):
            raise InvalidPost(
                [
                    FieldError(
                        "accounts" if item in accounts else "media",
                        f"{item!r}: one item per list entry, without spaces, ; or |",
                    )
                ]
            )
    return {
        "scheduled_at": scheduled_at,
        "timezone": timezone,
        # `;`, as the CLI's value: ["", ""] names no account, like `--account ";"`.
        "accounts": ";".join(a.strip() for a in accounts),
        "text": text,
        "title": title,
        "description": description,
        "link": link,
        "media": " ".join(m.strip() for m in media),
        "external_ref": external_ref,
        "owner": owner,
        "thread": "\n---\n".join(thread),
    }


@dataclass(frozen=True)
class Created:
    post_id: int
    pending_approval: bool


def create_post(
    session: Session,
    who: Identity,
    fields: Mapping[str, str],
    *,
    check_urls: UrlCheck | None,
    now: datetime,
) -> Created:
    """A new post from the caller. Without an idempotency key of the caller's (handled above
    this, per request), every call is a new post: `external_ref` is unique per post."""
    workspace = session.get(Workspace, who.workspace_id)
    fields = dict(fields)
    fields["external_ref"] = fields.get("external_ref") or f"api:{uuid.uuid4()}"
    request = parse_post(
        fields,
        known_accounts=known_accounts(session, who.workspace_id),
        now=now,
        check_urls=check_urls,
    )
    if existing_refs(session, [request.external_ref], who.workspace_id):
        raise Conflict("conflict", "a post with this reference exists already")
    pending = needs_approval(workspace, who)
    [post_id] = insert_posts(
        session,
        [request],
        workspace_id=who.workspace_id,
        created_by=who.actor,
        pending_approval=pending,
    )
    audit.record(
        session,
        who.workspace_id,
        actor=who.actor,
        action="post.create",
        subject=f"post:{post_id}",
        detail={"accounts": len(request.account_ids), "pending_approval": pending},
    )
    return Created(post_id, pending)


# What an edit may touch: nothing a run started or that may be on the platform.
EDITABLE = (S.SCHEDULED, S.PENDING_APPROVAL, S.REJECTED, S.HELD, S.FAILED, S.MISSED)


def _locked_targets(session: Session, post_id: int) -> list[PostTarget]:
    # FOR UPDATE: a run's claim (UPDATE ... WHERE status = 'scheduled') waits for this
    # transaction, then publishes what it wrote; a run that claimed first is seen as publishing.
    return list(
        session.scalars(select(PostTarget).where(PostTarget.post_id == post_id).with_for_update())
    )


def _account_refs(session: Session, targets: Sequence[PostTarget]) -> list[str]:
    ids = [t.account_id for t in targets if t.status != S.CANCELLED.value]
    rows = session.execute(select(Account.platform, Account.handle).where(Account.id.in_(ids)))
    return [f"{platform}:{handle}" for platform, handle in rows]


def update_post(
    session: Session,
    who: Identity,
    post_id: int,
    changes: Mapping[str, object],
    *,
    check_urls: UrlCheck | None,
    now: datetime,
) -> None:
    """Change a post that has not started publishing. Every rule applies to the result as if
    it were new; an editor's change in a workspace that requires approval needs approval again."""
    post = post_in_workspace(session, post_id, who.workspace_id)
    targets = _locked_targets(session, post_id)
    live = [t for t in targets if t.status != S.CANCELLED.value]
    started = [
        t
        for t in live
        if t.status not in [s.value for s in EDITABLE] or t.maybe_sent_at or t.segments_done
    ]
    if started or not live:
        states = ", ".join(sorted({t.status for t in started})) or "cancelled"
        raise Conflict(
            "not_editable",
            f"post {post_id} cannot be changed: it is {states} on some account (cancel what has "
            "not started and create a new post)",
        )
    current = {
        "scheduled_at": post.scheduled_at.isoformat(),
        "timezone": post.timezone,
        "text": post.text,
        "title": post.title,
        "description": post.description,
        "link": post.link,
        "media": [f"{m['kind']}:{m['url']}" for m in post.media],
        "thread": [segment["text"] for segment in post.thread or ()],
        "owner": post.owner or "",
    }
    merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
    fields = fields_of(
        accounts=_account_refs(session, live), external_ref=post.external_ref or "", **merged
    )
    request = parse_post(
        fields,
        known_accounts=known_accounts(session, who.workspace_id),
        now=now,
        check_urls=check_urls,
    )
    content = request.content
    post.text, post.title, post.description, post.link = (
        content.text,
        content.title,
        content.description,
        content.link,
    )
    post.media = [m.as_dict() for m in content.media]
    post.thread = [
        {"text": seg.text, "media": [m.as_dict() for m in seg.media]} for seg in content.thread
    ] or None
    post.owner = request.owner
    post.timezone = request.timezone
    post.content_hash = content.fingerprint()
    moved = post.scheduled_at != request.scheduled_at
    post.scheduled_at = request.scheduled_at
    post.updated_at = now
    workspace = session.get(Workspace, who.workspace_id)
    again = needs_approval(workspace, who)
    for target in live:
        if moved:
            target.due_at = request.scheduled_at
        target.updated_at = now
        if again and target.status in (S.SCHEDULED.value, S.REJECTED.value):
            target.status = S.PENDING_APPROVAL.value
        elif target.status == S.REJECTED.value:
            target.status = S.PENDING_APPROVAL.value  # edited after a rejection: submitted again
    if again or post.approval == "rejected":
        post.approval, post.decided_by, post.decided_at = "pending", None, None
    audit.record(
        session,
        who.workspace_id,
        actor=who.actor,
        action="post.update",
        subject=f"post:{post_id}",
        detail={"fields": sorted(k for k, v in changes.items() if v is not None)},
    )


def _awaiting_decision(session: Session, who: Identity, post_id: int) -> Post:
    """The post, its targets locked, if it is waiting for approval."""
    post = post_in_workspace(session, post_id, who.workspace_id)
    _locked_targets(session, post_id)
    if post.approval != "pending":
        raise Conflict(
            "not_pending",
            f"post {post_id} is not waiting for approval ({post.approval or 'none needed'})",
        )
    return post


def _decided(moved, post_id: int) -> None:
    """A decision moves the pending targets. None moved: another decision (approve against
    reject) took them first, and recording this one would make the post say "rejected" while
    its targets are scheduled, or the reverse. The transaction rolls back instead."""
    if not moved.rowcount:
        raise Conflict("not_pending", f"post {post_id} was decided meanwhile: look at it again")


def approve_post(
    session: Session,
    who: Identity,
    post_id: int,
    *,
    scheduled_at: str | None,
    timezone: str | None,
    now: datetime,
) -> None:
    post = _awaiting_decision(session, who, post_id)
    new_time = None
    if scheduled_at:
        from ..domain.scheduling import ScheduleError, parse_schedule_time

        try:
            new_time = parse_schedule_time(scheduled_at, timezone or post.timezone, now=now)
        except ScheduleError as exc:
            raise InvalidPost([FieldError("scheduled_at", str(exc))]) from None
    elif post.scheduled_at <= now:
        raise Conflict(
            "time_passed",
            f"post {post_id} was due at {post.scheduled_at:%Y-%m-%d %H:%M} UTC, which has passed: "
            "approve it with a new scheduled_at",
        )
    values = {"updated_at": now}
    if new_time is not None:
        values["due_at"] = new_time
        post.scheduled_at = new_time
        if timezone:
            post.timezone = timezone
    moved = session.execute(
        move(
            S.SCHEDULED, from_=[S.PENDING_APPROVAL], where=[PostTarget.post_id == post_id], **values
        )
    )
    _decided(moved, post_id)
    post.approval, post.decided_by, post.decided_at = "approved", who.actor, now
    post.approval_comment = None
    audit.record(
        session,
        who.workspace_id,
        actor=who.actor,
        action="post.approve",
        subject=f"post:{post_id}",
        detail={"scheduled_at": post.scheduled_at.isoformat()} if new_time else None,
    )
    emit(
        session,
        who.workspace_id,
        "post.approved",
        post_id=post_id,
        dedupe_key=f"post.approved:{post_id}:{now.isoformat()}",
        payload={
            "post_id": post_id,
            "by": who.actor,
            "scheduled_at": post.scheduled_at.isoformat(),
        },
    )


def reject_post(
    session: Session, who: Identity, post_id: int, *, comment: str, now: datetime
) -> None:
    comment = comment.strip()
    if not comment:
        raise InvalidPost([FieldError("comment", "say why, so the editor can fix it")])
    post = _awaiting_decision(session, who, post_id)
    moved = session.execute(
        move(
            S.REJECTED,
            from_=[S.PENDING_APPROVAL],
            where=[PostTarget.post_id == post_id],
            updated_at=now,
        )
    )
    _decided(moved, post_id)
    post.approval, post.decided_by, post.decided_at = "rejected", who.actor, now
    post.approval_comment = comment
    audit.record(
        session,
        who.workspace_id,
        actor=who.actor,
        action="post.reject",
        subject=f"post:{post_id}",
        detail={"comment": comment},
    )
    emit(
        session,
        who.workspace_id,
        "post.rejected",
        post_id=post_id,
        dedupe_key=f"post.rejected:{post_id}:{now.isoformat()}",
        payload={"post_id": post_id, "by": who.actor, "comment": comment},
    )

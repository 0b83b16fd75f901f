"""`/api/v1/posts`: create (idempotent), read, list, change, cancel, retry, approve, reject."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from sqlalchemy import exists, select, tuple_

from ...domain.platforms import Platform
from ...intake.media_check import url_problems
from ...store.accounts import AccountRef, get_account
from ...store.models import Post, PostTarget, utcnow
from ...store.posts import cancel_post, post_in_workspace, retry_post
from ...teams import post_changes
from ...teams.api_keys import Identity
from .. import schemas, views
from ..context import approver, editor, state, viewer
from ..errors import ApiError
from ..idempotency import HEADER, REPLAYED_HEADER, check_key, request_hash, run_once

router = APIRouter(prefix="/posts", tags=["posts"])
STALE_AFTER = timedelta(hours=2)  # as the CLI's --stale-after-s default


def _urls(request: Request):
    policy = state(request).settings.media_policy
    return lambda content: url_problems(content, policy)


def _one(session, who: Identity, post_id: int, *, with_attempts: bool = True) -> schemas.Post:
    post = post_in_workspace(session, post_id, who.workspace_id)
    return views.posts(session, [post], with_attempts=with_attempts)[0]


@router.post(
    "",
    status_code=201,
    response_model=schemas.Post,
    summary="Schedule a post (or a thread) to one or more accounts",
)
def create_post(
    body: schemas.PostCreate,
    request: Request,
    response: Response,
    who: Identity = Depends(editor),
    idempotency_key: str | None = Header(None, alias=HEADER, max_length=255),
):
    key = check_key(idempotency_key) if idempotency_key is not None else None
    payload = body.model_dump()
    fields = post_changes.fields_of(**payload)
    check = _urls(request)
    app = state(request)

    def work(session):
        created = post_changes.create_post(session, who, fields, check_urls=check, now=utcnow())
        post = _one(session, who, created.post_id, with_attempts=False)
        return 201, jsonable_encoder(post)

    status, stored, replayed = run_once(
        app.db,
        who.workspace_id,
        key,
        request_hash("POST", "/posts", payload),
        work,
        name="api create post",
    )
    response.status_code = status
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return stored


def _json(model) -> Response:
    """The model as JSON, serialized once by pydantic: returned as the model itself, FastAPI
    would dump it, validate the dump against the response model and serialize that again,
    which for a page of 50 posts costs more CPU than the queries. The response model still
    documents the answer (the OpenAPI document is unchanged)."""
    return Response(model.model_dump_json(), media_type="application/json")


def _cursor(at: datetime, post_id: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{post_id}".encode()).decode()


def _read_cursor(text: str) -> tuple[datetime, int]:
    try:
        at, _, ident = base64.urlsafe_b64decode(text.encode()).decode().partition("|")
        return datetime.fromisoformat(at), int(ident)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "invalid_cursor", "cursor: pass the next_cursor a previous page returned"
        ) from None


@router.get(
    "", response_model=schemas.PostPage, summary="List posts in time order, a page at a time"
)
def list_posts(
    request: Request,
    who: Identity = Depends(viewer),
    status: list[schemas.TargetStatusName] = Query(default_factory=list),
    platform: list[str] = Query(default_factory=list),
    account: list[str] = Query(default_factory=list, max_length=100),
    due_from: datetime | None = Query(None, alias="from"),
    due_to: datetime | None = Query(None, alias="to"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=200),
):
    platforms = []
    for name in platform:
        try:
            platforms.append(Platform.parse(name).value)
        except ValueError as exc:
            raise ApiError(422, "validation_failed", str(exc)) from None

    def work(session):
        query = (
            select(Post)
            .where(Post.workspace_id == who.workspace_id)
            .order_by(Post.scheduled_at, Post.id)
            .limit(limit + 1)
        )
        target_filters = []
        if status:
            target_filters.append(PostTarget.status.in_(status))
        if platforms:
            target_filters.append(PostTarget.platform.in_(platforms))
        if account:
            ids = [get_account(session, AccountRef.parse(a), who.workspace_id).id for a in account]
            target_filters.append(PostTarget.account_id.in_(ids))
        if target_filters:
            query = query.where(exists().where(PostTarget.post_id == Post.id, *target_filters))
        if due_from:
            query = query.where(Post.scheduled_at >= due_from)
        if due_to:
            query = query.where(Post.scheduled_at < due_to)
        if cursor:
            query = query.where(tuple_(Post.scheduled_at, Post.id) > _read_cursor(cursor))
        rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return schemas.PostPage(
            items=views.posts(session, rows),
            next_cursor=_cursor(rows[-1].scheduled_at, rows[-1].id) if more else None,
        )

    return _json(state(request).db.transaction(work, name="api list posts", read_only=True))


@router.get(
    "/{post_id}", response_model=schemas.Post, summary="A post with its targets and attempts"
)
def get_post(post_id: int, request: Request, who: Identity = Depends(viewer)):
    return _json(
        state(request).db.transaction(
            lambda s: _one(s, who, post_id), name="api get post", read_only=True
        )
    )


@router.patch(
    "/{post_id}",
    response_model=schemas.Post,
    summary="Change a post that has not started publishing",
)
def update_post(
    post_id: int, body: schemas.PostUpdate, request: Request, who: Identity = Depends(editor)
):
    check = _urls(request)

    def work(session):
        post_changes.update_post(
            session,
            who,
            post_id,
            body.model_dump(exclude_unset=True),
            check_urls=check,
            now=utcnow(),
        )
        return _one(session, who, post_id)

    return state(request).db.transaction(work, name="api update post")


def _account_ids(session, who: Identity, accounts: list[str]) -> list[int]:
    return [get_account(session, AccountRef.parse(a), who.workspace_id).id for a in accounts]


@router.post(
    "/{post_id}/cancel",
    response_model=schemas.CancelResult,
    summary="Cancel what has not started publishing",
)
def cancel(
    post_id: int,
    request: Request,
    body: schemas.AccountsScope | None = None,
    who: Identity = Depends(editor),
):
    from ...teams import audit

    def work(session):
        ids = _account_ids(session, who, body.accounts if body else [])
        result = cancel_post(session, post_id, ids, workspace_id=who.workspace_id)
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="post.cancel",
            subject=f"post:{post_id}",
            detail={"cancelled": result.cancelled},
        )
        return schemas.CancelResult(
            cancelled=result.cancelled,
            left_alone=result.not_cancellable,
            post=_one(session, who, post_id),
        )

    result = state(request).db.transaction(work, name="api cancel post")
    if result.cancelled == 0:
        raise ApiError(
            409,
            "not_cancellable",
            f"nothing to cancel in post {post_id}: "
            + (
                ", ".join(f"{n} {s}" for s, n in sorted(result.left_alone.items()))
                or "nothing left"
            ),
        )
    return result


@router.post(
    "/{post_id}/retry",
    response_model=schemas.RetryResult,
    summary="Publish a post's failed or missed targets again, now",
)
def retry(
    post_id: int,
    request: Request,
    body: schemas.AccountsScope | None = None,
    who: Identity = Depends(editor),
):
    from ...teams import audit

    app = state(request)
    now = app.db.now()

    def work(session):
        post = post_in_workspace(session, post_id, who.workspace_id)
        if post.approval in ("pending", "rejected"):
            raise ApiError(
                409, "not_approved", f"post {post_id} is {post.approval}: approve it first"
            )
        ids = _account_ids(session, who, body.accounts if body else [])
        result = retry_post(
            session,
            post_id,
            ids,
            now=now,
            stale_before=now - STALE_AFTER,
            workspace_id=who.workspace_id,
        )
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="post.retry",
            subject=f"post:{post_id}",
            detail={"retried": result.retried},
        )
        return schemas.RetryResult(
            retried=result.retried,
            maybe_sent=result.maybe_sent,
            left_alone=result.not_retryable,
            post=_one(session, who, post_id),
        )

    result = app.db.transaction(work, name="api retry post")
    if result.retried == 0:
        left = ", ".join(f"{n} {s}" for s, n in sorted(result.left_alone.items()))
        raise ApiError(
            409,
            "nothing_to_retry",
            f"nothing to retry in post {post_id}: no failed or missed target ({left})",
        )
    return result


@router.post(
    "/{post_id}/approve", response_model=schemas.Post, summary="Approve a post: it is scheduled"
)
def approve(
    post_id: int,
    request: Request,
    body: schemas.Approve | None = None,
    who: Identity = Depends(approver),
):
    body = body or schemas.Approve()

    def work(session):
        post_changes.approve_post(
            session,
            who,
            post_id,
            scheduled_at=body.scheduled_at,
            timezone=body.timezone,
            now=utcnow(),
        )
        return _one(session, who, post_id)

    return state(request).db.transaction(work, name="api approve post")


@router.post("/{post_id}/reject", response_model=schemas.Post, summary="Reject a post, saying why")
def reject(post_id: int, body: schemas.Reject, request: Request, who: Identity = Depends(approver)):
    def work(session):
        post_changes.reject_post(session, who, post_id, comment=body.comment, now=utcnow())
        return _one(session, who, post_id)

    return state(request).db.transaction(work, name="api reject post")

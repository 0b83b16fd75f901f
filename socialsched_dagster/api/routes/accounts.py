"""`/api/v1/accounts`: the workspace's accounts; disable and enable (admins)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from ...domain.platforms import Platform
from ...store.accounts import AccountRef, disable_account, enable_account, list_accounts
from ...store.models import Account
from ...teams import audit
from ...teams.api_keys import Identity
from .. import schemas, views
from ..context import admin, state, viewer
from ..errors import ApiError, not_found

router = APIRouter(prefix="/accounts", tags=["accounts"])
STALE_AFTER = timedelta(hours=2)


@router.get(
    "", response_model=schemas.AccountList, summary="The workspace's accounts (never a token)"
)
def list_(request: Request, who: Identity = Depends(viewer), platform: str | None = Query(None)):
    try:
        chosen = Platform.parse(platform) if platform else None
    except ValueError as exc:
        raise ApiError(422, "validation_failed", str(exc)) from None
    rows = state(request).db.transaction(
        lambda s: list_accounts(s, chosen, who.workspace_id), name="api accounts", read_only=True
    )
    return schemas.AccountList(items=[views.account(v) for v in rows])


def _ref(session, who: Identity, account_id: int) -> AccountRef:
    account = session.get(Account, account_id)
    if account is None or account.workspace_id != who.workspace_id:
        raise not_found(f"account {account_id}")
    return AccountRef(Platform(account.platform), account.handle)


def _view(session, who: Identity, account_id: int) -> schemas.Account:
    [view] = [v for v in list_accounts(session, None, who.workspace_id) if v.id == account_id]
    return views.account(view)


@router.get("/{account_id}", response_model=schemas.Account, summary="One account")
def get(account_id: int, request: Request, who: Identity = Depends(viewer)):
    def work(session):
        _ref(session, who, account_id)
        return _view(session, who, account_id)

    return state(request).db.transaction(work, name="api account", read_only=True)


@router.post(
    "/{account_id}/disable",
    response_model=schemas.AccountChange,
    summary="Stop publishing to an account; its scheduled posts are held",
)
def disable(account_id: int, request: Request, who: Identity = Depends(admin)):
    def work(session):
        ref = _ref(session, who, account_id)
        held = disable_account(session, ref, who.workspace_id)
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="account.disable",
            subject=f"account:{account_id}",
            detail={"held": held},
        )
        session.flush()
        return schemas.AccountChange(account=_view(session, who, account_id), held=held)

    return state(request).db.transaction(work, name="api disable account")


@router.post(
    "/{account_id}/enable",
    response_model=schemas.AccountChange,
    summary="Publish to a disabled account again; its held posts are released",
)
def enable(account_id: int, request: Request, who: Identity = Depends(admin)):
    app = state(request)
    now = app.db.now()

    def work(session):
        ref = _ref(session, who, account_id)
        released, missed = enable_account(
            session, ref, now=now, stale_before=now - STALE_AFTER, workspace_id=who.workspace_id
        )
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="account.enable",
            subject=f"account:{account_id}",
            detail={"released": released, "missed": missed},
        )
        session.flush()
        return schemas.AccountChange(
            account=_view(session, who, account_id), released=released, missed=missed
        )

    return app.db.transaction(work, name="api enable account")


def account_ids_of(session, workspace_id: int) -> list[int]:
    return list(session.scalars(select(Account.id).where(Account.workspace_id == workspace_id)))

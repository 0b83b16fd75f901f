"""`/api/v1/workspace` (the key's own; there is no way to name another) and its audit log."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, Query, Request

from ...store.models import Workspace
from ...teams import audit
from ...teams.api_keys import Identity
from .. import schemas
from ..context import admin, state, viewer
from ..errors import ApiError

router = APIRouter(tags=["workspace"])


def _view(workspace: Workspace, who: Identity) -> schemas.Workspace:
    return schemas.Workspace(
        name=workspace.name, require_approval=workspace.require_approval, role=who.role.value
    )


@router.get("/workspace", response_model=schemas.Workspace, summary="The calling key's workspace")
def get_workspace(request: Request, who: Identity = Depends(viewer)):
    return state(request).db.transaction(
        lambda s: _view(s.get(Workspace, who.workspace_id), who),
        name="api workspace",
        read_only=True,
    )


@router.patch("/workspace", response_model=schemas.Workspace, summary="Require approval, or not")
def update_workspace(
    body: schemas.WorkspaceUpdate, request: Request, who: Identity = Depends(admin)
):
    def work(session):
        workspace = session.get(Workspace, who.workspace_id)
        workspace.require_approval = body.require_approval
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="workspace.update",
            subject=f"workspace:{workspace.name}",
            detail={"require_approval": body.require_approval},
        )
        return _view(workspace, who)

    return state(request).db.transaction(work, name="api update workspace")


@router.get("/audit", response_model=schemas.AuditPage, summary="Who changed what, newest first")
def audit_log(
    request: Request,
    who: Identity = Depends(admin),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=100),
):
    before = None
    if cursor:
        try:
            before = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise ApiError(
                400, "invalid_cursor", "cursor: pass the next_cursor of a page"
            ) from None

    def work(session):
        rows = audit.entries(session, who.workspace_id, limit=limit + 1, before_id=before)
        more = len(rows) > limit
        rows = rows[:limit]
        return schemas.AuditPage(
            items=[
                schemas.AuditEntry(
                    id=r.id,
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    subject=r.subject,
                    detail=r.detail,
                )
                for r in rows
            ],
            next_cursor=base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode()
            if more
            else None,
        )

    return state(request).db.transaction(work, name="api audit", read_only=True)

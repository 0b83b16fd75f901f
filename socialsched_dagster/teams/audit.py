"""The audit log: every change made in a workspace, by whom and when (admins read it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import AuditEntry, utcnow


def record(
    session: Session,
    workspace_id: int,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Written in the transaction of the change itself: no change without its entry."""
    session.add(
        AuditEntry(
            workspace_id=workspace_id,
            at=utcnow(),
            actor=actor[:128],
            action=action,
            subject=subject[:128],
            detail=detail,
        )
    )


def entries(
    session: Session, workspace_id: int, *, limit: int = 50, before_id: int | None = None
) -> list[AuditEntry]:
    """Newest first, a page at a time (keyset on id)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.workspace_id == workspace_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query))

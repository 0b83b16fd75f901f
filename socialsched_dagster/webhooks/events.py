"""Events: rows a workspace's webhooks are delivered from.

An event is written once whoever notices it: `dedupe_key` is unique, and a second insert of the
same key (another tick, another process) does nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..store.models import WebhookEvent, utcnow

EVENT_KINDS = (
    "post.published",
    "post.failed",
    "post.missed",
    "post.held",
    "post.approved",
    "post.rejected",
)


def emit(
    session: Session,
    workspace_id: int,
    kind: str,
    *,
    dedupe_key: str,
    payload: dict[str, Any],
    post_id: int | None = None,
    target_id: int | None = None,
) -> None:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event {kind!r}")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(WebhookEvent)
        .values(
            workspace_id=workspace_id,
            kind=kind,
            dedupe_key=dedupe_key,
            post_id=post_id,
            target_id=target_id,
            payload=payload,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    session.execute(statement)

"""Events: rows a workspace's webhooks are delivered from.

An event is written once whoever notices it: `dedupe_key` is unique, and a second insert of the
same key (another tick, another process) does nothing. The event that is written is fanned out
in the same transaction: one pending delivery per active webhook of the workspace subscribed to
its kind. So there is no separate "not yet fanned out" state to scan for, an approval and its
deliveries commit together, and a delivery cannot be made twice by two processes noticing the
same event (the insert that lost made no deliveries; a unique index backs this up).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..store.models import Webhook, WebhookDelivery, WebhookEvent, utcnow

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
    now: datetime | None = None,
) -> int | None:
    """The new event's id, or None when an event with this key exists already."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event {kind!r}")
    now = now or utcnow()
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
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(WebhookEvent.id)
    )
    event_id = session.execute(statement).scalar()
    if event_id is None:
        return None
    for webhook in subscribed(session, workspace_id, kind):
        session.add(
            WebhookDelivery(
                webhook_id=webhook.id,
                event_id=event_id,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                attempt_log=[],
            )
        )
    session.flush()
    return event_id


def subscribed(session: Session, workspace_id: int, kind: str) -> list[Webhook]:
    # A workspace has a handful of webhooks: their event lists are filtered here rather than
    # with each database's own JSON operators.
    hooks = session.scalars(
        select(Webhook).where(Webhook.workspace_id == workspace_id, Webhook.active.is_(True))
    )
    return [h for h in hooks if kind in (h.events or ())]


def listening_workspaces(session: Session) -> dict[int, set[str]]:
    """{workspace id: the event kinds its active webhooks want}, for the outcome watcher."""
    wanted: dict[int, set[str]] = {}
    for workspace_id, events in session.execute(
        select(Webhook.workspace_id, Webhook.events).where(Webhook.active.is_(True))
    ):
        wanted.setdefault(workspace_id, set()).update(events or ())
    return wanted

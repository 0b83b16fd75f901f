"""The delivery log of one webhook, newest first, a page at a time (keyset on the id)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import WebhookDelivery, WebhookEvent


@dataclass(frozen=True)
class LogEntry:
    delivery: WebhookDelivery
    event: WebhookEvent


def entries(
    session: Session,
    webhook_id: int,
    *,
    limit: int,
    before_id: int | None = None,
    status: str | None = None,
) -> list[LogEntry]:
    query = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id)  # ix_webhook_deliveries_webhook_id_id
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return [LogEntry(d, e) for d, e in session.execute(query)]


def delivery_of(session: Session, webhook_id: int, delivery_id: int) -> WebhookDelivery | None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook_id:
        return None
    return delivery

"""A workspace's webhooks: created with a signing secret shown once, changed, removed.

The secret is generated here (never chosen by a person, so it is never weak) and stored
Fernet-encrypted with the token key, like the OAuth tokens; the API returns it in the answer to
the creation and nowhere else.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..security.public_urls import IPNetwork, Resolve, system_resolve
from ..security.token_cipher import TokenCipher
from ..store.models import Webhook, WebhookDelivery
from .addresses import check_webhook_url
from .events import EVENT_KINDS

SECRET_PREFIX = "whsec_"
MAX_WEBHOOKS = 20  # per workspace: each is a request per event


class WebhookError(ValueError):
    """A refused change; the message is for the admin."""


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once, stored encrypted


def events_of(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(e.strip() for e in events))
    unknown = [e for e in chosen if e not in EVENT_KINDS]
    if unknown:
        raise WebhookError(
            f"unknown event(s) {', '.join(map(repr, unknown))}: one of {', '.join(EVENT_KINDS)}"
        )
    if not chosen:
        raise WebhookError(f"name at least one event: {', '.join(EVENT_KINDS)}")
    return chosen


def create_webhook(
    session: Session,
    cipher: TokenCipher,
    workspace_id: int,
    *,
    url: str,
    events: Sequence[str],
    now: datetime,
    private_networks: tuple[IPNetwork, ...] = (),
    resolve: Resolve = system_resolve,
) -> NewWebhook:
    chosen = events_of(events)
    # Before the first query: the session has no connection yet while DNS answers.
    url = check_webhook_url(url, private_networks, resolve)
    count = session.scalar(select(func.count()).where(Webhook.workspace_id == workspace_id))
    if count >= MAX_WEBHOOKS:
        raise WebhookError(f"a workspace has at most {MAX_WEBHOOKS} webhooks; remove one first")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook(
        workspace_id=workspace_id,
        url=url,
        secret_enc=cipher.encrypt(secret),
        events=chosen,
        active=True,
        created_at=now,
    )
    session.add(webhook)
    session.flush()
    return NewWebhook(webhook, secret)


def webhook_in_workspace(session: Session, workspace_id: int, webhook_id: int) -> Webhook | None:
    """None for a missing webhook and for another workspace's alike."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.workspace_id != workspace_id:
        return None
    return webhook


def webhooks_of(session: Session, workspace_id: int) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook).where(Webhook.workspace_id == workspace_id).order_by(Webhook.id)
        )
    )


def update_webhook(
    webhook: Webhook, *, events: Sequence[str] | None = None, active: bool | None = None
) -> dict:
    """Apply the changes; returns what changed, for the audit log. Deliveries already made
    pending are kept: a webhook switched off sends nothing until it is switched on again."""
    changed: dict = {}
    if events is not None:
        chosen = events_of(events)
        if chosen != webhook.events:
            webhook.events = chosen
            changed["events"] = chosen
    if active is not None and active != webhook.active:
        webhook.active = active
        changed["active"] = active
    return changed


def delete_webhook(session: Session, webhook: Webhook) -> int:
    """Remove the webhook and its delivery log; returns how many deliveries went with it."""
    gone = session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    ).rowcount
    session.delete(webhook)
    return gone or 0

"""`/api/v1/webhooks`: event webhooks (admins) and their delivery log (every role reads it).

The signing secret is in the answer to the creation only. A webhook or a delivery of another
workspace answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import base64
import secrets

from fastapi import APIRouter, Depends, Query, Request, Response

from ...alerts.webhook import mask_url
from ...security.token_cipher import TokenCipher, TokenKeyError
from ...store.models import Webhook, WebhookDelivery, WebhookEvent, utcnow
from ...teams import audit
from ...teams.api_keys import Identity
from ...teams.roles import Role
from ...webhooks import delivery_log, subscriptions
from ...webhooks.addresses import WebhookUrlError
from ...webhooks.delivery import DeliveryPolicy, Sender, ping, replay
from ...webhooks.message import event_id
from .. import webhook_schemas as schemas
from ..context import AppState, admin, state, viewer
from ..errors import ApiError, not_found

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _cipher(app: AppState) -> TokenCipher:
    return TokenCipher.from_config(app.settings.token_key, app.settings.token_key_file)


def _view(hook: Webhook, who: Identity) -> schemas.Webhook:
    # The URL's path or query is often the receiver's credential: only admins see it whole.
    url = hook.url if who.role.allows(Role.ADMIN) else mask_url(hook.url)
    return schemas.Webhook(
        id=hook.id, url=url, events=hook.events, active=hook.active, created_at=hook.created_at
    )


def _delivery(d: WebhookDelivery, e: WebhookEvent) -> schemas.Delivery:
    return schemas.Delivery(
        id=d.id,
        event_id=event_id(e.id),
        event_type=e.kind,
        post_id=e.post_id,
        target_id=e.target_id,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
        replay_of=d.replay_of,
        attempt_log=d.attempt_log or [],
    )


def _hook(session, who: Identity, webhook_id: int) -> Webhook:
    hook = subscriptions.webhook_in_workspace(session, who.workspace_id, webhook_id)
    if hook is None:
        raise not_found(f"webhook {webhook_id}")
    return hook


def _refused(field: str, exc: ValueError) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "the webhook is invalid",
        details=[{"field": field, "reason": str(exc)}],
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.WebhookCreated,
    summary="Subscribe a URL to events; the answer holds the signing secret, once",
)
def create(body: schemas.WebhookCreate, request: Request, who: Identity = Depends(admin)):
    app = state(request)
    cipher = _cipher(app)

    def work(session):
        try:
            made = subscriptions.create_webhook(
                session,
                cipher,
                who.workspace_id,
                url=body.url,
                events=body.events,
                now=utcnow(),
                private_networks=app.settings.webhook_private_networks,
            )
        except WebhookUrlError as exc:
            raise _refused("url", exc) from None
        except subscriptions.WebhookError as exc:
            raise _refused("events", exc) from None
        hook = made.webhook
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="webhook.create",
            subject=f"webhook:{hook.id}",
            detail={"url": mask_url(hook.url), "events": hook.events},
        )
        return schemas.WebhookCreated(**_view(hook, who).model_dump(), secret=made.secret)

    return app.db.transaction(work, name="api create webhook")


@router.get("", response_model=schemas.WebhookList, summary="The workspace's webhooks")
def list_(request: Request, who: Identity = Depends(viewer)):
    return state(request).db.transaction(
        lambda s: schemas.WebhookList(
            items=[_view(h, who) for h in subscriptions.webhooks_of(s, who.workspace_id)]
        ),
        name="api webhooks",
        read_only=True,
    )


@router.get("/{webhook_id}", response_model=schemas.Webhook, summary="One webhook")
def get(webhook_id: int, request: Request, who: Identity = Depends(viewer)):
    return state(request).db.transaction(
        lambda s: _view(_hook(s, who, webhook_id), who), name="api webhook", read_only=True
    )


@router.patch(
    "/{webhook_id}", response_model=schemas.Webhook, summary="Change its events, or switch it off"
)
def update(
    webhook_id: int, body: schemas.WebhookUpdate, request: Request, who: Identity = Depends(admin)
):
    def work(session):
        hook = _hook(session, who, webhook_id)
        try:
            changed = subscriptions.update_webhook(hook, events=body.events, active=body.active)
        except subscriptions.WebhookError as exc:
            raise _refused("events", exc) from None
        if changed:
            audit.record(
                session,
                who.workspace_id,
                actor=who.actor,
                action="webhook.update",
                subject=f"webhook:{hook.id}",
                detail=changed,
            )
        return _view(hook, who)

    return state(request).db.transaction(work, name="api update webhook")


@router.delete("/{webhook_id}", status_code=204, summary="Remove a webhook and its delivery log")
def remove(webhook_id: int, request: Request, who: Identity = Depends(admin)):
    def work(session):
        hook = _hook(session, who, webhook_id)
        url = mask_url(hook.url)
        gone = subscriptions.delete_webhook(session, hook)
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="webhook.delete",
            subject=f"webhook:{webhook_id}",
            detail={"url": url, "deliveries": gone},
        )

    state(request).db.transaction(work, name="api delete webhook")
    return Response(status_code=204)


def _read_cursor(text: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(text.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "cursor: pass the next_cursor of a page") from None


@router.get(
    "/{webhook_id}/deliveries",
    response_model=schemas.DeliveryPage,
    summary="The delivery log, newest first, with every attempt",
)
def deliveries(
    webhook_id: int,
    request: Request,
    who: Identity = Depends(viewer),
    status: schemas.DeliveryStatus | None = Query(None),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=100),
):
    before = _read_cursor(cursor) if cursor else None

    def work(session):
        _hook(session, who, webhook_id)
        rows = delivery_log.entries(
            session, webhook_id, limit=limit + 1, before_id=before, status=status
        )
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1].delivery.id if rows else None
        return schemas.DeliveryPage(
            items=[_delivery(r.delivery, r.event) for r in rows],
            next_cursor=base64.urlsafe_b64encode(str(last).encode()).decode() if more else None,
        )

    return state(request).db.transaction(work, name="api webhook deliveries", read_only=True)


def _one_delivery(session, who: Identity, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    _hook(session, who, webhook_id)
    found = delivery_log.delivery_of(session, webhook_id, delivery_id)
    if found is None:
        raise not_found(f"delivery {delivery_id}")
    return found


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    response_model=schemas.Delivery,
    summary="One delivery with its attempts",
)
def delivery(webhook_id: int, delivery_id: int, request: Request, who: Identity = Depends(viewer)):
    def work(session):
        found = _one_delivery(session, who, webhook_id, delivery_id)
        return _delivery(found, session.get(WebhookEvent, found.event_id))

    return state(request).db.transaction(work, name="api webhook delivery", read_only=True)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=schemas.Delivery,
    summary="Send the delivery's event again (same event id), as a new delivery",
)
def replay_delivery(
    webhook_id: int, delivery_id: int, request: Request, who: Identity = Depends(admin)
):
    app = state(request)
    now = app.db.now()  # compared with other processes' clocks: when it is due

    def work(session):
        original = _one_delivery(session, who, webhook_id, delivery_id)
        if not session.get(Webhook, webhook_id).active:
            raise ApiError(
                409, "webhook_inactive", f"webhook {webhook_id} is switched off: switch it on first"
            )
        again = replay(session, original, now=now)
        audit.record(
            session,
            who.workspace_id,
            actor=who.actor,
            action="webhook.replay",
            subject=f"webhook:{webhook_id}",
            detail={"delivery": original.id, "replay": again.id},
        )
        return _delivery(again, session.get(WebhookEvent, again.event_id))

    return app.db.transaction(work, name="api replay webhook delivery")


@router.post(
    "/{webhook_id}/ping",
    response_model=schemas.PingResult,
    summary="Send a signed `ping` now and say how the receiver answered (not logged)",
)
def ping_webhook(webhook_id: int, request: Request, who: Identity = Depends(admin)):
    app = state(request)
    hook = app.db.transaction(
        lambda s: _hook(s, who, webhook_id), name="api webhook", read_only=True
    )
    try:
        secret = _cipher(app).decrypt(hook.secret_enc)
    except TokenKeyError:
        raise ApiError(
            500,
            "secret_unreadable",
            "the webhook's signing secret cannot be decrypted with the configured token keys "
            "(SOCIALSCHED_TOKEN_KEY): create the webhook again",
        ) from None
    policy = DeliveryPolicy(private_networks=app.settings.webhook_private_networks)
    with Sender(policy) as sender:
        result = ping(
            sender,
            hook.url,
            secret,
            workspace=who.workspace_name,
            now=utcnow(),
            ident=f"ping_{secrets.token_hex(8)}",
        )
    return schemas.PingResult(
        delivered=result.delivered,
        status_code=result.status_code,
        error=result.error,
        duration_ms=result.duration_ms,
    )

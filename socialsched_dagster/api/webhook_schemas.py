"""Bodies of `/api/v1/webhooks`: a webhook, its delivery log, a replay, a ping."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from .schemas import Strict

EventName = Literal[
    "post.published",
    "post.failed",
    "post.missed",
    "post.held",
    "post.approved",
    "post.rejected",
]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookCreate(Strict):
    url: str = Field(
        max_length=2048, description="a public http(s) URL; redirects are not followed"
    )
    events: list[EventName] = Field(min_length=1, max_length=len(EventName.__args__))


class WebhookUpdate(Strict):
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(EventName.__args__))
    active: bool | None = None


class Webhook(BaseModel):
    id: int
    url: str = Field(description="in full for admins; other roles see it masked")
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(
        description="the signing secret: shown in this answer only, store it now. Requests "
        "carry `X-Socialsched-Signature: sha256=HMAC(secret, '<X-Socialsched-Timestamp>.<body>')`"
    )


class WebhookList(BaseModel):
    items: list[Webhook]


class DeliveryAttempt(BaseModel):
    n: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class Delivery(BaseModel):
    id: int
    event_id: str = Field(description="the `id` of the event body, the same for every replay")
    event_type: str
    post_id: int | None
    target_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    replay_of: int | None = Field(description="the delivery this one repeats")
    attempt_log: list[DeliveryAttempt]


class DeliveryPage(BaseModel):
    items: list[Delivery]
    next_cursor: str | None


class PingResult(BaseModel):
    delivered: bool
    status_code: int | None
    error: str | None
    duration_ms: int

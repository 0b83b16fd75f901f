"""What a webhook receives: the event as JSON, signed as our alerts are (alerts/signing.py).

    POST <url>
    Content-Type: application/json
    X-Socialsched-Timestamp: <unix seconds>
    X-Socialsched-Signature: sha256=<HMAC-SHA256(secret, "<timestamp>.<body>")>
    X-Socialsched-Event-Id: evt_42        same for every attempt and replay of the event
    X-Socialsched-Event: post.published
    X-Socialsched-Delivery-Id: 7          this delivery (a replay is another)

    {"id": "evt_42", "type": "post.published", "created_at": "...", "workspace": "acme",
     "data": {"post_id": ..., "target_id": ..., "account": "facebook:page", ...}}

The body of an event is the same bytes at every attempt and replay; the timestamp and the
signature are made afresh each time, so a receiver can refuse stale timestamps
(`alerts.signing.verify_signature` checks both) and drop duplicates by the event id.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

from ..alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

EVENT_ID_HEADER = "X-Socialsched-Event-Id"
EVENT_TYPE_HEADER = "X-Socialsched-Event"
DELIVERY_ID_HEADER = "X-Socialsched-Delivery-Id"
USER_AGENT = "socialsched-webhooks/1"


def event_id(event_row_id: int) -> str:
    return f"evt_{event_row_id}"


def body(ident: str, kind: str, created_at: datetime, workspace: str, data: dict) -> bytes:
    document = {
        "id": ident,
        "type": kind,
        "created_at": created_at.isoformat(),
        "workspace": workspace,
        "data": data,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def headers(
    secret: str, content: bytes, *, event: str, kind: str, delivery_id: int | str
) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, content),
        EVENT_ID_HEADER: event,
        EVENT_TYPE_HEADER: kind,
        DELIVERY_ID_HEADER: str(delivery_id),
    }

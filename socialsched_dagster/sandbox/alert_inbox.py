"""`/_sandbox/alerts`: a stand-in for the team's alert channel (a Slack incoming webhook).

The demo points `SOCIALSCHED_ALERT_WEBHOOK_URL` here, so an outage drill shows the alerts it
sends without a real Slack. With `alert_webhook_secret` set, a request whose signature does not
verify is refused with 401, as a real receiver should. Under `/_sandbox/` like the other control
routes, so `down` and the other faults never touch it: alerts about an outage still arrive.
"""

from __future__ import annotations

import json
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..alerts.signing import ALERT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from .errors import json_response


def _inbox(request: Request) -> list[dict]:
    state = request.app.state
    if not hasattr(state, "alert_inbox"):
        state.alert_inbox = []
    return state.alert_inbox


async def receive(request: Request) -> Response:
    raw = await request.body()
    secret = request.app.state.sandbox.settings.alert_webhook_secret
    if secret and not verify_signature(
        secret,
        request.headers.get(TIMESTAMP_HEADER, ""),
        raw,
        request.headers.get(SIGNATURE_HEADER, ""),
    ):
        return json_response({"error": "signature does not verify"}, 401)
    try:
        body = json.loads(raw)
    except ValueError:
        return json_response({"error": "body is not JSON"}, 400)
    inbox = _inbox(request)
    alert_id = request.headers.get(ALERT_ID_HEADER)
    # A resend of an alert already received (same id) is acknowledged, not shown twice.
    if not any(a["alert_id"] == alert_id for a in inbox if alert_id):
        inbox.append({"received_at": time.time(), "alert_id": alert_id, "body": body})
    return json_response({"ok": True})


async def listing(request: Request) -> Response:
    return json_response({"alerts": _inbox(request)})


ROUTES = [
    Route("/_sandbox/alerts", receive, methods=["POST"]),
    Route("/_sandbox/alerts", listing, methods=["GET"]),
]

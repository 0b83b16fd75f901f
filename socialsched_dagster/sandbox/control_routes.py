"""The control API under `/_sandbox/`: tokens, revocation, faults, ledger, stats, clock, reset.

Never affected by faults (not even `down`), so a drill can always be observed and ended.
No authentication: the sandbox binds to 127.0.0.1 by default and holds no real secrets.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import json_response
from .state import SandboxState
from .tokens import PLATFORMS, mint


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _bad(message: str) -> Response:
    return json_response({"error": message}, 400)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


async def health(request: Request) -> Response:
    return json_response({"ok": True})


async def tokens(request: Request) -> Response:
    state = _state(request)
    try:
        body = await _body(request)
        platform, account = body["platform"], str(body["account"])
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
        default = (
            state.settings.google_access_token_seconds
            if platform == "youtube"
            else state.settings.meta_token_seconds
        )
        expires_in = body.get("expires_in", default)  # explicit null: never expires
        if expires_in is not None and not isinstance(expires_in, (int, float)):
            raise ValueError("expires_in must be a number of seconds or null")
        issued_ago = float(body.get("issued_ago", 0))
    except (ValueError, KeyError, TypeError) as exc:
        return _bad(f"bad token request: {exc}")
    now, secret = state.now(), state.settings.secret
    common = {"platform": platform, "account": account, "now": now, "issued_ago": issued_ago}
    access = mint(secret, kind="access", expires_in=expires_in, **common)
    refresh = None
    if body.get("refresh_token", platform == "youtube"):  # Google's grant; others ask for one
        refresh = mint(secret, kind="refresh", expires_in=None, **common)
    return json_response(
        {"access_token": access, "refresh_token": refresh, "expires_in": expires_in}
    )


async def revoke(request: Request) -> Response:
    state = _state(request)
    try:
        body = await _body(request)
        account = str(body["account"])
        platforms = [body["platform"]] if body.get("platform") else list(PLATFORMS)
    except (ValueError, KeyError) as exc:
        return _bad(f"bad revoke request: {exc}")
    at = 0.0
    for platform in platforms:
        at = state.revoke(platform, account)
    return json_response({"revoked": {"account": account, "platforms": platforms, "at": at}})


async def faults(request: Request) -> Response:
    state = _state(request)
    if request.method == "POST":
        try:
            state.faults.merge(await _body(request))
        except (ValueError, TypeError, AttributeError) as exc:
            return _bad(f"bad faults: {exc}")
    elif request.method == "DELETE":
        state.faults.reset()
    return json_response(state.faults.snapshot())


async def ledger(request: Request) -> Response:
    state = _state(request)
    try:
        since = int(request.query_params.get("since", 0))
    except ValueError:
        return _bad("since must be an integer")
    entries = state.ledger.query(since, request.query_params.get("platform"))
    return json_response({"entries": entries, "last_seq": len(state.ledger)})


async def stats(request: Request) -> Response:
    state = _state(request)
    return json_response(state.stats.snapshot(state.ledger.duplicates(), len(state.ledger)))


async def reset(request: Request) -> Response:
    _state(request).reset()
    return json_response({"ok": True})


async def clock(request: Request) -> Response:
    state = _state(request)
    if request.method == "POST":
        try:
            state.clock.advance(float((await _body(request)).get("advance", 0)))
        except (ValueError, TypeError) as exc:
            return _bad(f"bad clock request: {exc}")
    return json_response({"now": state.now(), "offset": state.clock.offset})


async def settings(request: Request) -> Response:
    data = _state(request).settings.to_dict()
    for secret in ("secret", "meta_app_secret", "google_client_secret", "alert_webhook_secret"):
        data[secret] = "***" if data[secret] else None
    return json_response(data)


ROUTES = [
    Route("/_sandbox/health", health, methods=["GET"]),
    Route("/_sandbox/tokens", tokens, methods=["POST"]),
    Route("/_sandbox/revoke", revoke, methods=["POST"]),
    Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/_sandbox/ledger", ledger, methods=["GET"]),
    Route("/_sandbox/stats", stats, methods=["GET"]),
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
    Route("/_sandbox/settings", settings, methods=["GET"]),
]

"""POST /2/oauth2/token with grant_type=refresh_token, as X's OAuth 2.0 guide describes it.

The client identifies itself: a public client with `client_id` in the form, a confidential one
with HTTP Basic. The refresh token is single use: the answer carries a new access token (2 h)
and a NEW refresh token, and the one used is spent. A spent, revoked or unknown refresh token is
refused with X's own answer, HTTP 400 `invalid_request` "Value passed for the token was
invalid.". Tokens are the shared sandbox registry's (sandbox/tokens.py), so the control API's
revocation applies to them too.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.tokens import mint
from .sandbox_http import sb_of
from .sandbox_state import PLATFORM

SCOPE = "tweet.read tweet.write users.read media.write offline.access"
DEAD_TOKEN = "Value passed for the token was invalid."


def _error(error: str, description: str, status: int = 400) -> Response:
    return errors.json_response({"error": error, "error_description": description}, status)


async def token(request: Request) -> Response:
    state, sb = request.app.state.sandbox, sb_of(request)
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    basic = request.headers.get("authorization", "").lower().startswith("basic ")
    if form.get("grant_type") != "refresh_token":
        return _error("invalid_request", "Value passed for the grant_type was invalid.")
    if not basic and not form.get("client_id"):
        return _error("invalid_request", "Missing required parameter [client_id].")
    refresh = form.get("refresh_token", "")
    claims, problem = state.check_token(refresh, (PLATFORM,), kind="refresh")
    if problem or claims is None or sb.is_spent(refresh):
        return _error("invalid_request", DEAD_TOKEN)
    sb.spend(refresh)  # single use: journalled before the new pair is handed out
    now, seconds = state.now(), sb.limits.access_token_s
    common = {"platform": PLATFORM, "account": claims.account, "now": now}
    access = mint(state.settings.secret, kind="access", expires_in=seconds, **common)
    rotated = mint(state.settings.secret, kind="refresh", expires_in=None, **common)
    body = {
        "token_type": "bearer",
        "expires_in": seconds,
        "access_token": access,
        "scope": SCOPE,
        "refresh_token": rotated,
    }
    return errors.json_response(body)

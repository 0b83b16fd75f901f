"""POST /2/oauth2/token with grant_type=refresh_token, as X's OAuth 2.0 guide describes it.

The client identifies itself: a public client with `client_id` in the form, a confidential one
with HTTP Basic. The refresh token is single use: the answer carries a new access token (2 h)
and a NEW refresh token, and the one used is spent. A spent, revoked or unknown refresh token is
refused with X's own answer, HTTP 400 `invalid_request` "Value passed for the token was
invalid.". Tokens are the shared sandbox registry's (sandbox/tokens.py), so the control API's
revocation applies to them too.

Connecting: `GET|POST /i/oauth2/authorize` is the consent page (PKCE required, as X requires
it; sign in as a user id) and `grant_type=authorization_code` redeems its code (valid 30
seconds, once) with the code_verifier, for the same pair a refresh gives.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.oauth_consent import AuthorizationServer, authorize, digits, redeem
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
    if form.get("grant_type") == "authorization_code":
        return _code(request, form)
    if form.get("grant_type") != "refresh_token":
        return _error("invalid_request", "Value passed for the grant_type was invalid.")
    if not basic and not form.get("client_id"):
        return _error("invalid_request", "Missing required parameter [client_id].")
    refresh = form.get("refresh_token", "")
    claims, problem = state.check_token(refresh, (PLATFORM,), kind="refresh")
    if problem or claims is None or sb.is_spent(refresh):
        return _error("invalid_request", DEAD_TOKEN)
    sb.spend(refresh)  # single use: journalled before the new pair is handed out
    return _pair(request, claims.account)


def _pair(request: Request, account: str) -> Response:
    state, sb = request.app.state.sandbox, sb_of(request)
    now, seconds = state.now(), sb.limits.access_token_s
    common = {"platform": PLATFORM, "account": account, "now": now}
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


SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="X",
    account_label="the X user id",
    new_account=digits("15", 19),
    code_ttl_s=30.0,  # "the authorization code ... is valid for 30 seconds"
    pkce_required=True,
)


async def authorize_page(request: Request) -> Response:
    return await authorize(request, SERVER)


def _basic_client(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip()).decode().partition(":")[0] or None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _code(request: Request, form: dict[str, str]) -> Response:
    client_id = _basic_client(request) or form.get("client_id")
    if not client_id:
        return _error("invalid_request", "Missing required parameter [client_id].")
    for name in ("code", "redirect_uri", "code_verifier"):
        if not form.get(name):
            return _error("invalid_request", f"Missing required parameter [{name}].")
    grant, problem = redeem(
        request, PLATFORM, code=form["code"], client_id=client_id,
        redirect_uri=form["redirect_uri"], verifier=form["code_verifier"],
    )  # fmt: skip
    if problem == "redirect_uri":
        return _error(
            "invalid_request",
            "Value passed for the redirect uri did not match the uri of the authorization code.",
        )
    if problem == "verifier":
        return _error("invalid_request", "Value passed for the code verifier was invalid.")
    if problem or grant is None:
        return _error("invalid_request", "Value passed for the authorization code was invalid.")
    return _pair(request, grant.account)

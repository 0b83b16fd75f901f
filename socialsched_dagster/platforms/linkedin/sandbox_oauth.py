"""LinkedIn's token endpoint in the sandbox: `POST /oauth/v2/accessToken` with
`grant_type=refresh_token`, the refresh token and the app's `client_id` and `client_secret`,
answered in the OAuth shape `{"error", "error_description"}` when refused.

Tokens are the shared sandbox registry's (sandbox/tokens.py). A refresh token lives 365 days
from its issue, fixed: the answer carries the same refresh token, `refresh_token_expires_in`
counting down, and a new access token of 60 days, never past the refresh token's end.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.tokens import mint
from .sandbox_calls import li_of
from .sandbox_state import PLATFORM

INVALID_GRANT = "The provided authorization grant or refresh token is invalid, expired or revoked"


def oauth_error(status: int, error: str, description: str) -> Response:
    return errors.json_response({"error": error, "error_description": description}, status)


async def access_token(request: Request) -> Response:
    state, config = request.app.state.sandbox, li_of(request).config
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    for name in ("grant_type", "client_id", "client_secret"):
        if not form.get(name):
            return oauth_error(400, "invalid_request", f'A required parameter "{name}" is missing')
    if form["grant_type"] != "refresh_token":
        return oauth_error(400, "unsupported_grant_type", "The sandbox renews refresh tokens only")
    if (config.client_id and form["client_id"] != config.client_id) or (
        config.client_secret and form["client_secret"] != config.client_secret
    ):
        return oauth_error(401, "invalid_client", "Client authentication failed")
    refresh = form.get("refresh_token")
    if not refresh:
        return oauth_error(
            400, "invalid_request", 'A required parameter "refresh_token" is missing'
        )
    claims, problem = state.check_token(refresh, (PLATFORM,), kind="refresh")
    now = state.now()
    ends = None if claims is None else (claims.exp or claims.iat + config.refresh_token_s)
    if problem or claims is None or ends is None or now >= ends:
        return oauth_error(400, "invalid_request", INVALID_GRANT)
    seconds = int(min(config.access_token_s, ends - now))
    token = mint(
        state.settings.secret, platform=PLATFORM, account=claims.account, kind="access",
        now=now, expires_in=seconds,
    )  # fmt: skip
    body = {
        "access_token": token,
        "expires_in": seconds,
        "refresh_token": refresh,
        "refresh_token_expires_in": int(ends - now),
        "scope": ",".join(li_of(request).scopes_of(claims.account)),
    }
    return errors.json_response(body)

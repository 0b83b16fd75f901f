"""LinkedIn's token endpoint in the sandbox: `POST /oauth/v2/accessToken` with
`grant_type=refresh_token`, the refresh token and the app's `client_id` and `client_secret`,
answered in the OAuth shape `{"error", "error_description"}` when refused.

Tokens are the shared sandbox registry's (sandbox/tokens.py). A refresh token lives 365 days
from its issue, fixed: the answer carries the same refresh token, `refresh_token_expires_in`
counting down, and a new access token of 60 days, never past the refresh token's end.

Connecting (3-legged OAuth): `GET|POST /oauth/v2/authorization` is the consent page (sign in
as a member id), `grant_type=authorization_code` redeems its code for a 60-day token (no
refresh token: LinkedIn gives those to approved partner apps only), and `GET /v2/userinfo`
(OpenID Connect) says who the member is. A bad, used or expired code, or another redirect_uri,
is LinkedIn's one `invalid_request` "Unable to retrieve access token: ..." answer.
"""

from __future__ import annotations

import secrets
import string
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.oauth_consent import AuthorizationServer, authorize, client_check, redeem_form
from ...sandbox.tokens import mint
from .sandbox_calls import _TOKEN_PROBLEMS, li_error, li_of
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
    if form["grant_type"] == "authorization_code":
        return _code(request, form)
    if form["grant_type"] != "refresh_token":
        return oauth_error(
            400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
        )
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


PERSON = "urn:li:person:"
BAD_CODE = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired. Or external member binding exists"
)
_MEMBER_CHARS = string.ascii_letters + string.digits


SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="LinkedIn",
    account_label="the member id (the sub of /v2/userinfo)",
    new_account=lambda: "".join(secrets.choice(_MEMBER_CHARS) for _ in range(10)),
    code_ttl_s=1800.0,  # "The authorization code is only valid for 30 minutes"
    check_client=client_check(
        lambda request: li_of(request).config.client_id, "The passed in client_id is invalid"
    ),
    denied=("user_cancelled_authorize", "The user cancelled the authorization"),
)


async def authorization(request: Request) -> Response:
    return await authorize(request, SERVER)


def _code(request: Request, form: dict[str, str]) -> Response:
    state, config = request.app.state.sandbox, li_of(request).config
    if (config.client_id and form["client_id"] != config.client_id) or (
        config.client_secret and form["client_secret"] != config.client_secret
    ):
        return oauth_error(401, "invalid_client", "Client authentication failed")
    for name in ("code", "redirect_uri"):
        if not form.get(name):
            return oauth_error(400, "invalid_request", f'A required parameter "{name}" is missing')
    grant, problem = redeem_form(request, PLATFORM, form)
    if problem or grant is None:
        return oauth_error(400, "invalid_request", BAD_CODE)
    seconds = config.access_token_s
    token = mint(
        state.settings.secret, platform=PLATFORM, account=PERSON + grant.account,
        kind="access", now=state.now(), expires_in=seconds,
    )  # fmt: skip
    scope = ",".join(grant.scope.replace(",", " ").split())
    return errors.json_response({"access_token": token, "expires_in": seconds, "scope": scope})


async def userinfo(request: Request) -> Response:
    state = request.app.state.sandbox
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    claims, problem = None, "missing"
    if scheme.lower() == "bearer" and token.strip():
        claims, problem = state.check_token(token.strip(), (PLATFORM,))
    if problem or claims is None or not claims.account.startswith(PERSON):
        service_code, code, message = _TOKEN_PROBLEMS.get(problem or "", _TOKEN_PROBLEMS["invalid"])
        return li_error(401, code, message, service_code)
    sub = claims.account.removeprefix(PERSON)
    body = {
        "sub": sub,
        "name": f"Sandbox Member {sub[:4]}",
        "given_name": "Sandbox",
        "family_name": f"Member {sub[:4]}",
        "locale": {"country": "US", "language": "en"},
    }
    return errors.json_response(body)

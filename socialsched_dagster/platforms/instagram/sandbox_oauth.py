"""Business Login for Instagram in the sandbox (www.instagram.com's authorization window and
api.instagram.com's token endpoint under /instagram; graph.instagram.com's exchange at the
root, beside its /refresh_access_token):

  GET/POST /instagram/oauth/authorize      the authorization window (sign in as an account id)
  POST     /instagram/oauth/access_token   code -> short-lived token (1 hour) and user_id
  GET      /access_token                   grant_type=ig_exchange_token -> the 60-day token

The token endpoint refuses in Instagram's own shape, `{"error_type": "OAuthException",
"code": 400, "error_message": ...}`; the exchange in the Graph error shape.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.oauth_consent import (
    REDIRECT_MISMATCH,
    AuthorizationServer,
    authorize,
    digits,
    form_of,
    guarded_route,
    long_lived_exchange,
    mint_access,
    redeem_form,
)
from ...sandbox.pipeline import META

PLATFORM = "instagram"
SHORT_LIVED_S = 3600
SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="Instagram",
    account_label="the Instagram professional account id",
    new_account=digits("17841", 17),
)
SCOPES = "instagram_business_basic,instagram_business_content_publish"


def _refused(message: str) -> Response:
    return errors.json_response(
        {"error_type": "OAuthException", "code": 400, "error_message": message}, 400
    )


async def _authorize(request: Request) -> Response:
    return await authorize(request, SERVER)


async def _token(request: Request) -> Response:
    form = form_of(await request.body())
    for name in ("client_id", "client_secret", "grant_type", "redirect_uri", "code"):
        if not form.get(name):
            return _refused(f"Missing required field {name}")
    if form["grant_type"] != "authorization_code":
        return _refused("Invalid grant_type: authorization_code is required")
    grant, problem = redeem_form(request, PLATFORM, form)
    if problem == "client":
        return _refused("Invalid platform app")
    if problem == "redirect_uri":
        return _refused(REDIRECT_MISMATCH)
    if problem or grant is None:
        return _refused("Matching code was not found or was already used")
    token = mint_access(request, PLATFORM, grant.account, SHORT_LIVED_S)
    item = {"access_token": token, "user_id": grant.account, "permissions": SCOPES}
    return errors.json_response({"data": [item]})


async def _exchange(request: Request) -> Response:
    return await long_lived_exchange(request, PLATFORM, "ig_exchange_token", _lifetime)


def _lifetime(request: Request) -> int:
    return request.app.state.sandbox.settings.meta_token_seconds


def _guarded(endpoint: str, handler):
    return guarded_route(endpoint, META, handler)


def routes() -> list[Route]:
    return [
        Route(
            "/instagram/oauth/authorize",
            _guarded("ig_oauth_authorize", _authorize),
            methods=["GET", "POST"],
        ),
        Route(
            "/instagram/oauth/access_token",
            _guarded("ig_oauth_token", _token),
            methods=["POST"],
        ),
        Route("/access_token", _guarded("ig_token_exchange", _exchange), methods=["GET"]),
    ]

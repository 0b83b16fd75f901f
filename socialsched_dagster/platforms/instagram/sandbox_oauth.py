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
from ...sandbox.graph import read_params, token_error
from ...sandbox.oauth_consent import AuthorizationServer, authorize, digits, form_of, redeem
from ...sandbox.pipeline import META, guarded
from ...sandbox.tokens import mint

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
    state = request.app.state.sandbox
    form = form_of(await request.body())
    for name in ("client_id", "client_secret", "grant_type", "redirect_uri", "code"):
        if not form.get(name):
            return _refused(f"Missing required field {name}")
    if form["grant_type"] != "authorization_code":
        return _refused("Invalid grant_type: authorization_code is required")
    grant, problem = redeem(
        request, PLATFORM, code=form["code"], client_id=form["client_id"],
        redirect_uri=form["redirect_uri"], verifier=form.get("code_verifier"),
    )  # fmt: skip
    if problem == "client":
        return _refused("Invalid platform app")
    if problem == "redirect_uri":
        return _refused(
            "Error validating verification code. Please make sure your redirect_uri is "
            "identical to the one you used in the OAuth dialog request"
        )
    if problem or grant is None:
        return _refused("Matching code was not found or was already used")
    token = mint(
        state.settings.secret, platform=PLATFORM, account=grant.account, kind="access",
        now=state.now(), expires_in=SHORT_LIVED_S,
    )  # fmt: skip
    item = {"access_token": token, "user_id": grant.account, "permissions": SCOPES}
    return errors.json_response({"data": [item]})


async def _exchange(request: Request) -> Response:
    state, params = request.app.state.sandbox, await read_params(request)
    if params.get("grant_type") != "ig_exchange_token":
        return errors.meta_invalid_param("Unsupported grant_type: expected ig_exchange_token")
    if not params.get("client_secret"):
        return errors.meta_error(101, "Missing client_secret parameter.")
    claims, problem = state.check_token(params.get("access_token"), (PLATFORM,))
    if problem:
        return token_error(problem, claims, state.now())
    seconds = state.settings.meta_token_seconds
    token = mint(
        state.settings.secret, platform=PLATFORM, account=claims.account, kind="access",
        now=state.now(), expires_in=seconds,
    )  # fmt: skip
    return errors.json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": seconds}
    )


def _guarded(endpoint: str, handler):
    async def route(request: Request) -> Response:
        return await guarded(request, endpoint, META, handler)

    return route


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

"""The Threads API's authorization endpoints in the sandbox, under /threads:

  GET/POST /threads/oauth/authorize      the authorization window (sign in as a user id)
  POST     /threads/oauth/access_token   code -> short-lived token (1 hour) and user_id
  GET      /threads/access_token         grant_type=th_exchange_token -> the 60-day token

Refusals are Graph errors (`{"error": {"message", "type": "OAuthException", "code"}}`).
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
from .sandbox_calls import threads_state

PLATFORM = "threads"
SHORT_LIVED_S = 3600
SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="Threads",
    account_label="the Threads user id",
    new_account=digits("2700", 17),
)


async def _authorize(request: Request) -> Response:
    return await authorize(request, SERVER)


async def _token(request: Request) -> Response:
    state = request.app.state.sandbox
    form = form_of(await request.body())
    for name in ("client_id", "client_secret", "code", "redirect_uri"):
        if not form.get(name):
            return errors.meta_invalid_param(f"Missing required parameter: {name}")
    if form.get("grant_type") != "authorization_code":
        return errors.meta_invalid_param("Unsupported grant_type: expected authorization_code")
    grant, problem = redeem(
        request, PLATFORM, code=form["code"], client_id=form["client_id"],
        redirect_uri=form["redirect_uri"], verifier=form.get("code_verifier"),
    )  # fmt: skip
    if problem == "client":
        return errors.meta_error(101, "Error validating application. Invalid application ID.")
    if problem == "redirect_uri":
        return errors.meta_invalid_param(
            "Error validating verification code. Please make sure your redirect_uri is "
            "identical to the one you used in the OAuth dialog request",
            subcode=36008,
        )
    if problem or grant is None:
        return errors.meta_invalid_param(
            "Matching code was not found or was already used", subcode=36009
        )
    token = mint(
        state.settings.secret, platform=PLATFORM, account=grant.account, kind="access",
        now=state.now(), expires_in=SHORT_LIVED_S,
    )  # fmt: skip
    return errors.json_response({"access_token": token, "user_id": grant.account})


async def _exchange(request: Request) -> Response:
    state, params = request.app.state.sandbox, await read_params(request)
    if params.get("grant_type") != "th_exchange_token":
        return errors.meta_invalid_param("Unsupported grant_type: expected th_exchange_token")
    if not params.get("client_secret"):
        return errors.meta_error(101, "Missing client_secret parameter.")
    claims, problem = state.check_token(params.get("access_token"), (PLATFORM,))
    if problem:
        return token_error(problem, claims, state.now())
    seconds = threads_state(request).limits.token_lifetime_s
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
    """Inside the /threads mount, before its /{version}/{node} patterns."""
    return [
        Route(
            "/oauth/authorize", _guarded("threads_oauth_authorize", _authorize),
            methods=["GET", "POST"],
        ),
        Route("/oauth/access_token", _guarded("threads_oauth_token", _token), methods=["POST"]),
        Route("/access_token", _guarded("threads_token_exchange", _exchange), methods=["GET"]),
    ]  # fmt: skip

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
from ...sandbox.oauth_consent import (
    AuthorizationServer,
    authorize,
    digits,
    form_of,
    graph_code_refusal,
    guarded_route,
    long_lived_exchange,
    mint_access,
    redeem_form,
)
from ...sandbox.pipeline import META
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
    form = form_of(await request.body())
    for name in ("client_id", "client_secret", "code", "redirect_uri"):
        if not form.get(name):
            return errors.meta_invalid_param(f"Missing required parameter: {name}")
    if form.get("grant_type") != "authorization_code":
        return errors.meta_invalid_param("Unsupported grant_type: expected authorization_code")
    grant, problem = redeem_form(request, PLATFORM, form)
    refused = graph_code_refusal(problem)
    if refused is not None:
        return refused
    if problem or grant is None:
        return errors.meta_invalid_param(
            "Matching code was not found or was already used", subcode=36009
        )
    token = mint_access(request, PLATFORM, grant.account, SHORT_LIVED_S)
    return errors.json_response({"access_token": token, "user_id": grant.account})


async def _exchange(request: Request) -> Response:
    return await long_lived_exchange(request, PLATFORM, "th_exchange_token", _lifetime)


def _lifetime(request: Request) -> int:
    return threads_state(request).limits.token_lifetime_s


def _guarded(endpoint: str, handler):
    return guarded_route(endpoint, META, handler)


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

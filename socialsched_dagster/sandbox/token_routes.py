"""Token endpoints: Instagram Login refresh, Facebook long-lived exchange, Google refresh grant."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import errors
from .graph import read_params, token_error
from .pipeline import GOOGLE_OAUTH, META, guarded
from .state import SandboxState
from .tokens import mint

YOUTUBE_SCOPE = "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly"


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _meta_token(state: SandboxState, platform: str, account: str) -> Response:
    seconds = state.settings.meta_token_seconds
    token = mint(
        state.settings.secret,
        platform=platform,
        account=account,
        kind="access",
        now=state.now(),
        expires_in=seconds,
    )
    return errors.json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": seconds}
    )


async def _ig_refresh(request: Request) -> Response:
    state, params = _state(request), await read_params(request)
    if params.get("grant_type") != "ig_refresh_token":
        return errors.meta_invalid_param("Unsupported grant_type: expected ig_refresh_token")
    claims, problem = state.check_token(params.get("access_token"), ("instagram",))
    if problem:
        return token_error(problem, claims, state.now())
    age = state.now() - claims.iat
    if age < state.settings.ig_refresh_min_age_seconds:
        # Not a dead token: a client must simply try again later, so not code 190.
        return errors.meta_invalid_param(
            "Invalid parameter: the access token is too new to be refreshed. Long-lived tokens "
            "can be refreshed once they are at least 24 hours old.",
            user_title="Token too new",
        )
    return _meta_token(state, "instagram", claims.account)


async def ig_refresh(request: Request) -> Response:
    return await guarded(request, "token_ig", META, _ig_refresh)


async def _fb_exchange(request: Request) -> Response:
    state, params = _state(request), await read_params(request)
    s = state.settings
    if params.get("grant_type") != "fb_exchange_token":
        return errors.meta_invalid_param("Unsupported grant_type: expected fb_exchange_token")
    if s.meta_app_id and params.get("client_id") != s.meta_app_id:
        return errors.meta_error(101, "Error validating application. Invalid application ID.")
    if s.meta_app_secret and params.get("client_secret") != s.meta_app_secret:
        return errors.meta_error(101, "Error validating client secret.")
    # An Instagram account reached through Facebook Login is exchanged here too.
    token = params.get("fb_exchange_token")
    claims, problem = state.check_token(token, ("facebook", "instagram"))
    if problem:
        return token_error(problem, claims, state.now())
    return _meta_token(state, claims.platform, claims.account)


async def fb_exchange(request: Request) -> Response:
    return await guarded(request, "token_fb", META, _fb_exchange)


async def _google_token(request: Request) -> Response:
    state, s = _state(request), _state(request).settings
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    if form.get("grant_type") == "authorization_code":  # a channel connecting
        from ..platforms.youtube.sandbox_oauth import authorization_code

        return authorization_code(request, form)
    if form.get("grant_type") != "refresh_token":
        return errors.oauth_error(
            400, "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}"
        )
    if s.google_client_id and form.get("client_id") != s.google_client_id:
        return errors.oauth_error(401, "invalid_client", "The OAuth client was not found.")
    if s.google_client_secret and form.get("client_secret") != s.google_client_secret:
        return errors.oauth_error(401, "invalid_client", "Unauthorized")
    claims, problem = state.check_token(form.get("refresh_token"), ("youtube",), kind="refresh")
    if problem:
        return errors.oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
    seconds = s.google_access_token_seconds
    token = mint(
        s.secret,
        platform="youtube",
        account=claims.account,
        kind="access",
        now=state.now(),
        expires_in=seconds,
    )
    body = {
        "access_token": token,
        "expires_in": seconds,
        "scope": YOUTUBE_SCOPE,
        "token_type": "Bearer",
    }
    return errors.json_response(body, headers={"Cache-Control": "no-store"})


async def google_token(request: Request) -> Response:
    return await guarded(request, "token_google", GOOGLE_OAUTH, _google_token)


ROUTES = [
    Route("/refresh_access_token", ig_refresh, methods=["GET"]),
    Route("/token", google_token, methods=["POST"]),
    Route("/o/oauth2/token", google_token, methods=["POST"]),  # the legacy Google path
]

"""Google's OAuth 2.0 for web server apps in the sandbox (YouTube's channels connect here):

  GET/POST /o/oauth2/v2/auth   the consent screen (sign in as a channel id); PKCE S256 or plain
  POST     /token              grant_type=authorization_code (here), refresh_token
                               (sandbox/token_routes.py, which hands the code grant to us)

Refusals are Google's: `{"error": ..., "error_description": ...}` with invalid_request,
invalid_client (401), invalid_grant ("Bad Request" for a used or expired code, "Invalid code
verifier." / "Missing code verifier." for PKCE) and redirect_uri_mismatch.
"""

from __future__ import annotations

import secrets
import string

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.oauth_consent import AuthorizationServer, authorize, client_check, redeem_form
from ...sandbox.pipeline import GOOGLE_OAUTH, guarded
from ...sandbox.token_routes import YOUTUBE_SCOPE
from ...sandbox.tokens import mint

PLATFORM = "youtube"
_ID_CHARS = string.ascii_letters + string.digits + "-_"


def _channel_id() -> str:
    return "UC" + "".join(secrets.choice(_ID_CHARS) for _ in range(22))


SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="Google",
    account_label="the YouTube channel id",
    new_account=_channel_id,
    check_client=client_check(
        lambda request: request.app.state.sandbox.settings.google_client_id,
        "Error 401: invalid_client. The OAuth client was not found.",
    ),
)


def _error(status: int, error: str, description: str) -> Response:
    return errors.oauth_error(status, error, description)


async def _authorize(request: Request) -> Response:
    return await authorize(request, SERVER)


def authorization_code(request: Request, form: dict[str, str]) -> Response:
    """The code grant of POST /token (its refresh grant is token_routes.py's)."""
    state, s = request.app.state.sandbox, request.app.state.sandbox.settings
    for name in ("code", "client_id", "redirect_uri"):
        if not form.get(name):
            return _error(400, "invalid_request", f"Missing required parameter: {name}")
    if s.google_client_id and form["client_id"] != s.google_client_id:
        return _error(401, "invalid_client", "The OAuth client was not found.")
    if not form.get("client_secret") or (
        s.google_client_secret and form["client_secret"] != s.google_client_secret
    ):
        return _error(401, "invalid_client", "Unauthorized")
    grant, problem = redeem_form(request, PLATFORM, form)
    if problem == "client":
        return _error(401, "invalid_client", "Unauthorized")
    if problem == "redirect_uri":
        return _error(400, "redirect_uri_mismatch", "Bad Request")
    if problem == "verifier":
        return _error(400, "invalid_grant", "Invalid code verifier.")
    if problem == "verifier_missing":
        return _error(400, "invalid_grant", "Missing code verifier.")
    if problem == "unknown":
        return _error(400, "invalid_grant", "Malformed auth code.")
    if problem or grant is None:
        return _error(400, "invalid_grant", "Bad Request")
    now, seconds = state.now(), s.google_access_token_seconds
    common = {"platform": PLATFORM, "account": grant.account, "now": now}
    body = {
        "access_token": mint(s.secret, kind="access", expires_in=seconds, **common),
        "expires_in": seconds,
        "refresh_token": mint(s.secret, kind="refresh", expires_in=None, **common),
        "scope": YOUTUBE_SCOPE,
        "token_type": "Bearer",
    }
    return errors.json_response(body, headers={"Cache-Control": "no-store"})


async def _authorize_route(request: Request) -> Response:
    return await guarded(request, "google_oauth_authorize", GOOGLE_OAUTH, _authorize)


ROUTES = [Route("/o/oauth2/v2/auth", _authorize_route, methods=["GET", "POST"])]

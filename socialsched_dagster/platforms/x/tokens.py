"""X token lifecycle: OAuth 2.0 with PKCE; access tokens live 2 hours and are renewed with
`POST /2/oauth2/token grant_type=refresh_token` (scope offline.access).

Refresh tokens ROTATE: every refresh answers a new one and the old one is spent, so the new one
must be stored with the new access token (tokens/refresher.py does both in one UPDATE, under a
per-account lock, so two workers never spend the same one). A spent, revoked or expired
refresh token is refused with HTTP 400 `invalid_request` "Value passed for the token was
invalid." (X's words; standard OAuth servers say `invalid_grant`, also understood): only the
user can fix that, by connecting the account again. Our own app's credentials being wrong or
missing (`unauthorized_client`, a missing client_id) is an operator's to fix, and everything
else (a network blip, a 5xx, a 429) may pass.
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
from ..http import json_or_none, redact
from ..token_refresh import (
    RefreshedToken,
    TokenRefreshError,
    send_refresh,
    token_from,
    unexpected_answer,
)
from .api import base_url
from .settings import XSettings

WHAT = "x token refresh"
_DEAD_TOKEN = "token was invalid"


def refresh_x(
    config: PlatformConfig,
    http: httpx.Client,
    refresh_token: str | None,
    settings: XSettings | None = None,
) -> RefreshedToken:
    if not refresh_token:
        raise TokenRefreshError(
            True, f"{WHAT}: the account has no refresh token (offline.access was not granted); "
            "connect the X account again",
        )  # fmt: skip
    settings = settings or XSettings.from_env()
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    auth = None
    if settings.client_id:
        form["client_id"] = settings.client_id
        if settings.client_secret:  # a confidential client authenticates with HTTP Basic
            auth = httpx.BasicAuth(settings.client_id, settings.client_secret)
    secrets = (refresh_token, settings.client_secret or "")
    url = f"{base_url(config)}/2/oauth2/token"
    response = send_refresh(http, WHAT, secrets, "POST", url, data=form, auth=auth)
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("access_token"):
        return token_from(body)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and response.status_code < 500 and response.status_code != 429:
        description = str(body.get("error_description") or error)
        message = f"{WHAT}: {redact(description, secrets)}"
        if error == "invalid_grant" or (error == "invalid_request" and _DEAD_TOKEN in description):
            raise TokenRefreshError(True, f"{message}; connect the X account again", error)
        # Our app's credentials or request: not the user's to fix, nor permanent.
        raise TokenRefreshError(False, message, "config")
    raise TokenRefreshError(
        False, unexpected_answer(WHAT, response, secrets), str(response.status_code)
    )

"""LinkedIn token lifecycle: access tokens last 60 days. Approved partner apps also get a
refresh token that lasts 365 days from the first authorization, fixed: renewing with it
(`POST https://www.linkedin.com/oauth/v2/accessToken`, `grant_type=refresh_token` and the
app's client id and secret) gives a new 60-day access token (never past the refresh token's
end) and leaves the refresh token as it is. An account without one cannot be renewed: the
token sweep holds it before expiry, and only connecting it again helps.
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
from ..http import json_or_none, redact
from ..token_refresh import RefreshedToken, TokenRefreshError, send_refresh, unexpected_answer
from .api import DEFAULT_BASE_URL, base_url
from .settings import LinkedInSettings

WHAT = "linkedin token refresh"
NO_REFRESH_TOKEN = (
    "LinkedIn access tokens last 60 days and this account has no refresh token (LinkedIn "
    "issues them only to approved partner apps): connect the account again before it expires"
)


def refresh_linkedin(
    config: PlatformConfig,
    http: httpx.Client,
    access_token: str,
    refresh_token: str | None,
    settings: LinkedInSettings | None = None,
) -> RefreshedToken:
    if not refresh_token:
        raise TokenRefreshError(True, NO_REFRESH_TOKEN, "no_refresh_token")
    settings = settings or LinkedInSettings.from_env()
    if not settings.client_id or not settings.client_secret:
        raise TokenRefreshError(
            False,
            "SOCIALSCHED_LINKEDIN_CLIENT_ID and SOCIALSCHED_LINKEDIN_CLIENT_SECRET are needed to "
            "renew LinkedIn tokens",
            "config",
        )
    secrets = (refresh_token, settings.client_secret, access_token)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
    }
    url = settings.token_url(base_url(config), DEFAULT_BASE_URL)
    response = send_refresh(http, WHAT, secrets, "POST", url, data=form)
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("access_token"):
        expires = body.get("expires_in")
        return RefreshedToken(
            access_token=str(body["access_token"]),
            expires_in=int(expires) if isinstance(expires, (int, float)) else None,
            # LinkedIn answers the same refresh token: keeping the stored one changes nothing.
            refresh_token=None,
        )
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        message = redact(str(body.get("error_description") or error), secrets)
        # The grant itself is dead (expired after 365 days, revoked): only the member can fix
        # it. A bad client id or secret is the operator's to fix, and a 5xx may pass.
        dead = error in ("invalid_request", "invalid_grant") and "refresh token" in message
        if dead:
            message += "; connect the LinkedIn account again"
        return _raise(dead, f"{WHAT}: {message}", error)
    return _raise(False, unexpected_answer(WHAT, response, secrets), str(response.status_code))


def _raise(permanent: bool, message: str, code: str | None) -> RefreshedToken:
    raise TokenRefreshError(permanent, message, code)

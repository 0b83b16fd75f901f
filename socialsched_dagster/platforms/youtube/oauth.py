"""Connecting a YouTube channel: Google's OAuth 2.0 for web server apps, with PKCE.

1. `https://accounts.google.com/o/oauth2/v2/auth` with client_id, redirect_uri,
   response_type=code, the YouTube scopes, access_type=offline (a refresh token) and
   prompt=consent (Google gives the refresh token again only when asked to consent again),
   state, code_challenge and code_challenge_method=S256.
2. `POST https://oauth2.googleapis.com/token` (form: code, client_id, client_secret,
   redirect_uri, grant_type=authorization_code, code_verifier): an access token of about an
   hour and the refresh token, which token_refresh.refresh_google renews it with.
3. `GET youtube/v3/channels?part=id,snippet&mine=true`: the channel (its id, and customUrl,
   the @handle).

Against a configured token URL (the sandbox's /token), the consent page is at
`<its origin>/o/oauth2/v2/auth`.
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
from ..oauth_provider import (
    AppClient,
    Authorization,
    CodeGrant,
    Connected,
    ConnectError,
    OAuthConnect,
    client_if,
    code_form,
    code_request,
    origin,
    redeem_then_ask,
    seconds,
    text_field,
)

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
)
WHAT = "youtube connect"


def consent_url(config: PlatformConfig) -> str:
    token_url = config.google_token_url
    if token_url.rstrip("/") == GOOGLE_TOKEN_URL:
        return AUTHORIZE_URL
    return f"{origin(token_url)}/o/oauth2/v2/auth"


def shared_client(config: PlatformConfig) -> AppClient | None:
    return client_if(config.google_client_id, config.google_client_secret)


def authorize_url(a: Authorization) -> str:
    return code_request(
        consent_url(a.config), a, " ".join(SCOPES),
        access_type="offline", prompt="consent", include_granted_scopes="true",
    )  # fmt: skip


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    form = code_form(g, code_verifier=g.code_verifier or "")
    channels_url = f"{g.config.youtube_api_base_url.rstrip('/')}/youtube/v3/channels"
    tokens, token, refresh, channels = redeem_then_ask(
        http, WHAT, g, g.config.google_token_url, channels_url, form,
        params={"part": "id,snippet", "mine": "true"},
    )  # fmt: skip
    items = channels.get("items")
    channel = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
    if channel is None:
        raise ConnectError(
            "this Google account has no YouTube channel: create one, then connect again"
        )
    channel_id = text_field(channel, "id", WHAT)
    snippet = channel.get("snippet") if isinstance(channel.get("snippet"), dict) else {}
    handle = str(snippet.get("customUrl") or "").lstrip("@") or channel_id
    if not refresh:
        raise ConnectError(
            f"{WHAT}: Google gave no refresh token (offline access was not granted); "
            "connect again and allow access"
        )
    return Connected(
        external_id=channel_id,
        handle=handle,
        access_token=token,
        refresh_token=refresh,
        expires_in=seconds(tokens.get("expires_in")),
    )


# What the user is told to set up when no client is configured.
CLIENT_HELP = (
    "set SOCIALSCHED_GOOGLE_CLIENT_ID and SOCIALSCHED_GOOGLE_CLIENT_SECRET (a "
    "Google OAuth client of type Web application)"
)


def connector() -> OAuthConnect:
    return OAuthConnect(SCOPES, True, authorize_url, redeem, shared_client, client_help=CLIENT_HELP)

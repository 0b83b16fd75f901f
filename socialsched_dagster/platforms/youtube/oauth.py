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
    answer,
    call,
    origin,
    seconds,
    text_field,
    with_query,
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


def authorize_url(a: Authorization) -> str:
    return with_query(
        consent_url(a.config),
        {
            "client_id": a.client.client_id,
            "redirect_uri": a.redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": a.state,
            "code_challenge": a.code_challenge,
            "code_challenge_method": "S256",
        },
    )


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    form = {
        "code": g.code,
        "client_id": g.client.client_id,
        "client_secret": g.client.client_secret or "",
        "redirect_uri": g.redirect_uri,
        "grant_type": "authorization_code",
        "code_verifier": g.code_verifier or "",
    }
    url = g.config.google_token_url
    tokens = answer(call(http, WHAT, g.secrets, "POST", url, data=form), WHAT, g.secrets)
    token = text_field(tokens, "access_token", WHAT)
    refresh = tokens.get("refresh_token")
    secrets = (*g.secrets, token, str(refresh or ""))
    channels = answer(
        call(
            http, WHAT, secrets, "GET",
            f"{g.config.youtube_api_base_url.rstrip('/')}/youtube/v3/channels",
            params={"part": "id,snippet", "mine": "true"},
            headers={"Authorization": f"Bearer {token}"},
        ),
        WHAT,
        secrets,
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
        refresh_token=str(refresh),
        expires_in=seconds(tokens.get("expires_in")),
    )


def shared_client(config: PlatformConfig) -> AppClient | None:
    if config.google_client_id:
        return AppClient(config.google_client_id, config.google_client_secret)
    return None


def connector() -> OAuthConnect:
    return OAuthConnect(
        scopes=SCOPES,
        pkce=True,
        authorize_url=authorize_url,
        redeem=redeem,
        shared_client=shared_client,
        client_help="set SOCIALSCHED_GOOGLE_CLIENT_ID and SOCIALSCHED_GOOGLE_CLIENT_SECRET (a "
        "Google OAuth client of type Web application)",
    )

"""Connecting an X account: OAuth 2.0 Authorization Code Flow with PKCE (X requires PKCE).

1. `https://x.com/i/oauth2/authorize` with response_type=code, client_id, redirect_uri, scope
   (tweet.read tweet.write users.read media.write offline.access), state, code_challenge and
   code_challenge_method=S256. The code is valid for 30 seconds.
2. `POST https://api.x.com/2/oauth2/token` (form: code, grant_type=authorization_code,
   client_id, redirect_uri, code_verifier; a confidential client also authenticates with HTTP
   Basic): a 2-hour token and, for offline.access, a refresh token (tokens.refresh_x rotates it).
3. `GET /2/users/me`: the user's id and username.

Against a configured X base (the sandbox's /x), the authorize page is `<base>/i/oauth2/authorize`.
"""

from __future__ import annotations

import httpx

from ..oauth_provider import (
    Authorization,
    CodeGrant,
    Connected,
    OAuthConnect,
    answer,
    call,
    seconds,
    text_field,
    with_query,
)
from .api import DEFAULT_BASE_URL, base_url

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
WHAT = "x connect"


def authorize_url(a: Authorization) -> str:
    base = base_url(a.config)
    url = AUTHORIZE_URL if base == DEFAULT_BASE_URL else f"{base}/i/oauth2/authorize"
    return with_query(
        url,
        {
            "response_type": "code",
            "client_id": a.client.client_id,
            "redirect_uri": a.redirect_uri,
            "scope": " ".join(SCOPES),
            "state": a.state,
            "code_challenge": a.code_challenge,
            "code_challenge_method": "S256",
        },
    )


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    base = base_url(g.config)
    form = {
        "code": g.code,
        "grant_type": "authorization_code",
        "client_id": g.client.client_id,
        "redirect_uri": g.redirect_uri,
        "code_verifier": g.code_verifier or "",
    }
    auth = None
    if g.client.client_secret:  # a confidential client
        auth = httpx.BasicAuth(g.client.client_id, g.client.client_secret)
    url = f"{base}/2/oauth2/token"
    tokens = answer(call(http, WHAT, g.secrets, "POST", url, data=form, auth=auth), WHAT, g.secrets)
    token = text_field(tokens, "access_token", WHAT)
    refresh = tokens.get("refresh_token")
    secrets = (*g.secrets, token, str(refresh or ""))
    me = answer(
        call(
            http, WHAT, secrets, "GET", f"{base}/2/users/me",
            headers={"Authorization": f"Bearer {token}"},
        ),
        WHAT,
        secrets,
    )  # fmt: skip
    user = me.get("data") if isinstance(me.get("data"), dict) else {}
    user_id = text_field(user, "id", WHAT)
    return Connected(
        external_id=user_id,
        handle=str(user.get("username") or user_id),
        access_token=token,
        refresh_token=str(refresh) if refresh else None,
        expires_in=seconds(tokens.get("expires_in")),
    )


def connector() -> OAuthConnect:
    return OAuthConnect(
        scopes=SCOPES,
        pkce=True,
        authorize_url=authorize_url,
        redeem=redeem,
        client_help="set SOCIALSCHED_X_CLIENT_ID (and SOCIALSCHED_X_CLIENT_SECRET for a "
        "confidential client) from the X developer console's OAuth 2.0 settings",
    )

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
    CodeGrant,
    Connected,
    OAuthConnect,
    authorize_beside,
    code_form,
    redeem_then_ask,
    seconds,
    text_field,
)
from .api import DEFAULT_BASE_URL, base_url

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
WHAT = "x connect"


authorize_url = authorize_beside(
    base_url, DEFAULT_BASE_URL, AUTHORIZE_URL, "/i/oauth2/authorize", " ".join(SCOPES)
)


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    base = base_url(g.config)
    form = code_form(g, secret=False, code_verifier=g.code_verifier or "")
    auth = None
    if g.client.client_secret:  # a confidential client
        auth = httpx.BasicAuth(g.client.client_id, g.client.client_secret)
    url = f"{base}/2/oauth2/token"
    me_url = f"{base}/2/users/me"
    tokens, token, refresh, me = redeem_then_ask(http, WHAT, g, url, me_url, form, auth)
    user = me.get("data") if isinstance(me.get("data"), dict) else {}
    user_id = text_field(user, "id", WHAT)
    handle, expires_in = str(user.get("username") or user_id), seconds(tokens.get("expires_in"))
    return Connected(user_id, handle, token, refresh, expires_in)


# What the user is told to set up when no client is configured.
CLIENT_HELP = (
    "set SOCIALSCHED_X_CLIENT_ID (and SOCIALSCHED_X_CLIENT_SECRET for a "
    "confidential client) from the X developer console's OAuth 2.0 settings"
)


def connector() -> OAuthConnect:
    return OAuthConnect(SCOPES, True, authorize_url, redeem, client_help=CLIENT_HELP)

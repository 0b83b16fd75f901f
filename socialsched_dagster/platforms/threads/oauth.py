"""Connecting a Threads account: the Threads API's authorization window and token endpoints.

1. `https://threads.net/oauth/authorize` with client_id, redirect_uri, scope (threads_basic,
   threads_content_publish), response_type=code and state. No PKCE: the code is redeemed with
   the app secret.
2. `POST graph.threads.net/oauth/access_token` (form: client_id, client_secret, code,
   grant_type=authorization_code, redirect_uri): a short-lived token (1 hour) and user_id.
3. `GET graph.threads.net/access_token?grant_type=th_exchange_token`: the 60-day token, which
   tokens.refresh_threads renews.
4. `GET graph.threads.net/v1.0/me?fields=id,username`: who it is.

Against a configured Threads base (the sandbox's /threads), the window is `<base>/oauth/authorize`.
"""

from __future__ import annotations

import httpx

from ..oauth_provider import (
    CodeGrant,
    Connected,
    OAuthConnect,
    authorize_beside,
    fetch,
    seconds,
    short_then_long,
    text_field,
)
from .api import API_VERSION, DEFAULT_BASE_URL, base_url

AUTHORIZE_URL = "https://threads.net/oauth/authorize"
SCOPES = ("threads_basic", "threads_content_publish")
WHAT = "threads connect"


authorize_url = authorize_beside(
    base_url, DEFAULT_BASE_URL, AUTHORIZE_URL, "/oauth/authorize", ",".join(SCOPES)
)


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    base = base_url(g.config)
    long, token, secrets = short_then_long(
        http, WHAT, g, f"{base}/oauth/access_token", f"{base}/access_token", "th_exchange_token"
    )
    params = {"fields": "id,username", "access_token": token}
    me = fetch(http, WHAT, secrets, "GET", f"{base}/{API_VERSION}/me", params=params)
    user_id = text_field(me, "id", WHAT)
    expires_in = seconds(long.get("expires_in"))
    return Connected(user_id, str(me.get("username") or user_id), token, expires_in=expires_in)


# What the user is told to set up when no client is configured.
CLIENT_HELP = (
    "set SOCIALSCHED_THREADS_CLIENT_ID and SOCIALSCHED_THREADS_CLIENT_SECRET "
    "(the Threads app ID and secret)"
)


def connector() -> OAuthConnect:
    return OAuthConnect(SCOPES, False, authorize_url, redeem, client_help=CLIENT_HELP)

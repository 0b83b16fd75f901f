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
from .api import API_VERSION, DEFAULT_BASE_URL, base_url

AUTHORIZE_URL = "https://threads.net/oauth/authorize"
SCOPES = ("threads_basic", "threads_content_publish")
WHAT = "threads connect"


def authorize_url(a: Authorization) -> str:
    base = base_url(a.config)
    url = AUTHORIZE_URL if base == DEFAULT_BASE_URL else f"{base}/oauth/authorize"
    return with_query(
        url,
        {
            "client_id": a.client.client_id,
            "redirect_uri": a.redirect_uri,
            "scope": ",".join(SCOPES),
            "response_type": "code",
            "state": a.state,
        },
    )


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    base = base_url(g.config)
    form = {
        "client_id": g.client.client_id,
        "client_secret": g.client.client_secret or "",
        "code": g.code,
        "grant_type": "authorization_code",
        "redirect_uri": g.redirect_uri,
    }
    url = f"{base}/oauth/access_token"
    short = answer(call(http, WHAT, g.secrets, "POST", url, data=form), WHAT, g.secrets)
    short_token = text_field(short, "access_token", WHAT)
    secrets = (*g.secrets, short_token)
    params = {
        "grant_type": "th_exchange_token",
        "client_secret": g.client.client_secret or "",
        "access_token": short_token,
    }
    long = answer(
        call(http, WHAT, secrets, "GET", f"{base}/access_token", params=params), WHAT, secrets
    )
    token = text_field(long, "access_token", WHAT)
    secrets = (*secrets, token)
    me = answer(
        call(
            http, WHAT, secrets, "GET", f"{base}/{API_VERSION}/me",
            params={"fields": "id,username", "access_token": token},
        ),
        WHAT,
        secrets,
    )  # fmt: skip
    user_id = text_field(me, "id", WHAT)
    return Connected(
        external_id=user_id,
        handle=str(me.get("username") or user_id),
        access_token=token,
        expires_in=seconds(long.get("expires_in")),
    )


def connector() -> OAuthConnect:
    return OAuthConnect(
        scopes=SCOPES,
        pkce=False,
        authorize_url=authorize_url,
        redeem=redeem,
        client_help="set SOCIALSCHED_THREADS_CLIENT_ID and SOCIALSCHED_THREADS_CLIENT_SECRET "
        "(the Threads app ID and secret)",
    )

"""Connecting an Instagram professional account: Business Login for Instagram (the Instagram
API with Instagram Login), whose tokens are the ones our token sweep renews
(`ig_refresh_token` on graph.instagram.com, token_refresh.refresh_instagram).

1. The authorization window, `https://www.instagram.com/oauth/authorize` with client_id,
   redirect_uri, response_type=code, the instagram_business_* scopes and state. No PKCE: the
   code is redeemed with the app secret.
2. `POST https://api.instagram.com/oauth/access_token` (form: client_id, client_secret,
   grant_type=authorization_code, redirect_uri, code): a short-lived token (1 hour) and the
   user_id, as `{"data": [{...}]}` or flat.
3. `GET graph.instagram.com/access_token?grant_type=ig_exchange_token`: the 60-day token.
4. `GET graph.instagram.com/{version}/me?fields=user_id,username`: who it is.

Against a configured Instagram base (the sandbox), the two www./api.instagram.com endpoints
are at `<base>/instagram/oauth/...`, beside graph.instagram.com's.
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
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

DEFAULT_BASE = "https://graph.instagram.com"
AUTHORIZE_URL = "https://www.instagram.com/oauth/authorize"
TOKEN_URL = "https://api.instagram.com/oauth/access_token"
SCOPES = ("instagram_business_basic", "instagram_business_content_publish")
WHAT = "instagram connect"


def _base(config: PlatformConfig) -> str:
    return config.instagram_base_url.rstrip("/")


def _login_url(config: PlatformConfig, production: str, path: str) -> str:
    base = _base(config)
    return production if base == DEFAULT_BASE else f"{base}/instagram/oauth/{path}"


def authorize_url(a: Authorization) -> str:
    return with_query(
        _login_url(a.config, AUTHORIZE_URL, "authorize"),
        {
            "client_id": a.client.client_id,
            "redirect_uri": a.redirect_uri,
            "response_type": "code",
            "scope": ",".join(SCOPES),
            "state": a.state,
        },
    )


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    form = {
        "client_id": g.client.client_id,
        "client_secret": g.client.client_secret or "",
        "grant_type": "authorization_code",
        "redirect_uri": g.redirect_uri,
        "code": g.code,
    }
    url = _login_url(g.config, TOKEN_URL, "access_token")
    body = answer(call(http, WHAT, g.secrets, "POST", url, data=form), WHAT, g.secrets)
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        body = data[0]  # the current shape; older answers are flat
    short = text_field(body, "access_token", WHAT)
    secrets = (*g.secrets, short)
    params = {
        "grant_type": "ig_exchange_token",
        "client_secret": g.client.client_secret or "",
        "access_token": short,
    }
    base = _base(g.config)
    long = answer(
        call(http, WHAT, secrets, "GET", f"{base}/access_token", params=params), WHAT, secrets
    )
    token = text_field(long, "access_token", WHAT)
    secrets = (*secrets, token)
    me = answer(
        call(
            http, WHAT, secrets, "GET", f"{base}/{g.config.graph_version}/me",
            params={"fields": "user_id,username", "access_token": token},
        ),
        WHAT,
        secrets,
    )  # fmt: skip
    user_id = str(me.get("user_id") or text_field(me, "id", WHAT))
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
        client_help="set SOCIALSCHED_INSTAGRAM_CLIENT_ID and SOCIALSCHED_INSTAGRAM_CLIENT_SECRET "
        "(the Instagram app ID and secret of Business Login for Instagram)",
    )

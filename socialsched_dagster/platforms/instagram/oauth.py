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
    code_request,
    fetch,
    seconds,
    short_then_long,
    text_field,
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
    return code_request(_login_url(a.config, AUTHORIZE_URL, "authorize"), a, ",".join(SCOPES))


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    url, base = _login_url(g.config, TOKEN_URL, "access_token"), _base(g.config)
    long, token, secrets = short_then_long(
        http, WHAT, g, url, f"{base}/access_token", "ig_exchange_token", _first_item
    )
    me_url, fields = f"{base}/{g.config.graph_version}/me", "user_id,username"
    me = fetch(http, WHAT, secrets, "GET", me_url, params={"fields": fields, "access_token": token})
    user_id = str(me.get("user_id") or text_field(me, "id", WHAT))
    handle, expires_in = str(me.get("username") or user_id), seconds(long.get("expires_in"))
    return Connected(user_id, handle, token, expires_in=expires_in)


def _first_item(body: dict) -> dict:
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]  # the current shape; older answers are flat
    return body


# What the user is told to set up when no client is configured.
CLIENT_HELP = (
    "set SOCIALSCHED_INSTAGRAM_CLIENT_ID and SOCIALSCHED_INSTAGRAM_CLIENT_SECRET "
    "(the Instagram app ID and secret of Business Login for Instagram)"
)


def connector() -> OAuthConnect:
    return OAuthConnect(SCOPES, False, authorize_url, redeem, client_help=CLIENT_HELP)

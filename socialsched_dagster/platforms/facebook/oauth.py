"""Connecting a Facebook Page: Facebook Login, the manually built flow.

1. The Login dialog, `https://www.facebook.com/{version}/dialog/oauth` with client_id,
   redirect_uri, state, response_type=code and the Page permissions. Facebook's PKCE is part of
   its OIDC flow, still "in testing", so this flow authenticates with the app secret instead.
2. `GET graph.facebook.com/{version}/oauth/access_token` with client_id, client_secret,
   redirect_uri and the code: a short-lived user token.
3. The exchange for a long-lived user token (`fb_exchange_token`, token_refresh.py's
   exchange_facebook, as the token sweep does it).
4. `GET /me/accounts`: the Pages the person granted, each with a Page token. A Page token got
   from a long-lived user token has no expiry. The first Page granted is connected: grant one
   Page per connect.
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
from ..graph_api import appsecret_proof
from ..oauth_provider import (
    AppClient,
    Authorization,
    CodeGrant,
    Connected,
    ConnectError,
    OAuthConnect,
    client_if,
    code_request,
    fetch,
    handle_from_name,
    text_field,
)
from ..token_refresh import TokenRefreshError, exchange_facebook

DEFAULT_GRAPH = "https://graph.facebook.com"
DIALOG_HOST = "https://www.facebook.com"
SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_posts", "business_management")
WHAT = "facebook connect"


def dialog_url(config: PlatformConfig) -> str:
    """www.facebook.com's dialog; beside the Graph base where that is configured (sandbox)."""
    graph = config.graph_base_url.rstrip("/")
    host = DIALOG_HOST if graph == DEFAULT_GRAPH else graph
    return f"{host}/{config.graph_version}/dialog/oauth"


def shared_client(config: PlatformConfig) -> AppClient | None:
    return client_if(config.meta_app_id, config.meta_app_secret)


def authorize_url(a: Authorization) -> str:
    return code_request(dialog_url(a.config), a, ",".join(SCOPES))


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    params = {
        "client_id": g.client.client_id,
        "client_secret": g.client.client_secret or "",
        "redirect_uri": g.redirect_uri,
        "code": g.code,
    }
    url = f"{g.config.graph_url}/oauth/access_token"
    short = fetch(http, WHAT, g.secrets, "GET", url, params=params)
    user_token = text_field(short, "access_token", WHAT)
    app = g.config.replace(meta_app_id=g.client.client_id, meta_app_secret=g.client.client_secret)
    try:
        user_token = exchange_facebook(app, http, user_token).access_token
    except TokenRefreshError as exc:
        raise ConnectError(f"{WHAT}: {exc.message}", exc.code) from None
    secrets = (*g.secrets, user_token)
    fields = {"fields": "id,name,username,access_token", "access_token": user_token}
    if g.client.client_secret:
        fields["appsecret_proof"] = appsecret_proof(g.client.client_secret, user_token)
    pages = fetch(http, WHAT, secrets, "GET", f"{g.config.graph_url}/me/accounts", params=fields)
    data = pages.get("data")
    page = next((p for p in data if isinstance(p, dict)), None) if isinstance(data, list) else None
    if page is None:
        raise ConnectError(
            "no Facebook Page was granted: connect again and choose the Page to publish to"
        )
    page_id = text_field(page, "id", WHAT)
    name = str(page.get("username") or page.get("name") or "")
    return Connected(
        external_id=page_id,
        handle=handle_from_name(name, page_id),
        access_token=text_field(page, "access_token", WHAT),
        expires_in=None,  # a Page token from a long-lived user token does not expire
    )


# What the user is told to set up when no client is configured.
CLIENT_HELP = (
    "set SOCIALSCHED_META_APP_ID and SOCIALSCHED_META_APP_SECRET (the Meta app "
    "with Facebook Login for Business)"
)


def connector() -> OAuthConnect:
    return OAuthConnect(
        SCOPES, False, authorize_url, redeem, shared_client, client_help=CLIENT_HELP
    )

"""Connecting a Mastodon account on the instance the user names.

1. Our app is registered on the instance once: `POST /api/v1/apps` (client_name,
   redirect_uris, scopes, website) answers client_id and client_secret; the flow keeps them.
2. `GET /oauth/authorize` with response_type=code, client_id, redirect_uri, scope, state,
   code_challenge and code_challenge_method=S256 (Mastodon 4.3 and later check PKCE).
3. `POST /oauth/token` (form: grant_type=authorization_code, code, client_id, client_secret,
   redirect_uri, code_verifier): a token that does not expire.
4. `GET /api/v1/accounts/verify_credentials`: the account's id and username.
"""

from __future__ import annotations

import httpx

from ..oauth_provider import (
    AppClient,
    Authorization,
    CodeGrant,
    Connected,
    OAuthConnect,
    code_form,
    code_request,
    fetch,
    redeem_then_ask,
    text_field,
)

SCOPES = ("read:accounts", "read:statuses", "write:statuses", "write:media")
APP_NAME = "socialsched"
WEBSITE = "https://github.com/socialsched/socialsched-dagster"
WHAT = "mastodon connect"


def register_client(http: httpx.Client, server: str, redirect_uri: str) -> AppClient:
    form = {
        "client_name": APP_NAME,
        "redirect_uris": redirect_uri,
        "scopes": " ".join(SCOPES),
        "website": WEBSITE,
    }
    what = f"{WHAT}: registering the app on {server}"
    app = fetch(http, what, (), "POST", f"{server}/api/v1/apps", data=form)
    secret = app.get("client_secret")
    return AppClient(text_field(app, "client_id", what), str(secret) if secret else None)


def authorize_url(a: Authorization) -> str:
    return code_request(f"{a.server_url}/oauth/authorize", a, " ".join(SCOPES))


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    form = code_form(g, code_verifier=g.code_verifier or "", scope=" ".join(SCOPES))
    url = f"{g.server_url}/oauth/token"
    me_url = f"{g.server_url}/api/v1/accounts/verify_credentials"
    _, token, _, me = redeem_then_ask(http, WHAT, g, url, me_url, form)
    account_id = text_field(me, "id", WHAT)
    handle = str(me.get("username") or me.get("acct") or account_id)
    return Connected(account_id, handle, token)  # a Mastodon token does not expire


def connector() -> OAuthConnect:
    return OAuthConnect(SCOPES, True, authorize_url, redeem, register_client=register_client)

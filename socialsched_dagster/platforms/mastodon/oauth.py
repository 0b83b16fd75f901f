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
    answer,
    call,
    text_field,
    with_query,
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
    app = answer(call(http, what, (), "POST", f"{server}/api/v1/apps", data=form), what, ())
    secret = app.get("client_secret")
    return AppClient(text_field(app, "client_id", what), str(secret) if secret else None)


def authorize_url(a: Authorization) -> str:
    return with_query(
        f"{a.server_url}/oauth/authorize",
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
    form = {
        "grant_type": "authorization_code",
        "code": g.code,
        "client_id": g.client.client_id,
        "client_secret": g.client.client_secret or "",
        "redirect_uri": g.redirect_uri,
        "code_verifier": g.code_verifier or "",
        "scope": " ".join(SCOPES),
    }
    url = f"{g.server_url}/oauth/token"
    tokens = answer(call(http, WHAT, g.secrets, "POST", url, data=form), WHAT, g.secrets)
    token = text_field(tokens, "access_token", WHAT)
    secrets = (*g.secrets, token)
    me = answer(
        call(
            http, WHAT, secrets, "GET", f"{g.server_url}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token}"},
        ),
        WHAT,
        secrets,
    )  # fmt: skip
    account_id = text_field(me, "id", WHAT)
    return Connected(
        external_id=account_id,
        handle=str(me.get("username") or me.get("acct") or account_id),
        access_token=token,
    )


def connector() -> OAuthConnect:
    return OAuthConnect(
        scopes=SCOPES,
        pkce=True,
        authorize_url=authorize_url,
        redeem=redeem,
        register_client=register_client,
    )

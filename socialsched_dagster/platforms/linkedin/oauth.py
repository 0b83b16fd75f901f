"""Connecting a LinkedIn member: LinkedIn's 3-legged OAuth (authorization code flow).

1. `https://www.linkedin.com/oauth/v2/authorization` with response_type=code, client_id,
   redirect_uri, state and scope (openid profile w_member_social). LinkedIn takes PKCE from
   native apps only; a web app redeems the code with its secret.
2. `POST https://www.linkedin.com/oauth/v2/accessToken` (form: grant_type=authorization_code,
   code, client_id, client_secret, redirect_uri): a 60-day token, and for approved partner
   apps a refresh token (tokens.refresh_linkedin renews with it).
3. `GET api.linkedin.com/v2/userinfo` (Sign In with LinkedIn using OpenID Connect): `sub`, the
   member's id; the account is the author URN urn:li:person:<sub>.

Against a configured LinkedIn base (the sandbox's /linkedin), both www.linkedin.com endpoints
are beside it, as settings.LinkedInSettings.token_url has it.
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
    handle_from_name,
    seconds,
    text_field,
    with_query,
)
from .api import DEFAULT_BASE_URL, base_url
from .settings import LinkedInSettings

AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
SCOPES = ("openid", "profile", "w_member_social")
WHAT = "linkedin connect"


def authorize_url(a: Authorization) -> str:
    base = base_url(a.config)
    url = AUTHORIZE_URL if base == DEFAULT_BASE_URL else f"{base}/oauth/v2/authorization"
    return with_query(
        url,
        {
            "response_type": "code",
            "client_id": a.client.client_id,
            "redirect_uri": a.redirect_uri,
            "state": a.state,
            "scope": " ".join(SCOPES),
        },
    )


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    base = base_url(g.config)
    form = {
        "grant_type": "authorization_code",
        "code": g.code,
        "client_id": g.client.client_id,
        "client_secret": g.client.client_secret or "",
        "redirect_uri": g.redirect_uri,
    }
    url = LinkedInSettings.from_env({}).token_url(base, DEFAULT_BASE_URL)
    tokens = answer(call(http, WHAT, g.secrets, "POST", url, data=form), WHAT, g.secrets)
    token = text_field(tokens, "access_token", WHAT)
    refresh = tokens.get("refresh_token")
    secrets = (*g.secrets, token, str(refresh or ""))
    me = answer(
        call(
            http, WHAT, secrets, "GET", f"{base}/v2/userinfo",
            headers={"Authorization": f"Bearer {token}"},
        ),
        WHAT,
        secrets,
    )  # fmt: skip
    sub = text_field(me, "sub", WHAT)
    return Connected(
        external_id=f"urn:li:person:{sub}",
        handle=handle_from_name(str(me.get("name") or ""), sub),
        access_token=token,
        refresh_token=str(refresh) if refresh else None,
        expires_in=seconds(tokens.get("expires_in")),
    )


def connector() -> OAuthConnect:
    return OAuthConnect(
        scopes=SCOPES,
        pkce=False,
        authorize_url=authorize_url,
        redeem=redeem,
        client_help="set SOCIALSCHED_LINKEDIN_CLIENT_ID and SOCIALSCHED_LINKEDIN_CLIENT_SECRET",
    )

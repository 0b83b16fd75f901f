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
    CodeGrant,
    Connected,
    OAuthConnect,
    authorize_beside,
    handle_from_name,
    redeem_then_ask,
    seconds,
    text_field,
)
from .api import DEFAULT_BASE_URL, base_url
from .settings import LinkedInSettings

AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
SCOPES = ("openid", "profile", "w_member_social")
WHAT = "linkedin connect"


authorize_url = authorize_beside(
    base_url, DEFAULT_BASE_URL, AUTHORIZE_URL, "/oauth/v2/authorization", " ".join(SCOPES)
)


def redeem(http: httpx.Client, g: CodeGrant) -> Connected:
    base = base_url(g.config)
    url = LinkedInSettings.from_env({}).token_url(base, DEFAULT_BASE_URL)
    tokens, token, refresh, me = redeem_then_ask(http, WHAT, g, url, f"{base}/v2/userinfo")
    sub = text_field(me, "sub", WHAT)
    handle = handle_from_name(str(me.get("name") or ""), sub)
    expires_in = seconds(tokens.get("expires_in"))
    return Connected(f"urn:li:person:{sub}", handle, token, refresh, expires_in)


def connector() -> OAuthConnect:
    help_ = "set SOCIALSCHED_LINKEDIN_CLIENT_ID and SOCIALSCHED_LINKEDIN_CLIENT_SECRET"
    return OAuthConnect(SCOPES, False, authorize_url, redeem, client_help=help_)

"""Threads token lifecycle: long-lived tokens last 60 days and are renewed with
`GET /refresh_access_token?grant_type=th_refresh_token&access_token=..` once at least 24 h
old and not yet expired (the host's root, no version). An expired or revoked token cannot be
renewed (Graph code 190): only the user can, by connecting the account again. Everything else
(too young, a network blip, a 5xx) may pass.
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
from ..token_refresh import RefreshedToken, meta_result, send_refresh
from .api import base_url

WHAT = "threads token refresh"


def refresh_threads(
    config: PlatformConfig, http: httpx.Client, access_token: str
) -> RefreshedToken:
    # The token rides in the query string, as Threads requires here; http.py keeps query
    # strings out of httpx's log lines and nothing here quotes the URL.
    url = f"{base_url(config)}/refresh_access_token"
    params = {"grant_type": "th_refresh_token", "access_token": access_token}
    secrets = (access_token,)
    response = send_refresh(http, WHAT, secrets, "GET", url, params=params)
    return meta_result(response, WHAT, secrets, "; connect the Threads account again")

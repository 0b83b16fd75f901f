"""Threads token lifecycle: long-lived tokens last 60 days and are renewed with
`GET /refresh_access_token?grant_type=th_refresh_token&access_token=..` once at least 24 h
old and not yet expired (the host's root, no version). An expired or revoked token cannot be
renewed (Graph code 190): only the user can, by connecting the account again. Everything else
(too young, a network blip, a 5xx) may pass.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..config import PlatformConfig
from ..http import excerpt, json_or_none, redact
from ..token_refresh import RefreshedToken, TokenRefreshError
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
    try:
        response = http.get(url, params=params)
    except httpx.TransportError as exc:
        detail = redact(str(exc), secrets)
        raise TokenRefreshError(False, f"{WHAT}: {type(exc).__name__} {detail}".strip()) from exc
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("access_token"):
        return _token(body)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, subcode = error.get("code"), error.get("error_subcode")
        code_text = str(code) if subcode is None else f"{code}/{subcode}"
        message = redact(str(error.get("message") or "Graph error"), secrets)
        if code == 190:
            raise TokenRefreshError(
                True, f"{WHAT}: {message}; connect the Threads account again", code_text
            )
        raise TokenRefreshError(False, f"{WHAT}: {message}", code_text)
    kind = "malformed response" if response.is_success else "unexpected answer"
    raise TokenRefreshError(
        False,
        f"{WHAT}: {kind}, HTTP {response.status_code}: {excerpt(response.text, secrets)!r}",
        str(response.status_code),
    )


def _token(body: dict[str, Any]) -> RefreshedToken:
    expires = body.get("expires_in")
    return RefreshedToken(
        access_token=str(body["access_token"]),
        expires_in=int(expires) if isinstance(expires, (int, float)) else None,
    )

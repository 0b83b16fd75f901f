"""Token refresh for each platform: Instagram Login refresh, Facebook long-lived exchange, Google
refresh grant here, the others in their packages with the pieces here that every refresh shares
(the request, the token read from the answer, Meta's error shape, the unexpected answer). Small
functions; the token lifecycle decides when to call them.

`TokenRefreshError.permanent` answers one question: would trying again later ever help? A dead
or revoked token (Graph 190, Google invalid_grant) will not: the user must authorise again. A
network failure, a 5xx, a rate limit, an Instagram token too young to refresh, or our own app
credentials being wrong (an operator can fix that) may, so they are not permanent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .config import PlatformConfig
from .http import excerpt, json_or_none, redact


@dataclass(frozen=True)
class RefreshedToken:
    access_token: str
    expires_in: int | None  # seconds; None: the platform gave no expiry
    refresh_token: str | None = None  # only when the platform rotates one (Google, X)

    def __repr__(self) -> str:
        rotated = "yes" if self.refresh_token else "no"
        return (
            f"RefreshedToken(access_token=***, expires_in={self.expires_in}, new_refresh={rotated})"
        )


class TokenRefreshError(Exception):
    def __init__(self, permanent: bool, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.permanent, self.message, self.code = permanent, message, code

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{'permanent' if self.permanent else 'transient'}{code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"TokenRefreshError(permanent={self.permanent}, code={self.code!r}, {self.message!r})"
        )


def refresh_instagram(
    config: PlatformConfig, http: httpx.Client, access_token: str
) -> RefreshedToken:
    # graph.instagram.com takes this token only in the query string; http.py keeps query strings
    # out of httpx's log lines and nothing here quotes the URL.
    url = f"{config.instagram_base_url.rstrip('/')}/refresh_access_token"
    params = {"grant_type": "ig_refresh_token", "access_token": access_token}
    response = send_refresh(
        http, "instagram token refresh", (access_token,), "GET", url, params=params
    )
    return meta_result(response, "instagram token refresh", (access_token,))


def exchange_facebook(
    config: PlatformConfig, http: httpx.Client, access_token: str
) -> RefreshedToken:
    if not config.meta_app_id or not config.meta_app_secret:
        raise TokenRefreshError(
            False, "meta_app_id and meta_app_secret are needed to exchange a token", "config"
        )
    secrets = (access_token, config.meta_app_secret)
    params = {
        "grant_type": "fb_exchange_token",
        "client_id": config.meta_app_id,
        "client_secret": config.meta_app_secret,
        "fb_exchange_token": access_token,
    }
    url = f"{config.graph_url}/oauth/access_token"
    response = send_refresh(http, "facebook token exchange", secrets, "GET", url, params=params)
    return meta_result(response, "facebook token exchange", secrets)


def refresh_google(
    config: PlatformConfig, http: httpx.Client, refresh_token: str
) -> RefreshedToken:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if config.google_client_id:
        form["client_id"] = config.google_client_id
    if config.google_client_secret:
        form["client_secret"] = config.google_client_secret
    secrets = (refresh_token, config.google_client_secret or "")
    response = send_refresh(
        http, "google token refresh", secrets, "POST", config.google_token_url, data=form
    )
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("access_token"):
        return token_from(body)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        message = redact(str(body.get("error_description") or error), secrets)
        # invalid_grant: the refresh token is expired or revoked; only the user can fix it.
        return _raise(error == "invalid_grant", f"google token refresh: {message}", error)
    return _raise(
        False,
        unexpected_answer("google token refresh", response, secrets),
        str(response.status_code),
    )


def send_refresh(
    http: httpx.Client, what: str, secrets: tuple[str, ...], method: str, url: str, **kw: Any
) -> httpx.Response:
    """The refresh request; a transport failure is transient, told without the secrets."""
    try:
        return http.request(method, url, **kw)
    except httpx.TransportError as exc:
        detail = redact(str(exc), secrets)
        raise TokenRefreshError(False, f"{what}: {type(exc).__name__} {detail}".strip()) from exc


def meta_result(
    response: httpx.Response, what: str, secrets: tuple[str, ...], dead_advice: str = ""
) -> RefreshedToken:
    """A Meta refresh answer (Instagram, Facebook, Threads): the token, or the Graph error.
    `dead_advice` follows the message when the token is dead."""
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict) and body.get("access_token"):
        return token_from(body)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, subcode = error.get("code"), error.get("error_subcode")
        code_text = str(code) if subcode is None else f"{code}/{subcode}"
        message = redact(str(error.get("message") or "Graph error"), secrets)
        # 190 is a dead token (expired, revoked, invalid). Everything else, including the
        # "too new to be refreshed" answer (code 100), may pass.
        dead = code == 190
        return _raise(dead, f"{what}: {message}{dead_advice if dead else ''}", code_text)
    return _raise(False, unexpected_answer(what, response, secrets), str(response.status_code))


def token_from(body: dict[str, Any]) -> RefreshedToken:
    """The token of a successful answer, and its rotated refresh token when it has one."""
    expires = body.get("expires_in")
    refresh = body.get("refresh_token")
    return RefreshedToken(
        access_token=str(body["access_token"]),
        expires_in=int(expires) if isinstance(expires, (int, float)) else None,
        refresh_token=str(refresh) if refresh else None,
    )


def unexpected_answer(what: str, response: httpx.Response, secrets: tuple[str, ...]) -> str:
    """The message for an answer of no known shape: its status and an excerpt, no secret."""
    kind = "malformed response" if response.is_success else "unexpected answer"
    return f"{what}: {kind}, HTTP {response.status_code}: {excerpt(response.text, secrets)!r}"


def _raise(permanent: bool, message: str, code: str | None) -> RefreshedToken:
    raise TokenRefreshError(permanent, message, code)

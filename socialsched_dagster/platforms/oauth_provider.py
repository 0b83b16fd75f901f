"""How a platform connects an account: what the connect flow (socialsched_dagster/oauth/) needs
from each platform's `oauth.py`, exposed as `PlatformSpec.connect`.

Two kinds:
- `OAuthConnect`: the authorization-code flow. The platform builds its authorize URL and
  redeems a code (the token request, any exchange for a long-lived token, and reading who the
  token belongs to); the flow owns state, PKCE, the browser session and the database.
- `PasswordConnect`: a platform whose supported alternative is a password made for apps
  (Bluesky's app passwords), checked by logging in once.

The HTTP helpers here are the token refresh's (token_refresh.send_refresh: no secret in a
message), so a connect speaks to a platform the way a refresh does.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from .config import PlatformConfig
from .http import excerpt, json_or_none, redact
from .token_refresh import TokenRefreshError, send_refresh


@dataclass(frozen=True, repr=False)
class AppClient:
    """Our app at the platform (or at one server of it): its client id and secret."""

    client_id: str
    client_secret: str | None = None

    def __repr__(self) -> str:
        return f"AppClient(client_id={self.client_id!r}, client_secret=***)"


@dataclass(frozen=True, repr=False)
class Authorization:
    """What the authorize URL is made of."""

    config: PlatformConfig
    client: AppClient
    redirect_uri: str
    state: str
    code_challenge: str | None  # S256 of the verifier, where the platform takes PKCE
    server_url: str | None = None


@dataclass(frozen=True, repr=False)
class CodeGrant:
    """What redeeming an authorization code takes."""

    config: PlatformConfig
    client: AppClient
    redirect_uri: str
    code: str
    code_verifier: str | None
    server_url: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.code, self.code_verifier, self.client.client_secret) if s)


@dataclass(frozen=True, repr=False)
class Connected:
    """The account a grant connects, and its tokens."""

    external_id: str
    handle: str
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None  # seconds; None: the token does not expire

    def __repr__(self) -> str:
        return f"Connected({self.external_id!r}, {self.handle!r}, expires_in={self.expires_in})"


class ConnectError(Exception):
    """The platform refused, or answered something we cannot use. The message is for the
    user and carries no secret; `code` is the platform's error code when it gave one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class OAuthConnect:
    scopes: tuple[str, ...]
    pkce: bool  # S256 code challenge and verifier
    authorize_url: Callable[[Authorization], str]
    redeem: Callable[[httpx.Client, CodeGrant], Connected]
    # An app configured for other purposes that this platform's connect may use (Meta's app,
    # Google's OAuth client: their refreshes use the same), when no
    # SOCIALSCHED_<PLATFORM>_CLIENT_ID is set.
    shared_client: Callable[[PlatformConfig], AppClient | None] | None = None
    # For a platform whose servers each register apps (Mastodon): (http, server, redirect URI)
    # -> our app there. The flow keeps it, so a server registers us once.
    register_client: Callable[[httpx.Client, str, str], AppClient] | None = None
    # What the user is told to set up when no client is configured.
    client_help: str = ""


@dataclass(frozen=True)
class PasswordConnect:
    # (http, config, server, identifier, app password) -> the account, the password its token.
    login: Callable[[httpx.Client, PlatformConfig, str, str, str], Connected]
    help: str


Connector = OAuthConnect | PasswordConnect


# -- pieces every platform's oauth.py uses --------------------------------------------------


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of a verifier (RFC 7636 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def with_query(url: str, params: dict[str, str | None]) -> str:
    """`url` with `params` (None values left out), spaces as %20 as OAuth servers expect."""
    query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
    return f"{url}{'&' if '?' in url else '?'}{query}"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def call(http: httpx.Client, what: str, secrets: tuple[str, ...], method: str, url: str, **kw):
    """One request; a transport failure told without the secrets, as a ConnectError."""
    try:
        return send_refresh(http, what, secrets, method, url, **kw)
    except TokenRefreshError as exc:
        raise ConnectError(f"{exc.message}; try again") from None


def answer(response: httpx.Response, what: str, secrets: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object of a successful answer, else ConnectError with the platform's words."""
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict):
        return body
    message, code = error_of(body)
    if message is None:
        kind = "malformed answer" if response.is_success else "unexpected answer"
        text = excerpt(response.text, secrets)
        raise ConnectError(f"{what}: {kind}, HTTP {response.status_code}: {text!r}")
    raise ConnectError(f"{what}: {redact(message, secrets)}", code)


def error_of(body: Any) -> tuple[str | None, str | None]:
    """(message, code) of the error shapes the platforms answer: OAuth's `error` and
    `error_description`, Graph's and Google APIs' `error` object, Instagram's `error_message`,
    X's problem `detail` or `errors` list, XRPC's `error` and `message`."""
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        return str(error.get("message") or "error"), None if code is None else str(code)
    if isinstance(error, str):
        detail = body.get("error_description") or body.get("message")
        return (f"{error}: {detail}" if detail else error), error
    if body.get("error_message"):
        return str(body["error_message"]), str(body.get("error_type") or "") or None
    if body.get("detail"):
        return str(body["detail"]), str(body.get("title") or "") or None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or "error"), None
    return None, None


def text_field(body: dict[str, Any], name: str, what: str) -> str:
    value = body.get(name)
    if value is None or isinstance(value, (dict, list)) or not str(value).strip():
        raise ConnectError(f"{what}: the answer has no {name}")
    return str(value).strip()


def seconds(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


_NOT_HANDLE = re.compile(r"[^\w.-]+")


def handle_from_name(name: str, fallback: str) -> str:
    """A handle (letters, digits, '.', '_', '-') from a display name: "Acme Bakery" ->
    "Acme-Bakery"; `fallback` when nothing is left."""
    slug = _NOT_HANDLE.sub("-", name).strip("-.")[:64]
    return slug or fallback

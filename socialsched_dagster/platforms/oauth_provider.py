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


def client_if(client_id: str | None, client_secret: str | None) -> AppClient | None:
    """The app configured for other purposes, when it is (OAuthConnect.shared_client)."""
    return AppClient(client_id, client_secret) if client_id else None


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


# -- the steps of a code redemption, as the platforms' oauth.py take them --------------------


def fetch(
    http: httpx.Client, what: str, secrets: tuple[str, ...], method: str, url: str, **kw
) -> dict[str, Any]:
    """One request and its JSON object (`call`, then `answer`)."""
    return answer(call(http, what, secrets, method, url, **kw), what, secrets)


def bearer_get(
    http: httpx.Client, what: str, secrets: tuple[str, ...], url: str, token: str, **kw
) -> dict[str, Any]:
    """GET `url` with the access token as a Bearer header."""
    headers = {"Authorization": f"Bearer {token}"}
    return fetch(http, what, secrets, "GET", url, headers=headers, **kw)


def beside_base(base: str, default_base: str, production: str, path: str) -> str:
    """`production` against the platform's real base; `<base><path>` against a configured one
    (the sandbox), where the platform's login pages are beside its API."""
    return production if base == default_base else f"{base}{path}"


def code_request(url: str, a: Authorization, scope: str, **more: str | None) -> str:
    """The authorize URL of the code flow: response_type, client_id, redirect_uri, scope and
    state, the S256 challenge where PKCE is used, then what else the platform asks for."""
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": a.client.client_id,
        "redirect_uri": a.redirect_uri,
        "scope": scope,
        "state": a.state,
    }
    if a.code_challenge is not None:
        params.update(code_challenge=a.code_challenge, code_challenge_method="S256")
    return with_query(url, {**params, **more})


def authorize_beside(
    base_of: Callable[[PlatformConfig], str], default_base: str, production: str, path: str,
    scope: str,
) -> Callable[[Authorization], str]:  # fmt: skip
    """An `OAuthConnect.authorize_url` for a platform whose authorize page is `production`,
    or `<base><path>` beside a configured API base (beside_base)."""

    def authorize_url(a: Authorization) -> str:
        url = beside_base(base_of(a.config), default_base, production, path)
        return code_request(url, a, scope)

    return authorize_url


def code_form(g: CodeGrant, *, secret: bool = True, **more: str) -> dict[str, str]:
    """The token request's form for an authorization code (RFC 6749 4.1.3), with the client
    secret unless the client authenticates otherwise, then the platform's own fields."""
    form = {
        "grant_type": "authorization_code",
        "code": g.code,
        "client_id": g.client.client_id,
        "redirect_uri": g.redirect_uri,
    }
    if secret:
        form["client_secret"] = g.client.client_secret or ""
    return {**form, **more}


def token_of(tokens: dict[str, Any], what: str, secrets: tuple[str, ...]):
    """(access token, refresh token or None, the secrets with both added) of a token answer."""
    token = text_field(tokens, "access_token", what)
    refresh = tokens.get("refresh_token")
    return token, str(refresh) if refresh else None, (*secrets, token, str(refresh or ""))


def redeem_then_ask(
    http: httpx.Client, what: str, g: CodeGrant, token_url: str, who_url: str,
    form: dict[str, str] | None = None, auth: httpx.Auth | None = None, **who_kw: Any,
) -> tuple[dict[str, Any], str, str | None, dict[str, Any]]:  # fmt: skip
    """The code redeemed (POST of `form`, code_form's by default, HTTP auth where given), then
    `who_url` asked with the new token as Bearer: (token answer, access token, refresh token or
    None, the answer of who the token belongs to)."""
    token_kw: dict[str, Any] = {"auth": auth} if auth is not None else {}
    data = code_form(g) if form is None else form
    tokens = fetch(http, what, g.secrets, "POST", token_url, data=data, **token_kw)
    token, refresh, secrets = token_of(tokens, what, g.secrets)
    return tokens, token, refresh, bearer_get(http, what, secrets, who_url, token, **who_kw)


def short_then_long(
    http: httpx.Client, what: str, g: CodeGrant, token_url: str, exchange_url: str,
    grant_type: str, short_of: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: body,
) -> tuple[dict[str, Any], str, tuple[str, ...]]:  # fmt: skip
    """The code redeemed (POST of code_form) for a short-lived token, `short_of` finding it in
    the answer, then exchanged for a long-lived one (exchange_short_lived)."""
    body = short_of(fetch(http, what, g.secrets, "POST", token_url, data=code_form(g)))
    short = text_field(body, "access_token", what)
    return exchange_short_lived(
        http, what, (*g.secrets, short), exchange_url, grant_type, g.client.client_secret, short
    )


def exchange_short_lived(
    http: httpx.Client, what: str, secrets: tuple[str, ...], url: str, grant_type: str,
    client_secret: str | None, short: str,
) -> tuple[dict[str, Any], str, tuple[str, ...]]:  # fmt: skip
    """A short-lived token exchanged for a long-lived one (Meta's `*_exchange_token` grants):
    (the answer, the long-lived token, the secrets with it added)."""
    params = {"grant_type": grant_type, "client_secret": client_secret or "", "access_token": short}
    long = fetch(http, what, secrets, "GET", url, params=params)
    token = text_field(long, "access_token", what)
    return long, token, (*secrets, token)

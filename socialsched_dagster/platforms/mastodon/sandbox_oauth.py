"""A Mastodon instance's OAuth in the sandbox (Doorkeeper's endpoints, as Mastodon serves them):

  POST     /api/v1/apps       register an app: client_id and client_secret
  GET/POST /oauth/authorize   the authorization page (sign in as an account id); PKCE S256
  POST     /oauth/token       grant_type=authorization_code -> a token that does not expire

An app's registration is carried in its client_id (its redirect URIs and scopes) and its
secret is a MAC of that id, so a restarted sandbox still knows every app it registered.
Refusals are Doorkeeper's: `{"error": "invalid_client" | "invalid_grant" | ...,
"error_description": ...}`, and a 422 `{"error": "Validation failed: ..."}` from /api/v1/apps.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.oauth_consent import AuthorizationServer, authorize, digits, form_of, redeem
from ...sandbox.tokens import mint
from .sandbox_http import error

PLATFORM = "mastodon"
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
BAD_REDIRECT = "The redirect uri included is not valid."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _secret_of(request: Request, client_id: str) -> str:
    key = request.app.state.sandbox.settings.secret.encode()
    return _b64(hmac.new(key, f"mastodon-app:{client_id}".encode(), hashlib.sha256).digest())


def app_of(client_id: str) -> dict[str, Any] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(client_id + "=" * (-len(client_id) % 4)))
    except (ValueError, binascii.Error):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("r"), list) else None


async def _fields(request: Request) -> dict[str, Any]:
    body = await request.body()
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return form_of(body)


async def register_app(request: Request) -> Response:
    fields = await _fields(request)
    name = str(fields.get("client_name") or "").strip()
    uris = fields.get("redirect_uris") or ""
    uris = [str(u).strip() for u in (uris if isinstance(uris, list) else str(uris).split())]
    uris = [u for u in uris if u]
    missing = [
        text
        for text, ok in (
            ("Application name can't be blank", name),
            ("Redirect URI can't be blank", uris),
        )
        if not ok
    ]
    if missing:
        return error(f"Validation failed: {', '.join(missing)}", 422)
    scopes = str(fields.get("scopes") or "read").split()
    client_id = _b64(json.dumps({"r": uris, "s": scopes, "n": secrets.token_hex(4)}).encode())
    body = {
        "id": digits("", 6)(),
        "name": name,
        "website": fields.get("website") or None,
        "scopes": scopes,
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": _b64(secrets.token_bytes(65)),
        "client_id": client_id,
        "client_secret": _secret_of(request, client_id),
        "client_secret_expires_at": 0,
    }
    return errors.json_response(body)


def _check_client(request: Request, client_id: str, redirect_uri: str) -> str | None:
    app = app_of(client_id)
    if app is None:
        return INVALID_CLIENT
    if redirect_uri not in app["r"]:
        return BAD_REDIRECT
    return None


SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="Mastodon",
    account_label="the account id on this instance",
    new_account=digits("1093", 18),
    check_client=_check_client,
    denied=(
        "access_denied",
        "The resource owner or authorization server denied the request.",
    ),
)


async def authorize_page(request: Request) -> Response:
    return await authorize(request, SERVER)


def _oauth_error(status: int, code: str, description: str) -> Response:
    return errors.json_response({"error": code, "error_description": description}, status)


async def token(request: Request) -> Response:
    state = request.app.state.sandbox
    fields = {k: str(v) for k, v in (await _fields(request)).items() if v is not None}
    client_id, secret = fields.get("client_id", ""), fields.get("client_secret", "")
    if app_of(client_id) is None or not hmac.compare_digest(secret, _secret_of(request, client_id)):
        return _oauth_error(401, "invalid_client", INVALID_CLIENT)
    if fields.get("grant_type") != "authorization_code":
        return _oauth_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    grant, problem = redeem(
        request, PLATFORM, code=fields.get("code"), client_id=client_id,
        redirect_uri=fields.get("redirect_uri"), verifier=fields.get("code_verifier"),
    )  # fmt: skip
    if problem or grant is None:
        return _oauth_error(400, "invalid_grant", INVALID_GRANT)
    access = mint(
        state.settings.secret, platform=PLATFORM, account=grant.account, kind="access",
        now=state.now(), expires_in=None,
    )  # fmt: skip
    scope = fields.get("scope") or grant.scope or "read"
    body = {
        "access_token": access,
        "token_type": "Bearer",
        "scope": scope,
        "created_at": int(state.now()),
    }
    return errors.json_response(body)

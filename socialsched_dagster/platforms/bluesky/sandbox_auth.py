"""The Bluesky sandbox's accounts and sessions: createSession, refreshSession, bearer checks.

An account is any DID whose app password is a sandbox token minted for it (`/_sandbox/tokens`
with platform "bluesky" and the DID as account); revoking it (`/_sandbox/revoke`) is revoking the
app password: logins fail and its refresh tokens die, while access JWTs already issued live out
their 2 hours, as on a PDS (they are checked by signature and expiry alone). Handles: the sandbox
names did:plc:<id> `<id>.bsky.social` and resolves any `<id>.bsky.social` back to did:plc:<id>.
JWTs are real HS256 JWTs with the PDS's claims (scope, sub, aud, iat, exp; jti on refresh).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox.errors import json_response
from .sandbox_state import PLATFORM, BlueskySandbox, RefreshToken

SERVICE_DOMAIN = ".bsky.social"
DID = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
ACCESS, REFRESH = "com.atproto.appPass", "com.atproto.refresh"


def xrpc_error(status: int, name: str, message: str, headers: dict[str, str] | None = None):
    return json_response({"error": name, "message": message}, status, headers)


def handle_for(did: str) -> str:
    method, _, ident = did.removeprefix("did:").partition(":")
    return f"{ident}{SERVICE_DOMAIN}" if method == "plc" else ident.replace(":", ".")


def did_for(handle: str) -> str | None:
    handle = handle.lower()
    label = handle.removesuffix(SERVICE_DOMAIN)
    if label != handle and _LABEL.match(label):
        return f"did:plc:{label}"
    return None


# -- JWTs ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _key(ext: BlueskySandbox) -> bytes:
    return hashlib.sha256(f"{ext.state.settings.secret}:bluesky-jwt".encode()).digest()


def mint_jwt(ext: BlueskySandbox, typ: str, claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"typ": typ, "alg": "HS256"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_key(ext), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def read_jwt(ext: BlueskySandbox, token: str, typ: str) -> dict[str, Any] | Response:
    """The claims of a valid, unexpired JWT of type `typ`, else the PDS's refusal."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(_key(ext), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64(expected), signature):
            raise ValueError("bad signature")
        head = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return xrpc_error(400, "InvalidToken", "Token could not be verified")
    if claims.get("exp", 0) <= ext.state.now():
        return xrpc_error(400, "ExpiredToken", "Token has expired")
    if head.get("typ") != typ:
        return xrpc_error(400, "InvalidToken", "Invalid token type")
    return claims


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def account_of(request: Request, ext: BlueskySandbox) -> str | Response:
    """The DID an access JWT speaks for."""
    token = bearer(request)
    if token is None:
        return xrpc_error(401, "AuthMissing", "Authentication Required")
    claims = read_jwt(ext, token, "at+jwt")
    if isinstance(claims, Response):
        return claims
    if claims.get("scope") != ACCESS:
        return xrpc_error(400, "InvalidToken", "Bad token scope")
    return str(claims["sub"])


def _session(ext: BlueskySandbox, did: str, jti: str) -> dict[str, Any]:
    now, limits = ext.state.now(), ext.limits
    common = {"sub": did, "aud": "did:web:sandbox.bsky.social", "iat": int(now)}
    access = {"scope": ACCESS, **common, "exp": int(now + limits.access_s)}
    refresh = {"scope": REFRESH, **common, "jti": jti, "exp": int(now + limits.refresh_s)}
    return {
        "accessJwt": mint_jwt(ext, "at+jwt", access),
        "refreshJwt": mint_jwt(ext, "refresh+jwt", refresh),
        "handle": handle_for(did),
        "did": did,
        "emailConfirmed": False,
        "active": True,
    }


# -- the procedures --------------------------------------------------------------------------


async def create_session(request: Request, ext: BlueskySandbox) -> Response:
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    identifier, password = body.get("identifier"), body.get("password")
    for name, value in (("identifier", identifier), ("password", password)):
        if not isinstance(value, str):
            return xrpc_error(400, "InvalidRequest", f'Input must have the property "{name}"')
    now = ext.state.now()
    windows = ext.login_windows(identifier)
    refused = windows.consume(now, 1)
    if refused is not None:
        ext.state.stats.rate_limit_violations += 1
        ext.state.stats.throttled["bluesky_create_session"] += 1
        return rate_limited(refused.headers(now), refused.start + refused.seconds - now)
    headers = windows.tightest(now).headers(now)
    ident = identifier.lower()
    did = ident if ident.startswith("did:") else did_for(ident)
    claims, problem = ext.state.check_token(password, (PLATFORM,))
    if did is None or problem or claims is None or claims.account != did:
        return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password", headers)
    jti = secrets.token_urlsafe(24)
    ext.add_refresh(RefreshToken(jti, did, claims.minted, now + ext.limits.refresh_s))
    return json_response(_session(ext, did, jti), 200, headers)


async def refresh_session(request: Request, ext: BlueskySandbox) -> Response:
    token = bearer(request)
    if token is None:
        return xrpc_error(401, "AuthMissing", "Authentication Required")
    claims = read_jwt(ext, token, "refresh+jwt")
    if isinstance(claims, Response):
        return claims
    now = ext.state.now()
    known = ext.refresh_tokens.get(str(claims.get("jti")))
    if known is None or known.exp <= now or ext.password_revoked(known):
        return xrpc_error(400, "ExpiredToken", "Token has been revoked")
    # Reusing a rotated token within its grace period yields the same next token id.
    next_id = known.next_id or secrets.token_urlsafe(24)
    ext.rotated(known, next_id, min(known.exp, now + ext.limits.refresh_grace_s))
    if next_id not in ext.refresh_tokens:
        ext.add_refresh(
            RefreshToken(next_id, known.did, known.password_minted, now + ext.limits.refresh_s)
        )
    return json_response(_session(ext, known.did, next_id))


def rate_limited(headers: dict[str, str], wait: float) -> Response:
    return xrpc_error(
        429,
        "RateLimitExceeded",
        "Rate Limit Exceeded",
        {**headers, "Retry-After": str(max(1, int(wait + 0.999)))},
    )


async def json_body(request: Request) -> dict[str, Any] | Response:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return xrpc_error(400, "InvalidRequest", "Request body must be a JSON object")
    return data

"""Self-describing, signed sandbox tokens.

Format: `sbx1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "sbx1." + payload))>`.
Claims: `p` platform, `a` account external id, `k` "access"|"refresh", `iat` issue time (may be
back-dated by the control API to test "token too young"), `exp` expiry or null, `n` nonce, and
`m` the real minting time (revocation compares against it, so a back-dated token minted after a
revocation is still valid). Because everything is in the token, a restarted sandbox accepts the
tokens the pipeline already stored; only the secret and the revocation list must persist.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from ..domain.platforms import Platform

PREFIX = "sbx1"
PLATFORMS = tuple(p.value for p in Platform)


class TokenInvalid(Exception):
    """Not a sandbox token, or a forged/garbled one."""


@dataclass(frozen=True)
class Claims:
    platform: str
    account: str
    kind: str
    iat: float
    exp: float | None
    minted: float

    def expired(self, now: float) -> bool:
        return self.exp is not None and now >= self.exp


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, signing_input: str) -> str:
    return _b64(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())


def mint(
    secret: str,
    *,
    platform: str,
    account: str,
    kind: str,
    now: float,
    expires_in: float | None,
    issued_ago: float = 0.0,
) -> str:
    if platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
    if kind not in ("access", "refresh"):
        raise ValueError("kind must be 'access' or 'refresh'")
    iat = now - issued_ago
    claims: dict[str, Any] = {
        "p": platform,
        "a": str(account),
        "k": kind,
        "iat": iat,
        "exp": None if expires_in is None else iat + expires_in,
        "n": secrets.token_hex(6),
        "m": now,
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{PREFIX}.{payload}"
    return f"{signing_input}.{_sign(secret, signing_input)}"


def verify(secret: str, token: str | None) -> Claims:
    """Check format and signature only; expiry and revocation depend on the caller's clock/state."""
    if not token:
        raise TokenInvalid("missing token")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenInvalid("unknown token format")
    expected = _sign(secret, f"{parts[0]}.{parts[1]}")
    if not hmac.compare_digest(expected, parts[2]):
        raise TokenInvalid("bad signature")
    try:
        c = json.loads(_unb64(parts[1]))
        return Claims(
            platform=c["p"],
            account=c["a"],
            kind=c["k"],
            iat=float(c["iat"]),
            exp=None if c["exp"] is None else float(c["exp"]),
            minted=float(c.get("m", c["iat"])),
        )
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise TokenInvalid("garbled claims") from exc


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Graph `appsecret_proof`: hex HMAC-SHA256 of the token, keyed by the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()

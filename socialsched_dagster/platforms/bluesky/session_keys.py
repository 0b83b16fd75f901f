"""How a Bluesky session is named and sealed in the shared cache, and when its JWTs expire.

The name is a hash of (PDS, account, app password): a new app password starts a new session,
and no key shows the password. The value is the session as JSON, encrypted (Fernet) with a key
derived from the app password, which only the account's own token row holds (encrypted at rest):
Redis alone never yields a usable token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet

from ..base import PublishJob
from .xrpc import pds_url


def session_key(job: PublishJob) -> str:
    material = f"{pds_url(job)}\n{job.account_external_id}\n{job.access_token}".encode()
    return f"bluesky:session:{hashlib.sha256(material).hexdigest()[:40]}"


class Sealed:
    """A RedisCache serializer: JSON encrypted with the account's own key."""

    def __init__(self, job: PublishJob) -> None:
        secret = hmac.new(job.access_token.encode(), b"socialsched bluesky session", "sha256")
        self._fernet = Fernet(base64.urlsafe_b64encode(secret.digest()))

    def dumps(self, value: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(value).encode())

    def loads(self, data: str | bytes) -> dict[str, Any]:
        raw = data.encode() if isinstance(data, str) else data
        return json.loads(self._fernet.decrypt(raw))


def jwt_expiry(jwt: str) -> float | None:
    """The `exp` claim of a JWT (read, not verified: the PDS verifies it)."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return None

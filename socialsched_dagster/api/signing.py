"""Optional request signing: a key created with `--signing` must sign every request.

    X-Socialsched-Timestamp: <Unix time in seconds, optionally with up to 6 decimals>
    X-Socialsched-Signature: sha256=<hex HMAC-SHA256(signing secret, message)>
    message = METHOD "\\n" TARGET "\\n" TIMESTAMP "\\n" BODY

TARGET is the path as sent (percent-encoding kept) followed by `?` and the query string when
there is one; TIMESTAMP is the header's text exactly; BODY is the raw bytes sent (empty for a
GET). A request more than five minutes from the server's clock, either way, is refused, so a
captured request is useless after the window.

Within the window, a request whose signature was already seen for the key is refused too
(replay): each signature is remembered in Redis until its window closes. Two identical
requests in the same second sign identically, so a client that sends them uses the decimals
of the timestamp to tell them apart. The check fails CLOSED: a key owner opted into signing to
get this guarantee, so without Redis a signed request is answered 503, never let through
unchecked.

This module holds no web framework: the CLI imports it to give a key its secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TIMESTAMP_HEADER = "X-Socialsched-Timestamp"
SIGNATURE_HEADER = "X-Socialsched-Signature"
WINDOW_S = 300
SECRET_PREFIX = "sss_"
NONCE_NAMESPACE = "socialsched:api:signed"

_TIMESTAMP = re.compile(r"\d{1,12}(\.\d{1,6})?")
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


class BadSignature(Exception):
    """Why a request's signature is refused (the message names no secret)."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def enable_signing(session, cipher, key_id: int) -> str:
    """Give key `key_id` a new signing secret (stored encrypted); returned once, to print."""
    from ..store.models import ApiKey

    key = session.get(ApiKey, key_id)
    if key is None:
        raise ValueError(f"no key {key_id}")
    secret = new_secret()
    key.signing_secret_enc = cipher.encrypt(secret)
    return secret


def message(method: str, target: str, timestamp: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{target}\n{timestamp}\n".encode() + body


def sign(secret: str, method: str, target: str, timestamp: str, body: bytes = b"") -> str:
    """The header value a client sends (what the tests and client libraries compute)."""
    digest = hmac.new(
        secret.encode(), message(method, target, timestamp, body), hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str,
    *,
    method: str,
    target: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
) -> str:
    """The signature's hex digest when the request is signed by `secret` within the window;
    raises BadSignature otherwise."""
    if not timestamp or not signature:
        raise BadSignature(
            f"this key signs its requests: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}"
        )
    if not _TIMESTAMP.fullmatch(timestamp):
        raise BadSignature(f"{TIMESTAMP_HEADER} is not a Unix time in seconds")
    if abs(now - float(timestamp)) > WINDOW_S:
        raise BadSignature(
            f"{TIMESTAMP_HEADER} is more than {WINDOW_S // 60} minutes from the server's "
            "clock: sign with the current time"
        )
    sent = _SIGNATURE.fullmatch(signature.strip())
    if sent is None:
        raise BadSignature(f"{SIGNATURE_HEADER} must be sha256=<64 hex digits>")
    expected = sign(secret, method, target, timestamp, body).removeprefix("sha256=")
    # Constant time: a byte-by-byte comparison would tell an attacker how much was right.
    if not hmac.compare_digest(expected, sent.group(1).lower()):
        raise BadSignature(
            "the signature does not match: HMAC-SHA256 of METHOD, path?query, timestamp and "
            "body, each on its own line, with the key's signing secret"
        )
    return expected


def first_use(redis, key_id: int, digest: str, *, timestamp: str, now: float) -> bool:
    """Remember a signature until its window closes: True the first time it is seen.
    Raises redis.RedisError when Redis cannot say (the caller fails closed)."""
    ttl_s = max(1, int(float(timestamp) + WINDOW_S - now) + 1)
    return bool(redis.set(f"{NONCE_NAMESPACE}:{key_id}:{digest}", b"1", nx=True, ex=ttl_s))

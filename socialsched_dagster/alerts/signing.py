"""How an alert request is signed, and how a receiver checks it.

`X-Socialsched-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the shared secret, of
`<timestamp>.<body>`: `<timestamp>` is the `X-Socialsched-Timestamp` header (Unix seconds, as
sent) and `<body>` the exact request bytes. Signing the timestamp with the body lets a receiver
reject a captured request replayed later: it recomputes the HMAC over the header value and the raw
body, compares in constant time, and refuses timestamps more than a few minutes off
(`verify_signature` does all three). Every attempt is signed afresh, so a retry is never stale.
`X-Socialsched-Alert-Id` is the same for every attempt and resend of one alert, so a receiver can
drop duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from .state import Alert

SIGNATURE_HEADER = "X-Socialsched-Signature"
TIMESTAMP_HEADER = "X-Socialsched-Timestamp"
ALERT_ID_HEADER = "X-Socialsched-Alert-Id"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, tolerance_s: float = 300
) -> bool:
    """For receivers: the signature matches and the timestamp is recent."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance_s
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def alert_id(alert: Alert) -> str:
    raw = f"{alert.kind}|{alert.subject}|{alert.target}|{alert.timestamp}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def signed_headers(secret: str, body: bytes, ident: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, body),
        ALERT_ID_HEADER: ident,
    }

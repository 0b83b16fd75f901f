"""What the Bluesky sandbox remembers: refresh tokens, blobs, post records, and its rate limits.

Refresh tokens and blobs are journaled (`{"t": "ext", "platform": "bluesky", ...}`) and
replayed, records come back from the ledger (`on_ledger`), so a restarted sandbox still knows
the sessions it gave out and the posts it holds; the rate-limit windows start afresh, as they
would on a PDS restart. The numbers are the PDS's own (packages/pds: createSession 30 per 5 min
and 300 per day per identifier, repo writes 5,000 points per hour and 35,000 per day per
account, a create 3 points; access JWTs 2 h, refresh JWTs 90 days with a 2 h reuse grace).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

PLATFORM = "bluesky"


@dataclass(frozen=True)
class Limits:
    logins: tuple[tuple[int, float], ...] = ((30, 300.0), (300, 86400.0))
    write_points: tuple[tuple[int, float], ...] = ((5000, 3600.0), (35000, 86400.0))
    create_cost: int = 3
    access_s: float = 7200.0
    refresh_s: float = 90 * 86400.0
    refresh_grace_s: float = 7200.0
    # "The blob will be deleted if it is not referenced within a time window (eg, minutes)."
    blob_ttl_s: float = 3600.0
    upload_limit: int = 5 * 1024 * 1024  # the PDS's default blobUploadLimit


@dataclass
class RefreshToken:
    jti: str
    did: str
    password_minted: float  # when the app password it came from was minted (revocation)
    exp: float
    next_id: str | None = None


@dataclass
class Blob:
    did: str
    cid: str
    mime_type: str
    size: int
    at: float
    permanent: bool = False


@dataclass
class Record:
    uri: str
    cid: str
    value: dict[str, Any]
    at: float


@dataclass
class FixedWindow:
    """rate-limiter-flexible's window: opened by the first consumption, gone after `seconds`."""

    limit: int
    seconds: float
    start: float = 0.0
    used: int = 0

    def remaining(self, now: float) -> int:
        return self.limit if now >= self.start + self.seconds else max(0, self.limit - self.used)

    def headers(self, now: float) -> dict[str, str]:
        reset = self.start + self.seconds if now < self.start + self.seconds else now
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining(now)),
            "RateLimit-Reset": str(int(reset)),
            "RateLimit-Policy": f"{self.limit};w={int(self.seconds)}",
        }


@dataclass
class Windows:
    """Several limits on one key; the answer reports the tightest, as the PDS does."""

    windows: list[FixedWindow] = field(default_factory=list)

    def consume(self, now: float, points: int) -> FixedWindow | None:
        """None when every window took the points; else the window that refused (none taken)."""
        for w in self.windows:
            if now >= w.start + w.seconds:
                w.start, w.used = now, 0
        for w in self.windows:
            if w.used + points > w.limit:
                return w
        for w in self.windows:
            w.used += points
        return None

    def tightest(self, now: float) -> FixedWindow:
        return min(self.windows, key=lambda w: w.remaining(now))


class BlueskySandbox:
    def __init__(self, state: Any, limits: Limits | None = None) -> None:
        self.state, self.limits = state, limits or Limits()
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.blobs: dict[tuple[str, str], Blob] = {}
        self.records: dict[tuple[str, str], Record] = {}
        self.logins: dict[str, Windows] = {}
        self.writes: dict[str, Windows] = {}

    # -- rate limits --------------------------------------------------------------------------

    def login_windows(self, identifier: str) -> Windows:
        return self._windows(self.logins, identifier.lower(), self.limits.logins)

    def write_windows(self, did: str) -> Windows:
        return self._windows(self.writes, did, self.limits.write_points)

    @staticmethod
    def _windows(table: dict[str, Windows], key: str, spec) -> Windows:
        if key not in table:
            table[key] = Windows([FixedWindow(limit, seconds) for limit, seconds in spec])
        return table[key]

    # -- refresh tokens ---------------------------------------------------------------------

    def add_refresh(self, token: RefreshToken) -> None:
        self._journal("refresh", **dataclasses.asdict(token))
        self.refresh_tokens[token.jti] = token

    def rotated(self, token: RefreshToken, next_id: str, exp: float) -> None:
        self._journal("rotate", jti=token.jti, next_id=next_id, exp=exp)
        token.next_id, token.exp = next_id, exp

    def password_revoked(self, token: RefreshToken) -> bool:
        at = self.state.revoked.get((PLATFORM, token.did))
        return at is not None and token.password_minted < at

    # -- blobs and records ------------------------------------------------------------------

    def add_blob(self, blob: Blob) -> None:
        key = (blob.did, blob.cid)
        known = self.blobs.get(key)
        if known is not None and known.permanent:
            return  # already referenced by a record: it stays
        self._journal("blob", **dataclasses.asdict(blob))
        self.blobs[key] = blob

    def blob(self, did: str, cid: str, now: float) -> Blob | None:
        """The account's blob, unless it was never referenced and has been dropped."""
        found = self.blobs.get((did, cid))
        if found is None or (not found.permanent and now - found.at > self.limits.blob_ttl_s):
            return None
        return found

    def on_ledger(self, entry: dict[str, Any]) -> None:
        if entry.get("platform") != PLATFORM or "_record" not in entry:
            return
        uri, value = entry["external_id"], entry["_record"]
        did, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
        self.records[(did, rkey)] = Record(uri, entry["_cid"], value, entry["ts"])
        for image in (value.get("embed") or {}).get("images") or []:
            blob = self.blobs.get((did, image["image"]["ref"]["$link"]))
            if blob is not None:
                blob.permanent = True

    # -- the journal ------------------------------------------------------------------------

    def _journal(self, kind: str, **data: Any) -> None:
        self.state.journal.append({"t": "ext", "platform": PLATFORM, "kind": kind, **data})

    def replay(self, event: dict[str, Any]) -> None:
        data = {k: v for k, v in event.items() if k not in ("platform", "kind")}
        kind = event.get("kind")
        if kind == "refresh":
            self.refresh_tokens[data["jti"]] = RefreshToken(**data)
        elif kind == "rotate" and data["jti"] in self.refresh_tokens:
            token = self.refresh_tokens[data["jti"]]
            token.next_id, token.exp = data["next_id"], data["exp"]
        elif kind == "blob":
            self.blobs[(data["did"], data["cid"])] = Blob(**data)

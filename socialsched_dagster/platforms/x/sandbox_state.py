"""What the X sandbox remembers: its limits (changeable through `/_sandbox/x/limits`), media
uploads, posts, spent refresh tokens and rate windows.

Posts are ledger entries (the ledger counts duplicates by target); their media keys and the
post they reply to ride in the entry (`in_reply_to` in the open, so a test can read a thread's
order from `/_sandbox/ledger`), so a restart rebuilds the timelines from the journal
(`on_ledger`). Uploads and spent refresh tokens are journalled as "ext" events.

The numbers are X's documented ones: 100 post creates per user per 15 minutes and 10,000 per
app per 24 h, 900 timeline reads and 75 /users/me per user per 15 minutes, 1,875 of each media
upload call; 2-hour access tokens; media expire a day after upload when not posted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

PLATFORM = "x"
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
DAY = 86400
MB = 1024 * 1024


@dataclass
class XLimits:
    create_per_user: int = 100
    create_window_s: int = 900
    create_per_app: int = 10_000
    create_app_window_s: int = DAY
    timeline_per_user: int = 900
    me_per_user: int = 75
    media_per_user: int = 1875
    window_s: int = 900
    access_token_s: int = 7200
    media_ttl_s: int = DAY
    # X documents no window for its duplicate check; a day of the account's posts here.
    duplicate_window_s: int = DAY
    image_max_bytes: int = 5 * MB
    gif_max_bytes: int = 15 * MB
    video_max_bytes: int = 512 * MB

    def update(self, changes: dict[str, Any]) -> None:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown X limit(s): {', '.join(unknown)}")
        for name, value in changes.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive whole number")
            setattr(self, name, value)


@dataclass
class XMedia:
    id: str
    key: str
    account: str
    media_type: str
    category: str
    total: int
    created_at: float
    received: int = 0
    head: str = ""  # hex of the first bytes: what the file really is
    finalized_at: float | None = None
    ready_at: float | None = None
    failed: str | None = None  # X's processing error message

    @property
    def is_video(self) -> bool:
        return self.category in ("tweet_video", "amplify_video")

    @property
    def is_gif(self) -> bool:
        return self.category == "tweet_gif"


@dataclass
class XSandbox:
    state: Any  # SandboxState
    limits: XLimits = field(default_factory=XLimits)
    media: dict[str, XMedia] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> ledger entry
    spent: set[str] = field(default_factory=set)  # digests of used refresh tokens
    windows: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    _seq: Any = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        """A snowflake, as X's ids are: milliseconds since X's epoch, then a sequence, so ids
        sort by creation time."""
        ms = int(self.state.now() * 1000) - TWITTER_EPOCH_MS
        return str((ms << 22) | (next(self._seq) & 0x3FFFFF))

    # -- rate windows: each starts at its first request and lasts its period ---------------

    def count(self, bucket: str, who: str, limit: int, period: int) -> dict[str, Any]:
        now = self.state.now()
        start, used = self.windows.get((bucket, who), (now, 0))
        if now >= start + period:
            start, used = now, 0
        used += 1
        self.windows[(bucket, who)] = (start, used)
        return {"limit": limit, "remaining": limit - used, "reset": int(start + period)}

    # -- media -----------------------------------------------------------------------------

    def add_media(self, m: XMedia) -> None:
        self._journal("media", media=dataclasses.asdict(m))
        self.media[m.id] = m

    def append(self, m: XMedia, size: int, head: bytes) -> None:
        self._journal("append", id=m.id, size=size, head=head.hex())
        self._append(m, size, head.hex())

    def finalize(self, m: XMedia, ready_at: float, failed: str | None) -> None:
        now = self.state.now()
        self._journal("finalize", id=m.id, at=now, ready_at=ready_at, failed=failed)
        m.finalized_at, m.ready_at, m.failed = now, ready_at, failed

    def usable(self, media_id: str, account: str) -> XMedia | None:
        """The account's finalized, processed, unexpired upload, else None."""
        m = self.media.get(media_id)
        now = self.state.now()
        if m is None or m.account != account or m.finalized_at is None or m.failed:
            return None
        if now - m.created_at >= self.limits.media_ttl_s or now < (m.ready_at or 0):
            return None
        return m

    def _append(self, m: XMedia, size: int, head: str) -> None:
        if m.received == 0:
            m.head = head
        m.received += size

    # -- posts -------------------------------------------------------------------------------

    def of_account(self, account: str) -> list[dict[str, Any]]:
        mine = [p for p in self.posts.values() if p["account"] == account]
        return sorted(mine, key=lambda p: int(p["external_id"]), reverse=True)

    def root_of(self, post: dict[str, Any]) -> str:
        """The id of the post a reply chain starts at (X's conversation_id)."""
        seen = post
        while seen.get("in_reply_to") and seen["in_reply_to"] in self.posts:
            seen = self.posts[seen["in_reply_to"]]
        return seen["external_id"]

    # -- refresh tokens: spent on use ---------------------------------------------------------

    def spend(self, token: str) -> None:
        digest = _digest(token)
        self._journal("spent", digest=digest)
        self.spent.add(digest)

    def is_spent(self, token: str) -> bool:
        return _digest(token) in self.spent

    # -- journal -----------------------------------------------------------------------------

    def _journal(self, kind: str, **event: Any) -> None:
        self.state.journal.append({"t": "ext", "platform": PLATFORM, "kind": kind, **event})

    def replay(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "media":
            m = XMedia(**event["media"])
            self.media[m.id] = m
        elif kind == "append" and event.get("id") in self.media:
            self._append(self.media[event["id"]], int(event["size"]), str(event["head"]))
        elif kind == "finalize" and event.get("id") in self.media:
            m = self.media[event["id"]]
            m.finalized_at, m.ready_at, m.failed = event["at"], event["ready_at"], event["failed"]
        elif kind == "spent":
            self.spent.add(str(event["digest"]))

    def on_ledger(self, entry: dict[str, Any]) -> None:
        self.posts[entry["external_id"]] = entry


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

"""What the Mastodon sandbox remembers: the instance's configuration (changeable through
`/_sandbox/mastodon/instance`), uploaded media, statuses, Idempotency-Keys and rate windows.

Statuses are ledger entries (the ledger counts duplicates by target); their Idempotency-Key,
visibility and media ids ride in the entry's private fields, so a restart rebuilds the keys and
the attachments from the journal (`on_ledger`); uploads are journalled as "ext" events.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PLATFORM = "mastodon"
IMAGE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/heic",
    "image/heif",
    "image/webp",
    "image/avif",
)
VIDEO_TYPES = ("video/webm", "video/mp4", "video/quicktime", "video/ogg")


@dataclass
class InstanceConfig:
    """Mastodon 4.x defaults; every number is what `/api/v2/instance` reports."""

    domain: str = "sandbox.mastodon.test"
    max_characters: int = 500
    max_media_attachments: int = 4
    characters_reserved_per_url: int = 23
    description_limit: int = 1500
    image_size_limit: int = 16 * 1024 * 1024
    video_size_limit: int = 99 * 1024 * 1024
    supported_mime_types: tuple[str, ...] = IMAGE_TYPES + VIDEO_TYPES
    # PostStatusService keeps a key 3,600 s (redis SETEX); unattached media go after a day.
    idempotency_ttl_s: float = 3600.0
    unattached_media_ttl_s: float = 86400.0
    # Rack::Attack: 300 per token per 5 min (and per IP unauthenticated); media 30 per 30 min.
    api_limit: int = 300
    api_period_s: int = 300
    media_limit: int = 30
    media_period_s: int = 1800

    def update(self, changes: dict[str, Any]) -> None:
        known = {f.name: f for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown instance setting(s): {', '.join(unknown)}")
        for name, value in changes.items():
            current = getattr(self, name)
            if isinstance(current, tuple):
                value = tuple(str(v) for v in value)
            elif isinstance(current, (int, float)) and not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number")
            setattr(self, name, type(current)(value))


@dataclass
class SandboxMedia:
    id: str
    account: str
    type: str  # image, video
    mime: str
    size: int
    created_at: float
    ready_at: float
    description: str | None = None
    status_id: str | None = None


@dataclass
class MastodonSandbox:
    state: Any  # SandboxState
    config: InstanceConfig = field(default_factory=InstanceConfig)
    media: dict[str, SandboxMedia] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> ledger entry
    keys: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    windows: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    deleted: set[str] = field(default_factory=set)  # statuses their author deleted
    _seq: Any = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        """Snowflake-like, as Mastodon's: milliseconds of the (sandbox) clock, then a sequence,
        so ids sort by creation time and `max_id` paging works."""
        return str((int(self.state.now() * 1000) << 16) | (next(self._seq) & 0xFFFF))

    # -- media -------------------------------------------------------------------------------

    def add_media(self, media: SandboxMedia) -> None:
        self.state.journal.append(
            {"t": "ext", "platform": PLATFORM, "kind": "media", **dataclasses.asdict(media)}
        )
        self.media[media.id] = media

    def unattached(self, media_id: str, account: str) -> SandboxMedia | None:
        """The account's media not attached yet and not cleaned up (Mastodon's lookup)."""
        m = self.media.get(media_id)
        if m is None or m.account != account or m.status_id is not None:
            return None
        if self.state.now() - m.created_at > self.config.unattached_media_ttl_s:
            return None
        return m

    # -- statuses and keys -------------------------------------------------------------------

    def key_holds(self, account: str, key: str | None) -> str | None:
        """The id of the status the key made within its TTL (deleted or not), else None."""
        if not key:
            return None
        found = self.keys.get((account, key))
        if found is None or self.state.now() - found[1] >= self.config.idempotency_ttl_s:
            return None
        return found[0]

    def status(self, status_id: str) -> dict[str, Any] | None:
        return None if status_id in self.deleted else self.statuses.get(status_id)

    def of_account(self, account: str) -> list[dict[str, Any]]:
        mine = [
            s
            for s in self.statuses.values()
            if s["account"] == account and s["external_id"] not in self.deleted
        ]
        return sorted(mine, key=lambda s: int(s["external_id"]), reverse=True)

    def delete(self, status_id: str) -> None:
        """RemoveStatusService: the status and its media go; the key stays until its TTL."""
        self.state.journal.append(
            {"t": "ext", "platform": PLATFORM, "kind": "delete", "id": status_id}
        )
        self._delete(status_id)

    def _delete(self, status_id: str) -> None:
        self.deleted.add(status_id)
        for media_id in self.statuses.get(status_id, {}).get("_media_ids") or []:
            self.media.pop(media_id, None)

    # -- rate windows (Rack::Attack's fixed windows, aligned to the period) -------------------

    def count(self, bucket: str, who: str, limit: int, period: int) -> dict[str, Any]:
        now = self.state.now()
        start = int(now // period) * period
        self.windows[(bucket, who, start)] += 1
        used = self.windows[(bucket, who, start)]
        return {"limit": limit, "remaining": limit - used, "reset": start + period}

    # -- journal -----------------------------------------------------------------------------

    def replay(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "media":
            fields_ = {f.name for f in dataclasses.fields(SandboxMedia)}
            self.media[event["id"]] = SandboxMedia(**{k: event[k] for k in fields_ if k in event})
        elif event.get("kind") == "delete":
            self._delete(event["id"])

    def on_ledger(self, entry: dict[str, Any]) -> None:
        self.statuses[entry["external_id"]] = entry
        for media_id in entry.get("_media_ids") or []:
            if media_id in self.media:
                self.media[media_id].status_id = entry["external_id"]
        if entry.get("_key"):
            self.keys[(entry["account"], entry["_key"])] = (entry["external_id"], entry["ts"])

"""What the LinkedIn sandbox remembers: uploaded images, the permissions each account's token
holds, and its configuration (changeable through `/_sandbox/linkedin/config`). Posts are the
shared ledger's entries (the commentary and content in their private fields), so a restart
rebuilds them; images and permissions are journalled as "ext" events.

Permissions: a member's token holds w_member_social only, since r_member_social is restricted
to approved apps; a page's token (a member with an admin role on it) holds
w_organization_social and r_organization_social. `/_sandbox/linkedin/scopes` changes them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

PLATFORM = "linkedin"
DAY = 86400
MEMBER_SCOPES = ("w_member_social",)
PAGE_SCOPES = ("w_organization_social", "r_organization_social")


@dataclass
class LinkedInConfig:
    image_processing_s: float = 0.5
    # Share on LinkedIn: 150 requests per member and 100,000 per app each UTC day.
    member_daily_posts: int = 150
    app_daily_posts: int = 100_000
    duplicate_window_s: float = 600.0  # "wait 10 minutes for the duplicate restriction"
    commentary_max: int = 3000
    multi_image_min: int = 2
    multi_image_max: int = 20
    access_token_s: int = 60 * DAY
    refresh_token_s: int = 365 * DAY
    # When set, the token endpoint checks the app's credentials against them.
    client_id: str | None = None
    client_secret: str | None = None

    def update(self, changes: dict[str, Any]) -> None:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown linkedin setting(s): {', '.join(unknown)}")
        for name, value in changes.items():
            current = getattr(self, name)
            if isinstance(current, (int, float)) and not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number")
            setattr(self, name, value if current is None or value is None else type(current)(value))

    def public(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["client_secret"] = "***" if self.client_secret else None
        return data


@dataclass
class SandboxImage:
    urn: str
    owner: str
    upload_id: str
    created_at: float
    uploaded_at: float | None = None
    size: int = 0
    readable: bool = True  # the bytes are a JPG, PNG or GIF


def is_image(data: bytes) -> bool:
    return data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"))


def utc_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).date().isoformat()


class LinkedInSandbox:
    def __init__(self, state: Any) -> None:
        self.state = state
        self.config = LinkedInConfig()
        self.images: dict[str, SandboxImage] = {}
        self.uploads: dict[str, str] = {}  # upload id -> image URN
        self.scopes: dict[str, tuple[str, ...]] = {}

    # -- images -------------------------------------------------------------------------------

    def add_image(self, image: SandboxImage) -> None:
        self._journal({"kind": "image", "image": dataclasses.asdict(image)})
        self._apply_image(image)

    def uploaded(self, image: SandboxImage, size: int, readable: bool) -> None:
        now = self.state.now()
        self._journal(
            {"kind": "upload", "urn": image.urn, "at": now, "size": size, "readable": readable}
        )
        image.uploaded_at, image.size, image.readable = now, size, readable

    def image_status(self, image: SandboxImage) -> str:
        if image.uploaded_at is None:
            return "WAITING_UPLOAD"
        if not image.readable:
            return "PROCESSING_FAILED"
        if self.state.now() < image.uploaded_at + self.config.image_processing_s:
            return "PROCESSING"
        return "AVAILABLE"

    def _apply_image(self, image: SandboxImage) -> None:
        self.images[image.urn] = image
        self.uploads[image.upload_id] = image.urn

    # -- permissions --------------------------------------------------------------------------

    def scopes_of(self, account: str) -> tuple[str, ...]:
        if account in self.scopes:
            return self.scopes[account]
        return PAGE_SCOPES if account.startswith("urn:li:organization:") else MEMBER_SCOPES

    def set_scopes(self, account: str, scopes: list[str]) -> None:
        self._journal({"kind": "scopes", "account": account, "scopes": list(scopes)})
        self.scopes[account] = tuple(scopes)

    # -- posts (the ledger's) -----------------------------------------------------------------

    def posts_of(self, author: str) -> list[dict[str, Any]]:
        return self.state.ledger.items(PLATFORM, author)

    def posts_today(self, author: str | None) -> int:
        today = utc_day(self.state.now())
        entries = (
            self.posts_of(author)
            if author
            else [e for e in self.state.ledger.entries if e["platform"] == PLATFORM]
        )
        return sum(1 for e in entries if utc_day(e["ts"]) == today)

    def duplicate_of(self, author: str, commentary: str, content: Any) -> str | None:
        since = self.state.now() - self.config.duplicate_window_s
        for e in reversed(self.posts_of(author)):
            if e["ts"] < since:
                return None
            if e.get("_commentary") == commentary and e.get("_content") == content:
                return e["external_id"]
        return None

    # -- the journal ----------------------------------------------------------------------------

    def _journal(self, event: dict[str, Any]) -> None:
        self.state.journal.append({"t": "ext", "platform": PLATFORM, **event})

    def replay(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "image":
            self._apply_image(SandboxImage(**event["image"]))
        elif kind == "upload" and event["urn"] in self.images:
            image = self.images[event["urn"]]
            image.uploaded_at, image.size = event["at"], event["size"]
            image.readable = event["readable"]
        elif kind == "scopes":
            self.scopes[event["account"]] = tuple(event["scopes"])

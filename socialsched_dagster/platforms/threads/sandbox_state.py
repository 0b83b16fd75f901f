"""What the Threads sandbox remembers: containers, the posts in each account's rolling 24 h,
and each account's call count. Containers are journaled ({"t": "ext", "platform": "threads"})
and published posts are the shared ledger's, so both survive a sandbox restart.

The numbers are Threads' documented ones: 250 API posts and, counted apart, 1,000 API replies
per rolling 24 h, containers that expire unpublished after 24 h, 60-day tokens refreshable once
24 h old, and 4,800 calls x impressions (at least 10) per app-user pair per rolling 24 h.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...sandbox.usage import Window

DAY = 86400
UNFETCHABLE_HOST = "unfetchable.invalid"  # by sandbox convention, media it "cannot fetch"


@dataclass(frozen=True)
class ThreadsLimits:
    quota_total: int = 250
    quota_duration_s: int = DAY
    reply_quota_total: int = 1000
    container_ttl_s: int = DAY
    refresh_min_age_s: int = DAY
    token_lifetime_s: int = 60 * DAY
    calls_per_window: int = 4800 * 10
    call_window_s: int = DAY
    text_max_chars: int = 500
    links_max: int = 5
    carousel_min: int = 2
    carousel_max: int = 20


@dataclass
class ThreadsContainer:
    id: str
    account: str
    media_type: str  # TEXT, IMAGE, VIDEO, CAROUSEL
    created_at: float
    ready_at: float  # when a video finishes "processing"
    text: str = ""
    media_url: str | None = None
    link: str | None = None
    children: list[str] = field(default_factory=list)
    carousel_item: bool = False
    published_id: str | None = None
    reply_to: str | None = None  # the media a reply container answers (`reply_to_id`)

    @property
    def fetchable(self) -> bool:
        if self.media_type in ("TEXT", "CAROUSEL"):
            return True
        parts = urlsplit(self.media_url or "")
        return parts.scheme in ("http", "https") and parts.hostname not in (None, UNFETCHABLE_HOST)


class ThreadsSandbox:
    def __init__(self, state: Any, limits: ThreadsLimits | None = None) -> None:
        self.state = state
        self.limits = limits or ThreadsLimits()
        self.containers: dict[str, ThreadsContainer] = {}
        self.posts: dict[str, Window] = {}  # account -> publish times in the rolling window
        self.replies: dict[str, Window] = {}  # account -> reply times, counted apart
        self.answered: set[str] = set()  # media that have replies (`has_replies`)
        self.calls: dict[str, Window] = {}  # account -> request times

    # -- containers and published posts ------------------------------------------------------

    def add_container(self, c: ThreadsContainer) -> None:
        event = {"kind": "container", "container": dataclasses.asdict(c)}
        self.state.journal.append({"t": "ext", "platform": "threads", **event})
        self.containers[c.id] = c

    def replay(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "container":
            c = ThreadsContainer(**event["container"])
            self.containers[c.id] = c

    def on_ledger(self, entry: dict[str, Any]) -> None:
        """A post went out (live or replayed): it counts toward its cap (the posts', or the
        replies' for a reply), its container is PUBLISHED."""
        parent = entry.get("in_reply_to")
        if parent:
            self.answered.add(parent)
            self.reply_window(entry["account"]).add(entry["ts"])
        else:
            self.window(entry["account"]).add(entry["ts"])
        container = self.containers.get(entry.get("source_id") or "")
        if container is not None:
            container.published_id = entry["external_id"]

    def window(self, account: str) -> Window:
        w = self.posts.get(account)
        if w is None:
            w = self.posts[account] = Window(self.limits.quota_duration_s)
        return w

    def reply_window(self, account: str) -> Window:
        w = self.replies.get(account)
        if w is None:
            w = self.replies[account] = Window(self.limits.quota_duration_s)
        return w

    def status(self, c: ThreadsContainer, now: float) -> tuple[str, str | None]:
        """(status, error_message) as `GET /{container}` reports them at `now`."""
        if c.published_id:
            return "PUBLISHED", None
        if now - c.created_at >= self.limits.container_ttl_s:
            return "EXPIRED", None
        if c.media_type == "CAROUSEL":
            kids = [self.status(self.containers[k], now) for k in c.children]
            for status, message in kids:
                if status in ("ERROR", "EXPIRED"):
                    return "ERROR", message or "UNKNOWN"
            if any(status == "IN_PROGRESS" for status, _ in kids):
                return "IN_PROGRESS", None
            return "FINISHED", None
        if not c.fetchable:
            return "ERROR", "FAILED_DOWNLOADING_VIDEO" if c.media_type == "VIDEO" else "UNKNOWN"
        return ("IN_PROGRESS", None) if now < c.ready_at else ("FINISHED", None)

    # -- the call budget ---------------------------------------------------------------------

    def call_share(self, account: str, now: float) -> int:
        """The share of the account's call budget used, in percent (what x-app-usage says)."""
        w = self._calls(account)
        return min(100, round(100 * w.count(now) / self.limits.calls_per_window))

    def over_budget(self, account: str, now: float) -> bool:
        return self._calls(account).count(now) >= self.limits.calls_per_window

    def count_call(self, account: str, now: float) -> None:
        self._calls(account).add(now)

    def _calls(self, account: str) -> Window:
        w = self.calls.get(account)
        if w is None:
            w = self.calls[account] = Window(self.limits.call_window_s)
        return w

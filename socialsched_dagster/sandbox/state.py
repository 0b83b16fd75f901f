"""Everything the sandbox remembers, in memory, with the journal replayed at start.

One event loop, no threads: handlers mutate this without locks because nothing awaits between a
check and its commit (the awaits are the injected latency, before any check).
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from typing import Any

from ..platforms.facebook.sandbox_objects import FbObject
from .clock import Clock
from .faults import Faults
from .journal import Journal
from .ledger import Ledger
from .settings import SandboxSettings
from .stats import Stats
from .tokens import Claims, TokenInvalid, verify
from .usage import GraphUsage, Window, YouTubeQuota


@dataclass
class Container:
    id: str
    account: str
    media_type: str  # IMAGE, VIDEO, REELS, STORIES, CAROUSEL
    created_at: float
    ready_at: float  # when a video finishes "processing"
    caption: str = ""
    media_url: str | None = None
    children: list[str] = field(default_factory=list)
    carousel_item: bool = False
    fetchable: bool = True
    published_media_id: str | None = None


@dataclass
class UploadSession:
    id: str
    account: str
    created_at: float
    title: str
    description: str
    tags: list[str]
    category_id: str
    privacy: str
    total: int | None
    target: str | None
    received: int = 0
    video_id: str | None = None


def _extensions(state: SandboxState) -> dict[str, Any]:
    from ..platforms.registry import specs

    return {s.platform.value: s.sandbox_state(state) for s in specs() if s.sandbox_state}


def numeric_id(prefix: str = "17") -> str:
    """Graph ids are long decimal strings; random so ids never collide across restarts."""
    digits = 17 - len(prefix)
    return prefix + str(secrets.randbelow(10**digits)).zfill(digits)


class SandboxState:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.clock = Clock()
        self.faults = Faults(self.clock, settings.faults)
        self.journal = Journal(settings.state_file)
        self._init_memory()
        self._replay()

    def _init_memory(self) -> None:
        s = self.settings
        self.ledger = Ledger()
        self.stats = Stats()
        self.containers: dict[str, Container] = {}
        self.sessions: dict[str, UploadSession] = {}
        self.videos: dict[str, UploadSession] = {}
        self.fb_objects: dict[str, FbObject] = {}  # unpublished Page posts, photos, videos
        self.revoked: dict[tuple[str, str], float] = {}
        self.graph_usage = GraphUsage(s)
        self.yt_quota = YouTubeQuota(s.yt_quota_units_per_day)
        self.ig_publishes: dict[str, Window] = {}
        self.malformed_seq = 0
        # State of platforms whose sandbox lives in their folder, by platform name.
        self.extensions: dict[str, Any] = _extensions(self)

    def now(self) -> float:
        return self.clock.now()

    def reset(self) -> None:
        self.journal.truncate()
        self._init_memory()
        self.faults.reset()
        self.clock.reset()

    # -- tokens -----------------------------------------------------------------------------

    def check_token(self, token: str | None, platforms: tuple[str, ...], kind: str = "access"):
        """(claims, problem): problem is None, 'invalid', 'expired' or 'revoked'."""
        try:
            claims = verify(self.settings.secret, token)
        except TokenInvalid:
            return None, "invalid"
        if claims.platform not in platforms or claims.kind != kind:
            return None, "invalid"
        if claims.expired(self.now()):
            return claims, "expired"
        if self.is_revoked(claims):
            return claims, "revoked"
        return claims, None

    def is_revoked(self, claims: Claims) -> bool:
        at = self.revoked.get((claims.platform, claims.account))
        return at is not None and claims.minted < at

    def revoke(self, platform: str, account: str) -> float:
        at = self.now()
        self.journal.append({"t": "revoke", "platform": platform, "account": account, "at": at})
        self.revoked[(platform, account)] = at
        return at

    # -- containers, sessions, published items ----------------------------------------------

    def add_container(self, c: Container) -> None:
        self.journal.append({"t": "container", **dataclasses.asdict(c)})
        self.containers[c.id] = c

    def add_session(self, s: UploadSession) -> None:
        event = dataclasses.asdict(s)
        del event["received"], event["video_id"]  # bytes are not persisted; completion is
        self.journal.append({"t": "session", **event})
        self.sessions[s.id] = s

    def add_fb_object(self, o: FbObject) -> None:
        self.journal.append({"t": "fb_object", **dataclasses.asdict(o)})
        self.fb_objects[o.id] = o

    def ig_window(self, account: str) -> Window:
        w = self.ig_publishes.get(account)
        if w is None:
            w = self.ig_publishes[account] = Window(self.settings.ig_quota_duration)
        return w

    def record(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Commit a published item: journal first, so a crash right after cannot forget it."""
        entry["seq"] = len(self.ledger) + 1
        self.journal.append({"t": "ledger", **entry})
        self._apply_ledger(entry)
        self.stats.published[entry["platform"]] += 1
        return entry

    def _apply_ledger(self, entry: dict[str, Any]) -> None:
        self.ledger.add(entry)
        extension = self.extensions.get(entry["platform"])
        if extension is not None and hasattr(extension, "on_ledger"):
            extension.on_ledger(entry)
        source = entry.get("source_id")
        if entry["platform"] == "instagram":
            self.ig_window(entry["account"]).add(entry["ts"])
            if source in self.containers:
                self.containers[source].published_media_id = entry["external_id"]
        elif entry["platform"] == "youtube" and source in self.sessions:
            session = self.sessions[source]
            session.video_id = entry["external_id"]
            session.received = session.total or session.received
            self.videos[session.video_id] = session

    def _replay(self) -> None:
        now = self.now()
        for event in self.journal.load():
            kind = event.pop("t", None)
            if kind == "revoke":
                self.revoked[(event["platform"], event["account"])] = event["at"]
            elif kind == "container":
                self.containers[event["id"]] = Container(**event)
            elif kind == "session":
                self.sessions[event["id"]] = UploadSession(**event)
                self.yt_quota.force(self.settings.yt_upload_cost, event["created_at"], now)
            elif kind == "ledger":
                self._apply_ledger(event)
            elif kind == "fb_object":
                self.fb_objects[event["id"]] = FbObject(**event)
            elif kind == "ext" and event.get("platform") in self.extensions:
                self.extensions[event["platform"]].replay(event)

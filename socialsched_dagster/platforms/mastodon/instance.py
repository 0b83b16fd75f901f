"""What an instance allows, read from the instance itself (`GET /api/v2/instance`,
`configuration.statuses` and `configuration.media_attachments`), since every server sets its
own: 500 characters is only Mastodon's default.

Answers are kept a while per instance (in this process, and in Redis for every run when a cache
is given): limits change when an admin reconfigures, not between two posts. A verdict that
would fail a target for good is never taken on a kept answer: the instance is asked again.
Servers older than 4.0 have only `/api/v1/instance` (same `configuration`, since 3.4); one that
tells neither is left to refuse a status itself (its 422 is as permanent, only later).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass

from ...cache.redis_cache import RedisCache
from ...domain.errors import PublishError
from ..base import PublishJob
from .api import MastodonApi, server_of

DEFAULT_MAX_BYTES = {"image": 16 * 1024 * 1024, "video": 99 * 1024 * 1024}


@dataclass(frozen=True)
class InstanceLimits:
    max_characters: int
    max_media_attachments: int
    characters_reserved_per_url: int
    image_size_limit: int
    video_size_limit: int
    supported_mime_types: tuple[str, ...]

    @classmethod
    def from_instance(cls, body: dict) -> InstanceLimits | None:
        config = body.get("configuration")
        if not isinstance(config, dict) or not isinstance(config.get("statuses"), dict):
            return None
        statuses, media = config["statuses"], config.get("media_attachments") or {}
        try:
            return cls(
                max_characters=int(statuses["max_characters"]),
                max_media_attachments=int(statuses.get("max_media_attachments", 4)),
                characters_reserved_per_url=int(statuses.get("characters_reserved_per_url", 23)),
                image_size_limit=int(media.get("image_size_limit", DEFAULT_MAX_BYTES["image"])),
                video_size_limit=int(media.get("video_size_limit", DEFAULT_MAX_BYTES["video"])),
                supported_mime_types=tuple(str(t) for t in media.get("supported_mime_types", ())),
            )
        except (KeyError, TypeError, ValueError):
            return None


class InstanceInfo:
    """Limits per instance, kept `ttl_s`; thread-safe (the client is shared by workers)."""

    def __init__(self, api: MastodonApi, ttl_s: float, cache: RedisCache | None = None) -> None:
        self.api, self.ttl_s, self.cache = api, ttl_s, cache
        self._kept: dict[str, tuple[float, InstanceLimits | None]] = {}
        self._lock = threading.Lock()

    def limits(self, job: PublishJob, fresh: bool = False) -> InstanceLimits | None:
        server = server_of(job)
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(server)
        if kept is not None and not fresh and now - kept[0] < self.ttl_s:
            return kept[1]
        limits = self._shared(job, server, fresh)
        with self._lock:
            self._kept[server] = (now, limits)
        return limits

    def _shared(self, job: PublishJob, server: str, fresh: bool) -> InstanceLimits | None:
        if self.cache is None:
            return self._ask(job)
        key = f"mastodon:instance:{server}"
        if fresh:
            self.cache.invalidate(key)
        value = self.cache.get_or_set(
            key, lambda: {"limits": _dump(self._ask(job))}, ttl_s=self.ttl_s
        )
        raw = value.get("limits") if isinstance(value, dict) else None
        return _load(raw) if isinstance(raw, dict) else None

    def _ask(self, job: PublishJob) -> InstanceLimits | None:
        for path in ("/api/v2/instance", "/api/v1/instance"):
            try:
                # With the token: a server in limited-federation mode answers no anonymous call.
                answer = self.api.request(job, "GET", path, "instance")
            except PublishError as exc:
                if exc.http_status in (404, 410):  # an older server: try the older path
                    continue
                raise
            limits = InstanceLimits.from_instance(answer.object())
            if limits is not None:
                return limits
        return None


def _dump(limits: InstanceLimits | None) -> dict | None:
    if limits is None:
        return None
    return {**asdict(limits), "supported_mime_types": list(limits.supported_mime_types)}


def _load(raw: dict) -> InstanceLimits | None:
    try:
        return InstanceLimits(**{**raw, "supported_mime_types": tuple(raw["supported_mime_types"])})
    except (KeyError, TypeError):  # kept by another version of this code
        return None

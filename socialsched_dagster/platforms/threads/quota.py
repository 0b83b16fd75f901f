"""Threads' publishing caps, read live before each publish: 250 API posts, and apart from them
1,000 API replies (a thread's segments after the head), per rolling 24 h.

`threads_publishing_limit` says how many posts (`quota_usage`, `config`) and replies
(`reply_quota_usage`, `reply_config`) are in the window and the caps, not when a slot frees.
That is when the oldest one still counted ages out, so it is read from the account's own recent
posts (`/threads`) or replies (`/replies`), and only when the cap is reached. The estimate errs
late, never early: those made in the app are listed but not counted, so the one taken as the
oldest counted is at worst newer than the real one, and a retry then is never refused for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...cache.redis_cache import RedisCache
from ..base import PublishJob
from ..recent import graph_time
from .api import ThreadsApi

# When the account's posts cannot tell (deleted posts, an unreadable list): ask again then.
FALLBACK_WAIT_S = 3600.0
PER_PAGE = 100  # pages enough for a whole window: 3 for 250 posts, 10 for 1,000 replies
MAX_PAGES = 12


@dataclass(frozen=True)
class Cap:
    """One of the two caps: how threads_publishing_limit names it, and where its items are."""

    noun: str  # "posts", "replies": as messages say it
    usage_field: str
    config_field: str
    edge: str  # the account's list of what it counts, newest first
    code: str  # the PublishError code when it is reached
    cache_prefix: str


POSTS = Cap(
    "posts", "quota_usage", "config", "threads", "threads_publishing_limit",
    "threads:publishing_limit",
)  # fmt: skip
REPLIES = Cap(
    "replies", "reply_quota_usage", "reply_config", "replies", "threads_reply_limit",
    "threads:reply_limit",
)  # fmt: skip


def cap_of(job: PublishJob) -> Cap:
    """A thread's segment after the head is a reply, and counts against the replies."""
    return REPLIES if job.reply_to else POSTS


@dataclass(frozen=True)
class Limit:
    usage: int
    total: int
    duration_s: int

    @property
    def full(self) -> bool:
        return self.usage >= self.total


def publishing_limit(api: ThreadsApi, job: PublishJob, cap: Cap = POSTS) -> Limit:
    """The cap as the platform reports it right now: read, never hard-coded."""

    def parse(body: dict[str, Any]) -> Limit:
        entry = body["data"][0]
        config = entry[cap.config_field]
        return Limit(
            int(entry[cap.usage_field]), int(config["quota_total"]), int(config["quota_duration"])
        )

    params = {"fields": f"{cap.usage_field},{cap.config_field}"}
    path = f"{job.account_external_id}/threads_publishing_limit"
    return api.get(job, path, "threads_publishing_limit", params=params, parse=parse)


def cache_key(account_external_id: str, cap: Cap = POSTS) -> str:
    return f"{cap.cache_prefix}:{account_external_id}"


def cached_limit(
    cache: RedisCache,
    api: ThreadsApi,
    job: PublishJob,
    ttl_s: float = 60,
    headroom: int = 3,
    cap: Cap = POSTS,
) -> Limit:
    """Asked at most once a minute per account far from the cap; within `headroom` of it,
    every time (a stale count only matters there; the platform still refuses over the cap)."""
    key, fresh = cache_key(job.account_external_id, cap), False

    def load() -> list[int]:
        nonlocal fresh
        fresh = True
        limit = publishing_limit(api, job, cap)
        return [limit.usage, limit.total, limit.duration_s]

    limit = Limit(*cache.get_or_set(key, load, ttl_s))
    if not fresh and limit.total - limit.usage <= headroom:
        cache.invalidate(key)
        limit = Limit(*cache.get_or_set(key, load, ttl_s))
    return limit


def seconds_until_a_slot(api: ThreadsApi, job: PublishJob, limit: Limit, cap: Cap = POSTS) -> float:
    """How long until the oldest one counted in the window ages out (see the module doc)."""
    times: list[float] = []
    now: float | None = None
    params: dict[str, Any] = {"fields": "id,timestamp", "limit": PER_PAGE}
    path = f"{job.account_external_id}/{cap.edge}"
    for _ in range(min(MAX_PAGES, -(-limit.total // PER_PAGE))):
        body, server_now = api.get_dated(job, path, f"{cap.edge} list", params)
        now = server_now if now is None else now
        data = body.get("data") if isinstance(body.get("data"), list) else []
        stamps = [graph_time(i.get("timestamp")) for i in data if isinstance(i, dict)]
        inside = [t for t in stamps if t is not None and t > now - limit.duration_s]
        times += inside
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
        if len(inside) < len(stamps) or not paging.get("next") or not cursors.get("after"):
            break  # newest first: the rest is older than the window
        params = {**params, "after": cursors["after"]}
    if not times or now is None:
        return FALLBACK_WAIT_S
    times.sort(reverse=True)
    oldest_counted = times[min(limit.usage, len(times)) - 1]
    wait = oldest_counted + limit.duration_s - now
    return min(float(limit.duration_s), max(1.0, wait))

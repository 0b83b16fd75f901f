"""Threads' publishing cap (250 API posts per rolling 24 h), read live before each publish.

`threads_publishing_limit` says how many posts are in the window and the cap, not when a slot
frees. That is when the oldest post still counted ages out, so it is read from the account's
own recent posts, and only when the cap is reached. The estimate errs late, never early: posts
made in the app are listed but not counted, so the post taken as the oldest counted one is at
worst newer than the real one, and a retry at that time is never refused for the cap.
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
PAGES, PER_PAGE = 3, 100  # room for the whole window of 250


@dataclass(frozen=True)
class Limit:
    usage: int
    total: int
    duration_s: int

    @property
    def full(self) -> bool:
        return self.usage >= self.total


def publishing_limit(api: ThreadsApi, job: PublishJob) -> Limit:
    """The cap as the platform reports it right now: read, never hard-coded."""

    def parse(body: dict[str, Any]) -> Limit:
        entry = body["data"][0]
        config = entry["config"]
        return Limit(
            int(entry["quota_usage"]), int(config["quota_total"]), int(config["quota_duration"])
        )

    params = {"fields": "quota_usage,config"}
    path = f"{job.account_external_id}/threads_publishing_limit"
    return api.get(job, path, "threads_publishing_limit", params=params, parse=parse)


def cache_key(account_external_id: str) -> str:
    return f"threads:publishing_limit:{account_external_id}"


def cached_limit(
    cache: RedisCache, api: ThreadsApi, job: PublishJob, ttl_s: float = 60, headroom: int = 3
) -> Limit:
    """Asked at most once a minute per account far from the cap; within `headroom` of it,
    every time (a stale count only matters there; the platform still refuses over the cap)."""
    key, fresh = cache_key(job.account_external_id), False

    def load() -> list[int]:
        nonlocal fresh
        fresh = True
        limit = publishing_limit(api, job)
        return [limit.usage, limit.total, limit.duration_s]

    limit = Limit(*cache.get_or_set(key, load, ttl_s))
    if not fresh and limit.total - limit.usage <= headroom:
        cache.invalidate(key)
        limit = Limit(*cache.get_or_set(key, load, ttl_s))
    return limit


def seconds_until_a_slot(api: ThreadsApi, job: PublishJob, limit: Limit) -> float:
    """How long until the oldest post counted in the window ages out (see the module doc)."""
    times: list[float] = []
    now: float | None = None
    params: dict[str, Any] = {"fields": "id,timestamp", "limit": PER_PAGE}
    path = f"{job.account_external_id}/threads"
    for _ in range(PAGES):
        body, server_now = api.get_dated(job, path, "threads list", params)
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

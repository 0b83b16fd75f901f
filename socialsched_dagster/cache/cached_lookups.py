"""Lookups the publisher repeats, cached; each says what real work the cache saves.

- `cached_publishing_limit`: Instagram's content_publishing_limit is a Graph GET before every
  media_publish, spent from the account's 200 calls/h, and its answer barely moves in a minute.
  A stale count only matters near the cap, so within `headroom` of it the platform is asked
  every time (the platform still refuses a publish over its limit: the check only saves calls).
- `cached_account_meta`: a database round trip per target for facts that change rarely; call
  `forget_account_meta` where an account's status changes so no one waits for the TTL.
- `media_url_ok`: a HEAD to the media host per target and per retry. Only "reachable" is cached:
  a failure may be a CDN blip or an upload still on its way, so it is asked again next time.
  It goes through the media fetcher (public addresses only, every redirect hop checked), and
  stand-in hosts named by the media policy (sandbox, demo, tests) are never asked.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Protocol

import httpx
from sqlalchemy import select

from ..domain.platform_calls import PublishJob
from ..security.media_fetch import MediaFetcher
from ..security.public_urls import UnsafeUrl
from ..store.database import Database
from ..store.models import Account
from .redis_cache import RedisCache


class _Uncached(Exception):
    """Raised by a loader whose answer must not be stored."""


class PublishingLimitSource(Protocol):
    """InstagramClient; a protocol so that instagram.py may use this module without a cycle."""

    def publishing_limit(self, job: PublishJob) -> tuple[int, int]: ...


def publishing_limit_key(account_external_id: str) -> str:
    return f"ig:publishing_limit:{account_external_id}"


def cached_publishing_limit(
    cache: RedisCache,
    client: PublishingLimitSource,
    job: PublishJob,
    ttl_s: float = 60,
    headroom: int = 3,
) -> tuple[int, int]:
    """(posts in the rolling window, the cap) for the job's Instagram account."""
    key = publishing_limit_key(job.account_external_id)
    fresh = False

    def load() -> list[int]:
        nonlocal fresh
        fresh = True
        return list(client.publishing_limit(job))

    usage, total = cache.get_or_set(key, load, ttl_s)
    if not fresh and total - usage <= headroom:
        cache.invalidate(key)
        usage, total = cache.get_or_set(key, load, ttl_s)
    return int(usage), int(total)


@dataclass(frozen=True)
class AccountMeta:
    platform: str
    handle: str
    external_id: str
    status: str


def account_meta_key(account_id: int) -> str:
    return f"account:{account_id}"


def cached_account_meta(
    cache: RedisCache, db: Database, account_id: int, ttl_s: float = 300
) -> AccountMeta | None:
    """None for an unknown account (not cached: it may be created next)."""

    def load() -> dict[str, str]:
        columns = (Account.platform, Account.handle, Account.external_id, Account.status)
        with db.session() as session:
            row = session.execute(select(*columns).where(Account.id == account_id)).one_or_none()
        if row is None:
            raise _Uncached
        return asdict(AccountMeta(*row))

    try:
        return AccountMeta(**cache.get_or_set(account_meta_key(account_id), load, ttl_s))
    except _Uncached:
        return None


def forget_account_meta(cache: RedisCache, account_id: int) -> None:
    cache.invalidate(account_meta_key(account_id))


def media_url_ok(cache: RedisCache, fetcher: MediaFetcher, url: str, ttl_s: float = 3600) -> bool:
    """Whether the media host serves `url` (2xx/3xx). A URL on a stand-in host of the policy
    is taken as fine; one whose host (or a redirect's) is not public is not reachable."""
    if fetcher.policy.is_stand_in(url):
        return True

    def load() -> bool:
        if not _reachable(fetcher, url):
            raise _Uncached
        return True

    # Hashed: a signed CDN URL can be kilobytes long and carries a secret.
    key = f"media_ok:{hashlib.sha256(url.encode()).hexdigest()}"
    try:
        return cache.get_or_set(key, load, ttl_s)
    except _Uncached:
        return False


def _reachable(fetcher: MediaFetcher, url: str) -> bool:
    try:
        with fetcher.stream("HEAD", url) as response:
            status = response.status_code
        if status == 405:  # some hosts refuse HEAD: ask for one byte instead
            with fetcher.stream("GET", url, headers={"Range": "bytes=0-0"}) as response:
                status = response.status_code
    except (httpx.HTTPError, UnsafeUrl):
        return False
    return status < 400

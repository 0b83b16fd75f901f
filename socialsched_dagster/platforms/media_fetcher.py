"""The media fetcher the platform clients share: every download of a post's media goes through
it (media_download.py) and Instagram's media check asks the media host through it
(security/media_fetch.py: public addresses only, every redirect hop checked). Never the platform
API's own client: the media are on whatever host a post names, the API on the configured base
URLs."""

from __future__ import annotations

import functools

import httpx

from ..security.media_fetch import MediaFetcher
from ..security.public_urls import MediaPolicy
from .config import PlatformConfig
from .http import USER_AGENT


def media_fetcher(config: PlatformConfig) -> MediaFetcher:
    """The process's fetcher for this policy and these timeouts. Platform clients are kept per
    process with their pools reused, so the fetcher is too (httpx.Client is thread-safe)."""
    timeouts = (
        config.connect_timeout_s, config.read_timeout_s, config.write_timeout_s,
        config.pool_timeout_s,
    )  # fmt: skip
    return _fetcher(config.media_policy, timeouts, config.max_connections)


@functools.cache
def _fetcher(
    policy: MediaPolicy, timeouts: tuple[float, float, float, float], max_connections: int
) -> MediaFetcher:
    connect, read, write, pool = timeouts
    return MediaFetcher(
        policy,
        timeout=httpx.Timeout(connect=connect, read=read, write=write, pool=pool),
        headers={"User-Agent": USER_AGENT},
        max_connections=max_connections,
    )

"""Which client speaks for which platform."""

from __future__ import annotations

import httpx

from ..cache.redis_cache import RedisCache
from ..domain.platforms import Platform
from .base import CallGuard, PlatformClient
from .config import PlatformConfig
from .facebook import FacebookClient
from .instagram import InstagramClient
from .youtube import YouTubeClient

CLIENTS = {
    Platform.INSTAGRAM: InstagramClient,
    Platform.FACEBOOK: FacebookClient,
    Platform.YOUTUBE: YouTubeClient,
}


def build_client(
    platform: Platform,
    config: PlatformConfig,
    guard: CallGuard,
    http: httpx.Client | None = None,
    cache: RedisCache | None = None,
) -> PlatformClient:
    """A client for `platform`. Without `http` it owns a pool of its own and closes it.
    `cache` (Instagram only) shares the publishing-limit answer between runs."""
    if platform is Platform.INSTAGRAM:
        return InstagramClient(config, guard, http, cache=cache)
    return CLIENTS[platform](config, guard, http)


def build_clients(config: PlatformConfig, guard: CallGuard) -> dict[Platform, PlatformClient]:
    return {platform: build_client(platform, config, guard) for platform in Platform}

"""Which client speaks for which platform."""

from __future__ import annotations

import httpx

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
    platform: Platform, config: PlatformConfig, guard: CallGuard, http: httpx.Client | None = None
) -> PlatformClient:
    """A client for `platform`. Without `http` it owns a pool of its own and closes it."""
    return CLIENTS[platform](config, guard, http)


def build_clients(config: PlatformConfig, guard: CallGuard) -> dict[Platform, PlatformClient]:
    return {platform: build_client(platform, config, guard) for platform in Platform}

"""Every platform's spec, found by convention: `Platform.X` is served by the package
`socialsched_dagster.platforms.<x>`, which exports `SPEC`. The enum is the one registry."""

from __future__ import annotations

import importlib
from functools import cache

import httpx

from ..cache.redis_cache import RedisCache
from ..domain.content import PostContent
from ..domain.platforms import Platform
from ..domain.validation import ContentError, merged
from .base import CallGuard, PlatformClient
from .config import PlatformConfig
from .spec import PlatformSpec


@cache
def spec(platform: Platform) -> PlatformSpec:
    module = importlib.import_module(f"{__package__}.{platform.value}")
    found = getattr(module, "SPEC", None)
    if not isinstance(found, PlatformSpec) or found.platform is not platform:
        raise RuntimeError(f"{module.__name__} must export SPEC, the PlatformSpec of {platform}")
    return found


def specs() -> list[PlatformSpec]:
    return [spec(p) for p in Platform]


def build_client(
    platform: Platform,
    config: PlatformConfig,
    guard: CallGuard,
    http: httpx.Client | None = None,
    cache: RedisCache | None = None,
) -> PlatformClient:
    """A client for `platform`. Without `http` it owns a pool of its own and closes it.
    `cache` shares answers worth sharing between runs (Instagram's publishing limit)."""
    return spec(platform).build_client(config, guard, http, cache)


def build_clients(config: PlatformConfig, guard: CallGuard) -> dict[Platform, PlatformClient]:
    return {platform: build_client(platform, config, guard) for platform in Platform}


def content_errors(platform: Platform, content: PostContent) -> list[ContentError]:
    return spec(platform).content_rules(content)


def validate_content(platform: Platform, content: PostContent) -> None:
    """Raise the rules the content breaks (all of them are in the message)."""
    errs = content_errors(platform, content)
    if errs:
        raise merged(platform, errs)
